package azureconn

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
)

// Subscription is one subscription the service principal can see.
type Subscription struct {
	ID, Name, State, TenantID string
	Tags                      map[string]string
}

// Resource is one resource with its tags (nil unless the access level
// reads tags).
type Resource struct {
	ID, Name, Type, Location, ResourceGroup, Kind string
	Tags                                          map[string]string
}

// Subscriptions lists the subscriptions the service principal has a role in.
func (c *Client) Subscriptions(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	err := c.retryExpired(ctx, func() (bool, error) {
		out = nil
		sc, err := armsubscriptions.NewClient(c.credential(), c.armOptions())
		if err != nil {
			return false, err
		}
		for p := sc.NewListPager(nil); p.More(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, s := range page.Value {
				out = append(out, subscriptionOf(s))
			}
		}
		return false, nil
	})
	return out, err
}

func subscriptionOf(s *armsubscriptions.Subscription) Subscription {
	out := Subscription{ID: deref(s.SubscriptionID), Name: deref(s.DisplayName), TenantID: deref(s.TenantID), Tags: tagsOf(s.Tags)}
	if s.State != nil {
		out.State = string(*s.State)
	}
	return out
}

// Resources calls fn for every resource of subID, as level allows
// (nothing at NoResources, no tags at NoTags). A failed page ends the
// listing with an error; fn has then seen only whole pages.
func (c *Client) Resources(ctx context.Context, subID string, level AccessLevel, fn func(Resource) error) error {
	if !level.ListsResources() {
		return nil
	}
	return c.retryExpired(ctx, func() (bool, error) {
		rc, err := armresources.NewClient(subID, c.credential(), c.armOptions())
		if err != nil {
			return false, err
		}
		delivered := false
		for p := rc.NewListPager(nil); p.More(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				return delivered, err
			}
			for _, r := range page.Value {
				delivered = true
				if err := fn(resourceOf(r, level)); err != nil {
					return true, err
				}
			}
		}
		return delivered, nil
	})
}

func resourceOf(r *armresources.GenericResourceExpanded, level AccessLevel) Resource {
	out := Resource{ID: deref(r.ID), Name: deref(r.Name), Type: deref(r.Type), Location: deref(r.Location),
		Kind: deref(r.Kind), ResourceGroup: resourceGroupOf(deref(r.ID))}
	if level.ReadsTags() {
		out.Tags = tagsOf(r.Tags)
	}
	return out
}

// resourceGroupOf parses the resource group out of an ARM ID.
func resourceGroupOf(id string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}

func tagsOf(m map[string]*string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = deref(v)
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
