package spend

import "github.com/canopyhq/canopy/internal/costs"

// querierOf bridges until store.Costs implements costs.Querier (it lands
// on main separately); removed at the merge.
func querierOf(c any) costs.Querier {
	q, _ := c.(costs.Querier)
	return q
}
