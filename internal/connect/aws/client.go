// Package awsconn is Canopy's AWS protocol adapter: it reads costs from
// Cost Explorer, recommendations from Trusted Advisor and Cost Explorer,
// and probes what the connection's credentials may do. It speaks to AWS
// through aws-sdk-go-v2 (the Support API with the SDK's SigV4 signer, as
// its service client is not available here); the only difference between
// the real cloud and the sandbox is Config.Endpoint and Config.HTTPClient.
package awsconn

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// region is where Cost Explorer and Support have their only endpoint.
const region = "us-east-1"

// sessionName names Canopy's assume-role sessions in the customer's
// CloudTrail.
const sessionName = "canopy"

// maxAttempts bounds every call (first try plus two retries).
const maxAttempts = 3

// Config is one AWS connection.
type Config struct {
	AccessKeyID     string
	SecretAccessKey string
	// RoleARN, when set, is assumed with ExternalID using the keys above.
	RoleARN    string
	ExternalID string
	// Endpoint is the base URL of every AWS service; "" is the real AWS.
	Endpoint   string
	HTTPClient *http.Client
	// Now is the clock for the probes' date ranges; nil is time.Now.
	Now func() time.Time

	// backoff replaces the retryer's delays (tests only: zero delays).
	backoff retry.BackoffDelayer
}

// Client talks to one AWS account.
type Client struct {
	cfg     Config
	creds   aws.CredentialsProvider
	retryer *retry.Standard
	ce      *costexplorer.Client
	sts     *sts.Client
	support *supportClient
	secrets []string // scrubbed from every error text
}

// New builds the clients; it does not call AWS (see Identity and Probe).
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("aws: an access key ID and a secret access key are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{cfg: cfg, secrets: []string{cfg.SecretAccessKey}}
	c.retryer = retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(noCredentialsRetry)}, o.Retryables...)
		if cfg.backoff != nil {
			o.Backoff = cfg.backoff
		}
	})
	static := credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")
	c.sts = sts.NewFromConfig(c.awsConfig(static))
	c.creds = static
	if cfg.RoleARN != "" {
		c.creds = markedCredentials{aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(c.sts, cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = sessionName
			if cfg.ExternalID != "" {
				o.ExternalID = aws.String(cfg.ExternalID)
			}
		}))}
		// Identity asks who the assumed role is, not who the keys are.
		c.sts = sts.NewFromConfig(c.awsConfig(c.creds))
	}
	c.ce = costexplorer.NewFromConfig(c.awsConfig(c.creds))
	c.support = &supportClient{endpoint: supportEndpoint(cfg.Endpoint), http: awshttp.NewBuildableClient(), creds: c.creds, retryer: c.retryer}
	if cfg.HTTPClient != nil {
		c.support.http = cfg.HTTPClient
	}
	_ = ctx // kept for symmetry with the SDK constructors and future lookups
	return c, nil
}

// awsConfig is the SDK configuration every service client shares: one
// retryer (and so one retry quota) for the whole connection, so that a
// throttling storm cannot multiply retries across clients.
func (c *Client) awsConfig(creds aws.CredentialsProvider) aws.Config {
	cfg := aws.Config{
		Region:      region,
		Credentials: creds,
		Retryer:     func() aws.Retryer { return c.retryer },
	}
	if c.cfg.HTTPClient != nil {
		cfg.HTTPClient = c.cfg.HTTPClient
	}
	if c.cfg.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(c.cfg.Endpoint)
	}
	return cfg
}

// Identity is who the connection's credentials are.
type Identity struct {
	AccountID string
	ARN       string
	UserID    string
}

// Identity calls STS GetCallerIdentity (no permission needed), which also
// proves that the keys work and, with a role, that it can be assumed.
func (c *Client) Identity(ctx context.Context) (Identity, error) {
	out, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, c.wrap("GetCallerIdentity", err)
	}
	return Identity{AccountID: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

// credentialsError marks a failure to obtain credentials (AssumeRole).
// The STS call had its own bounded retries, so the call that needed the
// credentials must not retry it again: that would make 3 × 3 requests in
// a throttling storm.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

type markedCredentials struct{ aws.CredentialsProvider }

func (m markedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := m.CredentialsProvider.Retrieve(ctx)
	if err != nil {
		return creds, &credentialsError{err}
	}
	return creds, nil
}

func noCredentialsRetry(err error) aws.Ternary {
	var ce *credentialsError
	if errors.As(err, &ce) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
