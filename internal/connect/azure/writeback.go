package azureconn

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/canopyhq/canopy/internal/connect"
)

// AccessLevel is subID's access level in the settings.
func (s Settings) AccessLevel(subID string) AccessLevel { return s.level(subID) }

// SubscriptionOf is the subscription ID in an ARM resource ID ("" when
// the ID names none).
func SubscriptionOf(resourceID string) string { return subscriptionOfScope(resourceID) }

// TagClient builds a client of the connection's tenant for the tag
// write-back in subscription subID, at its access level in the settings
// (SetTags refuses what it does not allow). sleep waits out throttling
// (nil: a timer).
func TagClient(env connect.Env, set Settings, subID string, sleep func(context.Context, time.Duration) error) (*Client, error) {
	if env.Clouds.AzureClientID == "" || env.Clouds.AzureClientSecret == "" {
		return nil, errors.New("Canopy has no Azure app configured: set CANOPY_AZURE_CLIENT_ID and CANOPY_AZURE_CLIENT_SECRET (see /help/azure-app-registration)")
	}
	cfg := EnvConfig(env, set.TenantID)
	cfg.Sleep = sleep
	cfg.Access = map[string]AccessLevel{subID: set.level(subID)}
	return New(cfg)
}

// Tags reads the tags a resource (or group or subscription) has now,
// through the ARM tags API at its scope. It is refused below ReadTagsOnly.
func (c *Client) Tags(ctx context.Context, scope string) (map[string]string, error) {
	if l := c.level(subscriptionOfScope(scope)); !l.ReadsTags() {
		return nil, &RefusedError{Op: "tag read", Reason: "the subscription's access level is " + l.String() + ", which does not read tags"}
	}
	var out map[string]string
	err := c.retryExpired(ctx, func() (bool, error) {
		tc, err := armresources.NewTagsClient("", c.credential(), c.armOptions())
		if err != nil {
			return false, err
		}
		res, err := tc.GetAtScope(ctx, scope, nil)
		out = map[string]string{}
		if err == nil && res.Properties != nil {
			out = tagsOf(res.Properties.Tags)
		}
		return false, err
	})
	return out, err
}

// Transient reports whether err is worth retrying later: throttling, a
// 5xx or a network failure.
func Transient(err error) bool {
	s := statusOf(err)
	return errors.Is(err, ErrThrottled) || s == http.StatusTooManyRequests || s >= 500 || isNetError(err)
}

// NotFound reports whether ARM answered that the resource does not exist.
func NotFound(err error) bool { return statusOf(err) == http.StatusNotFound }
