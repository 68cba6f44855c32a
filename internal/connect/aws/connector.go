package awsconn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Authentication modes of a connection.
const (
	AuthRole = "role" // Canopy's own principal assumes the customer's role
	AuthKeys = "keys" // an access key of the customer's IAM user (the secret)
)

// Settings are an AWS connection's settings JSON.
type Settings struct {
	AccountID  string `json:"account_id"`
	RoleARN    string `json:"role_arn,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Auth       string `json:"auth,omitempty"` // role (default) or keys
	// CERecommendations is the Canopy-side switch for Cost Explorer's
	// recommendations (AWS bills those API calls).
	CERecommendations bool `json:"ce_recommendations"`
}

// Keys is the secret of a connection with auth "keys".
type Keys struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// CheckStore keeps a connection's doctor results; *store.Store is one.
type CheckStore interface {
	ReplaceChecks(ctx context.Context, orgID, connectionID string, checks []store.ConnectionCheck) error
}

// Connector is the AWS connection kind: costs from Cost Explorer month by
// month, then the recommendations' health, whose five states become
// warnings of the sync and rows of the connection doctor.
type Connector struct {
	// Checks stores the sync's health as doctor checks; nil skips that.
	Checks CheckStore

	// afterMonth runs after each month's import and before its
	// checkpoint (tests stop a sync there).
	afterMonth func(ctx context.Context, month string) error
}

// Kind implements connect.Connector.
func (Connector) Kind() connect.Kind { return connect.KindAWS }

var (
	roleARNRE    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/[\w+=,.@/-]{1,512}$`)
	externalIDRE = regexp.MustCompile(`^[\w+=,.@:/-]{2,1000}$`)
)

// ValidateSettings implements connect.SettingsValidator.
func (Connector) ValidateSettings(b []byte) error {
	_, err := parseSettings(b)
	return err
}

func parseSettings(b []byte) (Settings, error) {
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return s, domain.FieldError("settings", "AWS settings must be a JSON object with account_id, auth and role_arn.")
	}
	if s.Auth == "" {
		s.Auth = AuthRole
	}
	if !accountIDRE.MatchString(s.AccountID) {
		return s, domain.FieldError("settings", "account_id must be the 12-digit ID of the AWS (payer) account.")
	}
	if s.Auth != AuthRole && s.Auth != AuthKeys {
		return s, domain.FieldError("settings", `auth must be "role" (Canopy assumes your role) or "keys" (an access key).`)
	}
	if s.ExternalID != "" && !externalIDRE.MatchString(s.ExternalID) {
		return s, domain.FieldError("settings", "external_id must be 2 to 1000 letters, digits or +=,.@:/-_ characters.")
	}
	if s.Auth == AuthKeys && s.RoleARN == "" {
		return s, nil
	}
	m := roleARNRE.FindStringSubmatch(s.RoleARN)
	if m == nil {
		return s, domain.FieldError("settings", "role_arn must be a role's ARN, e.g. arn:aws:iam::123456789012:role/CanopyReadOnly.")
	}
	if m[1] != s.AccountID {
		return s, domain.FieldError("settings", "role_arn is in account %s, but account_id is %s.", m[1], s.AccountID)
	}
	return s, nil
}

// ExternalIDFor is the external ID the connection's role trust must name:
// the one in its settings or, when none was given, one Canopy derives
// from the connection's random ID at creation, so it is unique per
// connection and no other customer can present it.
func ExternalIDFor(conn connect.Connection) string {
	var s Settings
	_ = json.Unmarshal(conn.Settings, &s)
	if s.ExternalID != "" {
		return s.ExternalID
	}
	sum := sha256.Sum256([]byte("canopy-aws-external-id:" + conn.OrgID + ":" + conn.ID))
	return hex.EncodeToString(sum[:16])
}

// clientFor builds the AWS client of a connection: Canopy's principal
// (env) assuming the role, or the customer's access key.
func clientFor(ctx context.Context, env connect.Env, conn connect.Connection, secret []byte) (*Client, Settings, error) {
	s, err := parseSettings(conn.Settings)
	if err != nil {
		return nil, s, err
	}
	cfg := Config{Endpoint: env.Clouds.AWSEndpoint, HTTPClient: env.HTTPClient, RoleARN: s.RoleARN}
	switch s.Auth {
	case AuthRole:
		cfg.AccessKeyID, cfg.SecretAccessKey, cfg.ExternalID = env.Clouds.AWSAccessKeyID, env.Clouds.AWSSecretKey, ExternalIDFor(conn)
		if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
			return nil, s, fmt.Errorf("this Canopy installation has no AWS principal to assume roles with (set CANOPY_AWS_ACCESS_KEY_ID and CANOPY_AWS_SECRET_ACCESS_KEY), or use auth \"keys\"")
		}
	case AuthKeys:
		var k Keys
		if err := json.Unmarshal(secret, &k); err != nil || k.AccessKeyID == "" || k.SecretAccessKey == "" {
			return nil, s, fmt.Errorf(`the connection's secret must be {"access_key_id": "...", "secret_access_key": "..."}: enter the access key again`)
		}
		cfg.AccessKeyID, cfg.SecretAccessKey = k.AccessKeyID, k.SecretAccessKey
		cfg.ExternalID = s.ExternalID
	}
	c, err := New(ctx, cfg)
	return c, s, err
}

// Probe implements connect.Connector with the adapter's probe.
func (Connector) Probe(ctx context.Context, env connect.Env, conn connect.Connection, secret []byte) ([]connect.Check, error) {
	c, s, err := clientFor(ctx, env, conn, secret)
	if err != nil {
		return nil, err
	}
	return doctorChecks(c.Probe(ctx, RecOptions{CostExplorer: s.CERecommendations})), nil
}

// doctorChecks turns the adapter's checks into the doctor's.
func doctorChecks(list []Check) []connect.Check {
	out := make([]connect.Check, 0, len(list))
	for _, ch := range list {
		detail := ch.Message
		if ch.OK() {
			detail = "Works: AWS answered the test request."
		} else if t := healthTitles[ch.Code]; t != "" && !strings.HasPrefix(detail, t) {
			detail = t + ": " + detail
		}
		out = append(out, connect.Check{Feature: ch.Title, Needs: ch.Permission, Granted: ch.OK(), Detail: detail, Fix: ch.FixSlug})
	}
	return out
}
