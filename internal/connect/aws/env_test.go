package awsconn

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const (
	payer     = "123456789012"
	canopyAcc = "999988887777" // Canopy's own account, trusted by the customer's role
	extID     = "canopy-ext-7f3a"
)

// allowAll is the read-only policy's actions, as the help page gives them.
var allowAll = PolicyActions

// env is the AWS sandbox on loopback TLS, with a payer account on
// Business support and Cost Explorer (with rightsizing) enabled.
type env struct {
	aws    *awssandbox.AWS
	srv    *sbx.Server
	ca     *sbx.CA
	faults *sbx.Faults
	clock  *sbx.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := &sbx.Clock{}
	// The real time, frozen: the SDK's credential cache uses the wall
	// clock and must agree with the sandbox on session expiry.
	clock.Set(time.Now())
	ca, err := sbx.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	faults := sbx.NewFaults()
	a := awssandbox.New(awssandbox.Options{Seed: 11, Clock: clock})
	a.AddAccount(payer, "Acme", awssandbox.AccountOptions{SupportPlan: awssandbox.PlanBusiness, CostExplorerEnabled: true, RightsizingEnabled: true})
	srv, err := sbx.Serve(ca, faults, awssandbox.Service, awssandbox.ErrorWriter, a.Handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{aws: a, srv: srv, ca: ca, faults: faults, clock: clock}
}

// zeroBackoff keeps the standard retryer's rules but not its sleeps.
type zeroBackoff struct{}

func (zeroBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func (e *env) config(id, secret string) Config {
	return Config{AccessKeyID: id, SecretAccessKey: secret, Endpoint: e.srv.URL, HTTPClient: e.ca.Client(),
		Now: e.clock.Now, backoff: zeroBackoff{}}
}

func (e *env) client(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(ctx(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// userClient connects with a payer IAM user's keys allowed actions.
func (e *env) userClient(t *testing.T, allow ...string) (*Client, string) {
	t.Helper()
	id, secret := e.aws.AddUser(payer, "canopy", allow...)
	return e.client(t, e.config(id, secret)), "arn:aws:iam::" + payer + ":user/canopy"
}

// roleClient connects by assuming the customer's role with externalID.
func (e *env) roleClient(t *testing.T, externalID string, allow ...string) (*Client, string, string) {
	t.Helper()
	id, secret := e.aws.AddUser(canopyAcc, "canopy-connector", "sts:AssumeRole")
	roleARN := e.aws.AddRole(payer, "CanopyReadOnly", canopyAcc, extID, allow...)
	cfg := e.config(id, secret)
	cfg.RoleARN, cfg.ExternalID = roleARN, externalID
	return e.client(t, cfg), roleARN, secret
}

func ctx() context.Context { return context.Background() }

// lastMonth is the previous calendar month: final data, within Cost
// Explorer's 13-month horizon.
func (e *env) lastMonth() (time.Time, time.Time) {
	now := e.clock.Now().UTC()
	end := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return end.AddDate(0, -1, 0), end
}

func wantKind(t *testing.T, err, kind error) *Error {
	t.Helper()
	var e *Error
	if !errors.Is(err, kind) || !errors.As(err, &e) {
		t.Fatalf("want a %v *Error, got %v", kind, err)
	}
	return e
}

func noSecret(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("a secret leaked into %q", text)
		}
	}
}

func sbxStatus(status int) sbx.Fault { return sbx.Fault{Status: status} }
