package azureconn

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// retryExpired runs op; when ARM says the token expired and op has not
// yet handed anything to its caller, it renews the credential and runs op
// once more. Whatever fails is classified (TokenError). op reports
// whether it delivered data.
func (c *Client) retryExpired(ctx context.Context, op func() (delivered bool, err error)) error {
	delivered, err := op()
	if err == nil || delivered || codeOf(err) != "ExpiredAuthenticationToken" {
		return classify(err)
	}
	if rerr := c.renew(); rerr != nil {
		return classify(rerr)
	}
	_, err = op()
	return classify(err)
}

// throttleHeaders carry the wait after a 429: the standard one first, then
// Cost Management's own.
var throttleHeaders = []string{"Retry-After",
	"x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
	"x-ms-ratelimit-microsoft.costmanagement-entity-retry-after",
	"x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after",
	"x-ms-ratelimit-microsoft.costmanagement-client-retry-after"}

// retryAfter is the longest wait the 429's headers ask for (one second
// when they ask for none).
func retryAfter(h http.Header) time.Duration {
	wait := time.Duration(0)
	for _, k := range throttleHeaders {
		if n, err := strconv.Atoi(h.Get(k)); err == nil && time.Duration(n)*time.Second > wait {
			wait = time.Duration(n) * time.Second
		}
	}
	return max(wait, time.Second)
}

// withThrottle runs call until it is not throttled, waiting what each 429
// asks, at most MaxAttempts times.
func (c *Client) withThrottle(ctx context.Context, call func() error) error {
	for attempt := 1; ; attempt++ {
		err := call()
		var re *azcore.ResponseError
		if !errors.As(err, &re) || re.StatusCode != http.StatusTooManyRequests {
			return err
		}
		if attempt >= c.cfg.MaxAttempts {
			return errors.Join(ErrThrottled, err)
		}
		var h http.Header
		if re.RawResponse != nil {
			h = re.RawResponse.Header
		}
		if serr := c.cfg.Sleep(ctx, retryAfter(h)); serr != nil {
			return serr
		}
	}
}
