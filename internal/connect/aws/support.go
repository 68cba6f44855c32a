package awsconn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// The AWS Support API (awsJson1_1). Its SDK client is not available here,
// so requests are built by hand and signed with the SDK's SigV4 signer,
// with the same credentials and retryer as the other clients.
const (
	supportTarget  = "AWSSupport_20130415."
	supportService = "support"
	realSupport    = "https://support.us-east-1.amazonaws.com"
	maxSupportBody = 16 << 20
)

func supportEndpoint(base string) string {
	if base == "" {
		return realSupport
	}
	return strings.TrimRight(base, "/")
}

type supportClient struct {
	endpoint string
	http     aws.HTTPClient
	creds    aws.CredentialsProvider
	retryer  *retry.Standard
}

// supportError is an error answer of the Support API; it satisfies
// smithy.APIError and tells the retryer its HTTP status.
type supportError struct {
	status        int
	code, message string
}

func (e *supportError) Error() string {
	return fmt.Sprintf("StatusCode: %d, api error %s: %s", e.status, e.code, e.message)
}
func (e *supportError) ErrorCode() string    { return e.code }
func (e *supportError) ErrorMessage() string { return e.message }
func (e *supportError) HTTPStatusCode() int  { return e.status }
func (e *supportError) ErrorFault() smithy.ErrorFault {
	if e.status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// call sends op with in and decodes the answer into out, retrying what
// the standard retryer retries, at most maxAttempts times in all.
func (s *supportClient) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err = s.once(ctx, op, body, out)
		if err == nil || attempt >= s.retryer.MaxAttempts() || !s.retryer.IsErrorRetryable(err) {
			break
		}
		release, qerr := s.retryer.GetRetryToken(ctx, err)
		if qerr != nil {
			break // the connection's retry quota is spent: no more retries
		}
		defer func() { _ = release(err) }()
		if err = sleep(ctx, s.retryer, attempt, err); err != nil {
			break
		}
	}
	if err != nil {
		return &smithy.OperationError{ServiceID: "Support", OperationName: op, Err: err}
	}
	return nil
}

func sleep(ctx context.Context, r *retry.Standard, attempt int, cause error) error {
	d, err := r.RetryDelay(attempt, cause)
	if err != nil {
		return cause
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *supportClient) once(ctx context.Context, op string, body []byte, out any) error {
	req, err := s.signed(ctx, op, body)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSupportBody))
	if err != nil {
		return fmt.Errorf("read the %s response: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return parseSupportError(resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &smithy.DeserializationError{Err: fmt.Errorf("the %s response is not a complete JSON document: %w", op, err)}
	}
	return nil
}

func (s *supportClient) signed(ctx context.Context, op string, body []byte) (*http.Request, error) {
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", supportTarget+op)
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), supportService, region, time.Now().UTC())
	return req, err
}

// parseSupportError reads an awsJson1_1 error: the code from __type
// ("namespace#Code") or X-Amzn-ErrorType ("Code:uri").
func parseSupportError(resp *http.Response, data []byte) error {
	var doc struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(data, &doc)
	code := doc.Type
	if code == "" {
		code = resp.Header.Get("X-Amzn-ErrorType")
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	code, _, _ = strings.Cut(code, ":")
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	msg := doc.Message
	if msg == "" {
		msg = doc.MessageU
	}
	return &supportError{status: resp.StatusCode, code: code, message: msg}
}
