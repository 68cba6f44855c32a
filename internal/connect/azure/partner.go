package azureconn

import (
	"context"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// LinkPartner associates the partner's Microsoft partner (MPN) ID with
// Canopy's service principal in the tenant (Partner Admin Link), so that
// the partner gets recognition for the customer's Azure consumption.
// armmanagementpartner is not among Canopy's modules, so this goes
// through the azcore pipeline.
func (c *Client) LinkPartner(ctx context.Context, partnerID string) error {
	return c.retryExpired(ctx, func() (bool, error) {
		pl, err := c.pipeline()
		if err != nil {
			return false, err
		}
		req, err := runtime.NewRequest(ctx, http.MethodPut,
			c.cfg.ARMEndpoint+"/providers/Microsoft.ManagementPartner/partners/"+url.PathEscape(partnerID)+"?api-version=2018-02-01")
		if err != nil {
			return false, err
		}
		_, err = do(pl, req, http.StatusOK, http.StatusCreated)
		return false, err
	})
}
