package azureconn

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// permission is one entry of the ARM permissions API: the actions one of
// the caller's roles grants at a scope.
type permission struct {
	Actions    []string `json:"actions"`
	NotActions []string `json:"notActions"`
}

// actionSet is the caller's effective permissions at a scope.
type actionSet []permission

// allows reports whether some role grants action and does not exclude it.
func (s actionSet) allows(action string) bool {
	for _, p := range s {
		if matchAny(p.Actions, action) && !matchAny(p.NotActions, action) {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, action string) bool {
	for _, p := range patterns {
		re := "(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$"
		if ok, _ := regexp.MatchString(re, action); ok {
			return true
		}
	}
	return false
}

// permissions reads the caller's permissions at scope
// (GET {scope}/providers/Microsoft.Authorization/permissions).
func (c *Client) permissions(ctx context.Context, scope string) (actionSet, error) {
	pl, err := c.pipeline()
	if err != nil {
		return nil, err
	}
	resp, err := get(ctx, pl, c.cfg.ARMEndpoint+scope+"/providers/Microsoft.Authorization/permissions?api-version=2022-04-01")
	if err != nil {
		return nil, err
	}
	var out struct {
		Value actionSet `json:"value"`
	}
	if err := runtime.UnmarshalAsJSON(resp, &out); err != nil {
		return nil, err
	}
	return out.Value, nil
}

// get sends a GET through the ARM pipeline, expecting 200.
func get(ctx context.Context, pl interface {
	Pipeline() runtime.Pipeline
}, url string) (*http.Response, error) {
	req, err := runtime.NewRequest(ctx, http.MethodGet, url)
	if err != nil {
		return nil, err
	}
	resp, err := pl.Pipeline().Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, runtime.NewResponseError(resp)
	}
	return resp, nil
}
