package delegation

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
)

// DeviationRef names a deviation of the compliance report to remediate.
type DeviationRef struct {
	ObjectID  string `json:"id"`
	Attribute string `json:"attribute"`
}

// Remedy is the outcome for one deviation.
type Remedy struct {
	Deviation Deviation `json:"deviation"`
	Action    Action    `json:"action,omitempty"`
	Result    Result    `json:"result"`
}

// Remediation answers Remediate. Truncated: the report listed only the
// first MaxDeviations; run it again for the rest.
type Remediation struct {
	Results   []Remedy `json:"results"`
	Truncated bool     `json:"truncated"`
}

// remedyAction is the catalog action that sets a required attribute, so
// the actor needs exactly the grant a manual change would need.
func remedyAction(attr string) Action {
	switch {
	case strings.EqualFold(attr, "department"):
		return ActSetDepartment
	case strings.EqualFold(attr, "usageLocation"):
		return ActSetUsageLocation
	}
	return ActUpdateUser
}

// Remediate fixes deviations of the connection's compliance report —
// those named by refs, or (refs nil) every listed one — by executing each
// change through Execute, so it is authorized (the actor needs the
// setting action for the user), sent to Graph and audited like any other
// action. Conflicting requirements are reported, never changed.
func (s *Service) Remediate(ctx context.Context, orgID string, actor Actor, who audit.Actor, connectionID string, refs []DeviationRef) (Remediation, error) {
	rep, err := s.compliance(ctx, orgID, connectionID)
	if err != nil {
		return Remediation{}, err
	}
	out := Remediation{Results: []Remedy{}, Truncated: rep.Truncated}
	var chosen []Deviation
	if refs == nil {
		chosen = rep.Deviations
	} else {
		for _, r := range refs {
			found := false
			for _, d := range rep.Deviations {
				if d.ObjectID == r.ObjectID && strings.EqualFold(d.Attribute, r.Attribute) {
					chosen, found = append(chosen, d), true
				}
			}
			if !found {
				out.Results = append(out.Results, Remedy{Deviation: Deviation{ObjectID: r.ObjectID, Attribute: r.Attribute},
					Result: Result{TargetID: r.ObjectID, Status: StatusInvalid, Error: "No such deviation in the current compliance report (already fixed?)."}})
			}
		}
	}
	type key struct {
		action      Action
		attr, value string
	}
	groups := map[key][]Deviation{}
	var order []key
	for _, d := range chosen {
		if d.Manual != "" {
			out.Results = append(out.Results, Remedy{Deviation: d, Result: Result{TargetID: d.ObjectID, Status: StatusRefused,
				Error: d.Manual}})
			continue
		}
		if d.Change == nil {
			out.Results = append(out.Results, Remedy{Deviation: d, Result: Result{TargetID: d.ObjectID, Status: StatusRefused,
				Error: "Conflicting requirements: " + d.Conflict}})
			continue
		}
		k := key{remedyAction(d.Attribute), d.Attribute, d.Required}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], d)
	}
	for _, k := range order {
		devs := groups[k]
		ids := make([]string, len(devs))
		for i, d := range devs {
			ids[i] = d.ObjectID
		}
		res, err := s.Execute(ctx, orgID, actor, who, connectionID, ExecRequest{Action: k.action, Targets: ids,
			Params: ExecParams{Attributes: map[string]string{k.attr: k.value}}})
		if err != nil {
			return out, err
		}
		for i, r := range res {
			out.Results = append(out.Results, Remedy{Deviation: devs[i], Action: k.action, Result: r})
		}
	}
	return out, nil
}
