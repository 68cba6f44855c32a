package awssandbox

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/smithy-go"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const (
	payer   = "123456789012"
	canopy  = "999988887777" // Canopy's own account, trusted by customer roles
	extID   = "canopy-ext-7f3a"
	allowCE = "ce:*"
)

// env is a sandbox AWS served over TLS on loopback, as package sandbox
// serves it.
type env struct {
	aws    *AWS
	srv    *sbx.Server
	ca     *sbx.CA
	faults *sbx.Faults
	clock  *sbx.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := &sbx.Clock{}
	// Frozen at the real time so that the SDK's credential cache (wall
	// clock) and the sandbox agree on when session credentials expire.
	clock.Set(time.Now())
	ca, err := sbx.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	faults := sbx.NewFaults()
	a := New(Options{Seed: 7, Clock: clock})
	a.AddAccount(payer, "Acme", AccountOptions{SupportPlan: PlanBusiness, CostExplorerEnabled: true, RightsizingEnabled: true})
	srv, err := sbx.Serve(ca, faults, "aws", ErrorWriter, a.Handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{aws: a, srv: srv, ca: ca, faults: faults, clock: clock}
}

// zeroBackoff keeps the SDK's standard retryer (its default attempts and
// retryable codes) but without sleeping, so tests stay fast.
type zeroBackoff struct{}

func (zeroBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func (e *env) config(creds aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region: "us-east-1", Credentials: creds, HTTPClient: e.ca.Client(), BaseEndpoint: aws.String(e.srv.URL),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.Backoff = zeroBackoff{} })
		},
	}
}

func (e *env) ceClient(id, secret string) *costexplorer.Client {
	return costexplorer.NewFromConfig(e.config(credentials.NewStaticCredentialsProvider(id, secret, "")))
}

func apiCode(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an API error, got %v", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func ctx() context.Context { return context.Background() }

// ratSum adds decimal strings exactly.
type ratSum struct{ r big.Rat }

func (s *ratSum) add(t *testing.T, v string) {
	t.Helper()
	x, ok := new(big.Rat).SetString(v)
	if !ok {
		t.Fatalf("amount %q is not a decimal", v)
	}
	s.r.Add(&s.r, x)
}

func (s *ratSum) equals(t *testing.T, v string) bool {
	t.Helper()
	x, ok := new(big.Rat).SetString(v)
	return ok && s.r.Cmp(x) == 0
}

func sbxFault(status, times int) sbx.Fault { return sbx.Fault{Status: status, Times: times} }

func sbxTruncate(n int) sbx.Fault { return sbx.Fault{Truncate: n, Times: 1} }
