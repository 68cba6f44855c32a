package web

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
)

// addGroupOptions offers the custom-group dimension (answered by the
// allocation service, so not in costs.Dims) to those who may read
// allocation: a group-by choice and a filter select of the groups, as a
// tree, with Unallocated and the unassigned licences.
func (s *Server) addGroupOptions(r *http.Request, o *SpendOptions, f SpendForm) error {
	p := principalFrom(r.Context())
	if !p.Can(auth.PermAllocationRead) {
		return nil
	}
	groups, err := s.allocation().Groups(r.Context(), p)
	if err != nil {
		return err
	}
	o.GroupBy = append(o.GroupBy, Choice{Value: string(costs.DimGroup), Label: costs.DimGroup.Label(),
		Selected: f.GroupBy == string(costs.DimGroup)})
	vals := []costs.DimValue{{Value: allocation.Unallocated, Label: "Unallocated"},
		{Value: allocation.UnassignedLicences, Label: "Unassigned licences"}}
	newGroupTree(groups).walk(func(g allocation.Group, depth int) {
		vals = append(vals, costs.DimValue{Value: g.ID, Label: strings.Repeat("— ", depth) + g.Name})
	})
	fs := filterSelect(costs.DimGroup, vals, f)
	fs.Options[0].Label = "Unallocated" // filterSelect names the empty value "(none)"
	o.Filters = append(o.Filters, fs)
	return nil
}
