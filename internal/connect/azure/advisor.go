package azureconn

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/cockroachdb/apd/v3"
)

// Recommendation is an Advisor cost recommendation.
type Recommendation struct {
	ID, TypeID, Impact, ResourceID string
	Problem, Solution              string
	// MonthlySavings and AnnualSavings are exact, in Currency (nil when
	// Advisor gives none).
	MonthlySavings, AnnualSavings *apd.Decimal
	Currency                      string
	Extended                      map[string]string
}

// Recommendations lists subID's Advisor cost recommendations (none at
// NoResources: they name resources). armadvisor is not among Canopy's
// modules, so this goes through the azcore pipeline.
func (c *Client) Recommendations(ctx context.Context, subID string) ([]Recommendation, error) {
	if !c.level(subID).ListsResources() {
		return nil, nil
	}
	u := c.cfg.ARMEndpoint + "/subscriptions/" + url.PathEscape(subID) +
		"/providers/Microsoft.Advisor/recommendations?api-version=2023-01-01&$filter=" + url.QueryEscape("Category eq 'Cost'")
	var out []Recommendation
	err := c.retryExpired(ctx, func() (bool, error) {
		out = nil
		return false, c.listAll(ctx, u, func(raw json.RawMessage) error {
			r, err := recommendationOf(raw)
			out = append(out, r)
			return err
		})
	})
	return out, err
}

func recommendationOf(raw json.RawMessage) (Recommendation, error) {
	var v struct {
		ID         string `json:"id"`
		Properties struct {
			Impact           string `json:"impact"`
			TypeID           string `json:"recommendationTypeId"`
			ShortDescription struct {
				Problem  string `json:"problem"`
				Solution string `json:"solution"`
			} `json:"shortDescription"`
			Extended map[string]any `json:"extendedProperties"`
			Metadata struct {
				ResourceID string `json:"resourceId"`
			} `json:"resourceMetadata"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return Recommendation{}, err
	}
	p := v.Properties
	ext := make(map[string]string, len(p.Extended))
	for k, x := range p.Extended {
		ext[k] = fmt.Sprint(x)
	}
	return Recommendation{ID: v.ID, TypeID: p.TypeID, Impact: p.Impact, ResourceID: p.Metadata.ResourceID,
		Problem: p.ShortDescription.Problem, Solution: p.ShortDescription.Solution, Extended: ext,
		MonthlySavings: dec(json.Number(ext["savingsAmount"])), AnnualSavings: dec(json.Number(ext["annualSavingsAmount"])),
		Currency: ext["savingsCurrency"]}, nil
}
