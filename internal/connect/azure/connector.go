package azureconn

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
)

// Connector is the Azure connect.Connector: costs per subscription and
// month through the Cost Management query API, with Canopy's multi-tenant
// app credentials from the installation (connect.Env.Clouds). An Azure
// connection has no secret of its own: admin consent put Canopy's service
// principal in the customer's tenant.
type Connector struct {
	// Sleep waits out a throttled request's Retry-After. Nil pauses the
	// subscription's scope in the run's throttle (Run.Pause, Run.Wait);
	// tests move the sandbox clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Kind implements connect.Connector.
func (Connector) Kind() connect.Kind { return connect.KindAzure }

// Settings is an Azure connection's settings JSON.
type Settings struct {
	TenantID string `json:"tenant_id"`
	// Subscriptions maps subscription IDs to access levels
	// ("read-write-tags", "read-tags-only", "no-tags", "no-resources");
	// subscriptions missing here sync at DefaultAccessLevel.
	Subscriptions      map[string]string `json:"subscriptions,omitempty"`
	DefaultAccessLevel string            `json:"default_access_level,omitempty"`
	TagWrite           bool              `json:"tag_write,omitempty"`
	Reservations       bool              `json:"reservations,omitempty"`
	// PartnerID is a Microsoft partner (MPN) ID to associate with Canopy's
	// credentials (Partner Admin Link).
	PartnerID string `json:"partner_id,omitempty"`
}

// ParseAccessLevel reads an access level's name ("" is the default,
// read-write-tags).
func ParseAccessLevel(s string) (AccessLevel, bool) {
	for _, l := range []AccessLevel{ReadWriteTags, ReadTagsOnly, NoTags, NoResources} {
		if strings.EqualFold(s, l.String()) {
			return l, true
		}
	}
	return ReadWriteTags, s == ""
}

var (
	tenantRE  = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})$`)
	guidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	partnerRE = regexp.MustCompile(`^[0-9]{1,10}$`)
)

// ParseSettings reads and checks settings; errors name the field.
func ParseSettings(raw []byte) (Settings, error) {
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, domain.FieldError("settings", "Azure settings: %s", err.Error())
	}
	if !tenantRE.MatchString(s.TenantID) {
		return s, domain.FieldError("settings", "Azure settings: tenant_id must be the tenant's ID (a GUID) or its domain.")
	}
	for id, lvl := range s.Subscriptions {
		if !guidRE.MatchString(id) {
			return s, domain.FieldError("settings", "Azure settings: subscriptions: %s is not a subscription ID (a GUID).", id)
		}
		if _, ok := ParseAccessLevel(lvl); !ok || lvl == "" {
			return s, domain.FieldError("settings", "Azure settings: subscription %s: access level must be read-write-tags, read-tags-only, no-tags or no-resources.", id)
		}
	}
	if _, ok := ParseAccessLevel(s.DefaultAccessLevel); !ok {
		return s, domain.FieldError("settings", "Azure settings: default_access_level must be read-write-tags, read-tags-only, no-tags or no-resources.")
	}
	if s.PartnerID != "" && !partnerRE.MatchString(s.PartnerID) {
		return s, domain.FieldError("settings", "Azure settings: partner_id must be a Microsoft partner ID (digits).")
	}
	return s, nil
}

// ValidateSettings implements connect.SettingsValidator.
func (Connector) ValidateSettings(raw []byte) error {
	_, err := ParseSettings(raw)
	return err
}

// level is subID's access level.
func (s Settings) level(subID string) AccessLevel {
	for id, lvl := range s.Subscriptions {
		if strings.EqualFold(id, subID) {
			l, _ := ParseAccessLevel(lvl)
			return l
		}
	}
	l, _ := ParseAccessLevel(s.DefaultAccessLevel)
	return l
}

// EnvConfig is the adapter's configuration for tenant from the
// installation's Env: Canopy's app, the cloud's endpoints, the client.
func EnvConfig(env connect.Env, tenant string) Config {
	return Config{TenantID: tenant, ClientID: env.Clouds.AzureClientID, ClientSecret: env.Clouds.AzureClientSecret,
		AuthorityHost: env.Clouds.AzureAuthority, ARMEndpoint: env.Clouds.AzureARM, HTTPClient: env.HTTPClient}
}
