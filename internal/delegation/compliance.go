package delegation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// Deviation is one attribute of one user that differs from what an OU's
// configuration policy requires. Change is the Graph request that fixes
// it; it is nil when OUs of the user require different values (Conflict
// says which), since no single change satisfies both.
type Deviation struct {
	ObjectID          string   `json:"id"`
	DisplayName       string   `json:"display_name"`
	UserPrincipalName string   `json:"user_principal_name"`
	Attribute         string   `json:"attribute"`
	Current           string   `json:"current"`
	Required          string   `json:"required"`
	OUs               []string `json:"ous"` // the OUs requiring it
	Conflict          string   `json:"conflict,omitempty"`
	Change            *Change  `json:"change"`
	// AutoRemediate: an OU requiring it remediates automatically after
	// every directory sync.
	AutoRemediate bool `json:"auto_remediate"`
	// Manual says why Graph cannot fix the deviation (mfaRegistered: the
	// user must register a method), and SuggestedAction what an
	// administrator can do instead.
	Manual          string `json:"manual,omitempty"`
	SuggestedAction Action `json:"suggested_action,omitempty"`
}

// mfaManual explains an MFA registration deviation.
const mfaManual = "Graph cannot register an MFA method for a user: the user must register one (https://aka.ms/mysecurityinfo). " +
	"Revoke the user's sessions so the next sign-in asks for the registration."

// Change is a Graph request, as remediation will send it.
type Change struct {
	Method string         `json:"method"`
	Path   string         `json:"path"`
	Body   map[string]any `json:"body"`
}

// Report is a connection's compliance with its OUs' configuration
// policies. Deviations lists at most MaxDeviations; Total counts all.
type Report struct {
	ConnectionID string      `json:"connection_id"`
	Checked      int         `json:"checked_users"`
	Deviating    int         `json:"deviating_users"`
	Total        int         `json:"total_deviations"`
	Truncated    bool        `json:"truncated"`
	Deviations   []Deviation `json:"deviations"`
	// LastAuto is the latest automatic remediation after a sync (nil:
	// none yet).
	LastAuto *AutoRun `json:"last_auto_remediation"`
}

// MaxDeviations bounds a report's list.
const MaxDeviations = 1000

// Compliance checks every current user of a connection against the
// required attributes of all OUs it is in (a parent OU's requirements
// apply to its children's members too). Values must match exactly: the
// required value is what remediation writes.
func (s *Service) Compliance(ctx context.Context, p *auth.Principal, connectionID string) (Report, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return Report{}, err
	}
	rep, err := s.compliance(ctx, p.Org.ID, connectionID)
	if err != nil {
		return rep, err
	}
	rep.LastAuto, err = s.LastAutoRun(ctx, p.Org.ID, connectionID)
	return rep, err
}

func (s *Service) compliance(ctx context.Context, orgID, connectionID string) (Report, error) {
	conn, err := s.Store.GetConnection(ctx, orgID, connectionID)
	if err != nil || conn.Kind != "m365" {
		return Report{}, domain.Errorf(domain.CodeNotFound, "No such Microsoft 365 connection in this organisation.")
	}
	t, err := s.tree(ctx, orgID, connectionID)
	if err != nil {
		return Report{}, err
	}
	acc := t.newCompliance(connectionID)
	if err := s.eachSubject(ctx, orgID, connectionID, acc.add); err != nil {
		return Report{}, err
	}
	return acc.report(), nil
}

// Compliance builds the report over subjects.
func (t *Tree) Compliance(connectionID string, subs []Subject) Report {
	acc := t.newCompliance(connectionID)
	for k := range subs {
		acc.add(&subs[k])
	}
	return acc.report()
}

// complianceAcc builds a report one subject at a time.
type complianceAcc struct {
	t   *Tree
	in  []bool
	rep Report
}

func (t *Tree) newCompliance(connectionID string) *complianceAcc {
	return &complianceAcc{t: t, in: make([]bool, len(t.nodes)), rep: Report{ConnectionID: connectionID, Deviations: []Deviation{}}}
}

func (c *complianceAcc) add(s *Subject) {
	c.t.member(s, c.in)
	n := c.t.deviations(s, c.in, &c.rep.Deviations)
	c.rep.Checked++
	if n > 0 {
		c.rep.Deviating++
	}
	c.rep.Total += n
}

func (c *complianceAcc) report() Report {
	c.rep.Truncated = c.rep.Total > len(c.rep.Deviations)
	return c.rep
}

// want is what the OUs of one user require of one attribute.
type want struct {
	attr   string
	values []string
	ous    []string
	auto   bool
}

// deviations counts how s differs from the requirements of the OUs in
// marks, and appends the deviations to out while it has room.
func (t *Tree) deviations(s *Subject, in []bool, out *[]Deviation) int {
	var wants []want
	for i, ok := range in {
		if !ok || len(t.nodes[i].ou.Required) == 0 {
			continue
		}
		for _, rq := range t.nodes[i].ou.Required {
			k := slices.IndexFunc(wants, func(w want) bool { return w.attr == rq.Attribute })
			if k < 0 {
				wants, k = append(wants, want{attr: rq.Attribute}), len(wants)
			}
			if !slices.Contains(wants[k].values, rq.Value) {
				wants[k].values = append(wants[k].values, rq.Value)
			}
			wants[k].ous = append(wants[k].ous, t.nodes[i].ou.Name)
			wants[k].auto = wants[k].auto || t.nodes[i].ou.AutoRemediate
		}
	}
	n := 0
	for _, w := range wants {
		cur := s.Attribute(w.attr)
		if len(w.values) == 1 && cur == w.values[0] {
			continue
		}
		if n++; len(*out) >= MaxDeviations {
			continue
		}
		d := Deviation{ObjectID: s.ObjectID, DisplayName: s.DisplayName, UserPrincipalName: s.UPN, Attribute: w.attr,
			Current: cur, Required: w.values[0], OUs: w.ous, AutoRemediate: w.auto}
		switch {
		case w.attr == attrNames[attrMFARegistered]:
			if cur == "" {
				d.Current = "unknown"
			}
			d.Manual, d.SuggestedAction = mfaManual, ActRevokeSessions
		case len(w.values) > 1:
			d.Required = strings.Join(w.values, " | ")
			d.Conflict = fmt.Sprintf("OUs %s require different values: %s", strings.Join(w.ous, ", "), d.Required)
		default:
			d.Change = changeFor(s.ObjectID, w.attr, w.values[0])
		}
		*out = append(*out, d)
	}
	return n
}

// changeFor is the Graph PATCH that sets attr: extension attributes live
// in onPremisesExtensionAttributes (writable for cloud-only users).
func changeFor(objectID, attr, value string) *Change {
	body := map[string]any{attr: value}
	if strings.HasPrefix(attr, "extensionAttribute") {
		body = map[string]any{"onPremisesExtensionAttributes": map[string]any{attr: value}}
	}
	return &Change{Method: "PATCH", Path: "/users/" + objectID, Body: body}
}
