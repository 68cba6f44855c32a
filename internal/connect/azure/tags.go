package azureconn

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// TagOp is how SetTags changes a resource's tags.
type TagOp int

// Tag operations (ARM's Tags PATCH operations).
const (
	Merge   TagOp = iota // add or overwrite the given tags, keep the others
	Replace              // the given tags become all the tags
	Delete               // remove the given tags (by name; values are ignored)
)

var tagOps = map[TagOp]armresources.TagsPatchOperation{
	Merge: armresources.TagsPatchOperationMerge, Replace: armresources.TagsPatchOperationReplace, Delete: armresources.TagsPatchOperationDelete,
}

// SetTags writes tags back to a resource (or resource group or
// subscription) by its ID and returns its tags afterwards. It is refused
// (*RefusedError) unless the subscription's access level is ReadWriteTags
// and Canopy's service principal holds Tag Contributor there.
func (c *Client) SetTags(ctx context.Context, resourceID string, tags map[string]string, op TagOp) (map[string]string, error) {
	if l := c.level(subscriptionOfScope(resourceID)); !l.WritesTags() {
		return nil, &RefusedError{Op: "tag write-back", Reason: "the subscription's access level is " + l.String() + "; only read-write-tags allows writing tags"}
	}
	kind, ok := tagOps[op]
	if !ok {
		return nil, &RefusedError{Op: "tag write-back", Reason: "unknown tag operation"}
	}
	body := armresources.TagsPatchResource{Operation: to.Ptr(kind), Properties: &armresources.Tags{Tags: ptrMap(tags)}}
	var out map[string]string
	err := c.retryExpired(ctx, func() (bool, error) {
		tc, err := armresources.NewTagsClient("", c.credential(), c.armOptions())
		if err != nil {
			return false, err
		}
		res, err := tc.UpdateAtScope(ctx, resourceID, body, nil)
		if err == nil && res.Properties != nil {
			out = tagsOf(res.Properties.Tags)
		}
		return false, err
	})
	if IsState(err, TokenIncomplete) && codeOf(err) == "AuthorizationFailed" {
		return nil, &RefusedError{Op: "tag write-back", Reason: "Canopy's service principal lacks Tag Contributor (Microsoft.Resources/tags/write) on this subscription: " + err.Error()}
	}
	return out, err
}

func ptrMap(m map[string]string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = to.Ptr(v)
	}
	return out
}
