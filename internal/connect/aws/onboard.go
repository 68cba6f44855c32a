package awsconn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
)

// NewExternalID is a fresh external ID for a role Canopy will assume:
// random, so no other Canopy customer can present it (the confused-deputy
// guard), and shown to the customer before the role exists.
func NewExternalID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "canopy-" + hex.EncodeToString(b)
}

// ValidAccountID checks a 12-digit AWS account ID (field account_id).
func ValidAccountID(id string) error {
	if !accountIDRE.MatchString(id) {
		return domain.FieldError("account_id", "Enter the 12-digit ID of the AWS (payer) account, digits only.")
	}
	return nil
}

// ValidExternalID checks an external ID (field external_id).
func ValidExternalID(id string) error {
	if !externalIDRE.MatchString(id) {
		return domain.FieldError("external_id", "The external ID is 2 to 1000 letters, digits or +=,.@:/-_ characters.")
	}
	return nil
}

// RoleARNFor turns a role's name or ARN into its ARN in accountID (field
// role).
func RoleARNFor(accountID, role string) (string, error) {
	role = strings.TrimSpace(role)
	if role == "" {
		return "", domain.FieldError("role", "Enter the name of the role you create (for example CanopyReadOnly) or its ARN.")
	}
	arn := role
	if !strings.HasPrefix(role, "arn:") {
		arn = "arn:aws:iam::" + accountID + ":role/" + strings.TrimPrefix(role, "/")
	}
	m := roleARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", domain.FieldError("role", "Enter a role name such as CanopyReadOnly or an ARN such as arn:aws:iam::123456789012:role/CanopyReadOnly.")
	}
	if m[1] != accountID {
		return "", domain.FieldError("role", "The role's ARN is in account %s, but the account ID is %s.", m[1], accountID)
	}
	return arn, nil
}

// RoleSetup is what the customer needs to create the role Canopy assumes:
// Canopy's principal, the external ID and the two policy documents.
type RoleSetup struct {
	CanopyPrincipal string
	ExternalID      string
	TrustPolicy     string
	IAMPolicy       string
}

// SetupFor returns the role setup for externalID; Canopy's principal is
// asked from STS and is a placeholder when STS cannot tell it now.
func SetupFor(ctx context.Context, env connect.Env, externalID string) RoleSetup {
	principal := placeholderPrincipal
	if env.Clouds.AWSAccessKeyID != "" && env.Clouds.AWSSecretKey != "" {
		if p, err := CanopyPrincipal(ctx, env); err == nil && p != "" {
			principal = p
		}
	}
	return RoleSetup{CanopyPrincipal: principal, ExternalID: externalID,
		TrustPolicy: TrustPolicy(principal, externalID), IAMPolicy: IAMPolicy()}
}
