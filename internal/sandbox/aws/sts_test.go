package awssandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// assumed returns a Cost Explorer client and an STS client whose
// credentials come from assuming roleARN with externalID, as Canopy's
// connector does: Canopy's own user key signs AssumeRole.
func (e *env) assumed(t *testing.T, roleARN, externalID string) (*costexplorer.Client, *sts.Client) {
	t.Helper()
	id, secret := e.aws.AddUser(canopy, "canopy-connector", "sts:AssumeRole")
	base := sts.NewFromConfig(e.config(credentials.NewStaticCredentialsProvider(id, secret, "")))
	provider := stscreds.NewAssumeRoleProvider(base, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.ExternalID = aws.String(externalID)
		o.RoleSessionName = "canopy"
	})
	cfg := e.config(aws.NewCredentialsCache(provider))
	return costexplorer.NewFromConfig(cfg), sts.NewFromConfig(cfg)
}

func TestAssumeRoleWithExternalID(t *testing.T) {
	e := newEnv(t)
	e.aws.AddAccount(canopy, "Canopy", AccountOptions{})
	roleARN := e.aws.AddRole(payer, "CanopyReadOnly", canopy, extID, "ce:GetCostAndUsage")
	ce, stsc := e.assumed(t, roleARN, extID)
	who, err := stsc.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + payer + ":assumed-role/CanopyReadOnly/canopy"; *who.Arn != want || *who.Account != payer {
		t.Fatalf("caller %s in %s, want %s", *who.Arn, *who.Account, want)
	}
	in := byServiceAndAccount(e.today().AddDate(0, 0, -2), e.today())
	if _, err := ce.GetCostAndUsage(ctx(), in); err != nil {
		t.Fatalf("cost data with the role's session: %v", err)
	}
	_, err = ce.GetRightsizingRecommendation(ctx(), &costexplorer.GetRightsizingRecommendationInput{Service: aws.String("AmazonEC2")})
	code, msg := apiCode(t, err)
	want := "User: arn:aws:sts::" + payer + ":assumed-role/CanopyReadOnly/canopy is not authorized to perform: ce:GetRightsizingRecommendation on resource: arn:aws:ce:us-east-1:" + payer + ":/GetRightsizingRecommendation"
	if code != "AccessDeniedException" || !strings.HasPrefix(msg, want) {
		t.Fatalf("role without the permission: %s %q", code, msg)
	}
	if err := e.aws.SetAllowed(roleARN, "ce:Get*"); err != nil {
		t.Fatal(err)
	}
	if _, err := ce.GetRightsizingRecommendation(ctx(), &costexplorer.GetRightsizingRecommendationInput{Service: aws.String("AmazonEC2")}); err != nil {
		t.Fatalf("after granting ce:Get*: %v", err)
	}
	// The session lasts an hour on the sandbox clock; the SDK still holds
	// the credentials, and the service refuses them.
	e.clock.Advance(61 * time.Minute)
	_, err = ce.GetCostAndUsage(ctx(), in)
	if code, _ := apiCode(t, err); code != "ExpiredTokenException" {
		t.Fatalf("after expiry: %s", code)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	e := newEnv(t)
	roleARN := e.aws.AddRole(payer, "CanopyReadOnly", canopy, extID, allowCE)
	for _, ext := range []string{"wrong", ""} {
		ce, _ := e.assumed(t, roleARN, ext)
		_, err := ce.GetCostAndUsage(ctx(), byServiceAndAccount(e.today().AddDate(0, 0, -2), e.today()))
		code, msg := apiCode(t, err)
		want := "User: arn:aws:iam::" + canopy + ":user/canopy-connector is not authorized to perform: sts:AssumeRole on resource: " + roleARN
		if code != "AccessDenied" || msg != want {
			t.Fatalf("external ID %q: %s %q", ext, code, msg)
		}
	}
	id, _ := e.aws.AddUser(canopy, "intruder", "sts:AssumeRole")
	bad := sts.NewFromConfig(e.config(credentials.NewStaticCredentialsProvider(id, strings.Repeat("x", 40), "")))
	_, err := bad.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("x1"), ExternalId: aws.String(extID)})
	if code, _ := apiCode(t, err); code != "SignatureDoesNotMatch" {
		t.Fatalf("bad secret at STS: %s", code)
	}
	if n := e.aws.Requests("AssumeRole"); n != 3 {
		t.Fatalf("AssumeRole requests = %d, want 3 (refusals are not retried)", n)
	}
}
