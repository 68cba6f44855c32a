package delegation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Decision codes: why an action is allowed or refused.
const (
	CodeAllowedAdmin     = "allowed_admin"     // the actor holds m365.manage: every user of the organisation
	CodeAllowedDelegated = "allowed_delegated" // a delegation for an OU of the target grants the action
	CodeNotDelegated     = "not_delegated"     // the actor administers no OU of this connection
	CodeOutsideOUs       = "outside_ous"       // the target is in none of the actor's OUs
	CodeNotGranted       = "action_not_granted"
	CodeQuotaReached     = "quota_reached"
	CodeRestrictedPlan   = "restricted_plan"
	CodeNeedsExchange    = "exchange_online_required"
	CodeTargetDeleted    = "target_deleted"
	CodeWouldLeaveOUs    = "would_leave_ous" // the change would move the user out of the actor's reach
	CodeUnknownManager   = "manager_unknown" // user.set_manager names no current user of the connection
)

// attributeActions change attributes OU rules read: a delegated
// administrator may not move a user out of the OUs they administer.
var attributeActions = []Action{ActUpdateUser, ActSetDepartment, ActSetUsageLocation, ActSetManager}

// Actor is who wants to act: a Canopy member, and whether they hold
// m365.manage (administrators act on every user, within licence policies).
type Actor struct {
	UserID string
	Admin  bool
}

// ActorOf is the signed-in member as an actor.
func ActorOf(p *auth.Principal) Actor {
	return Actor{UserID: p.User.ID, Admin: p.Can(auth.PermM365Manage)}
}

// Request is an administrative action on a user of a connection. Target
// is the user's object ID (empty for user.create, whose new user is
// described by Params.Attributes).
type Request struct {
	ConnectionID string `json:"-"`
	Action       Action `json:"action"`
	Target       string `json:"target_id"`
	Params       Params `json:"params"`
}

// Params are the action's arguments that policies look at.
type Params struct {
	// SkuID is the licence to assign or remove.
	SkuID string `json:"sku_id,omitempty"`
	// DisabledPlans are the service plans the caller wants disabled in an
	// assignment; absent, Canopy disables exactly the restricted ones.
	DisabledPlans []string `json:"disabled_plans,omitempty"`
	// Attributes describe the user that user.create would create, or the
	// new values user.update, user.set_department and
	// user.set_usage_location would set.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Decision is Authorize's answer.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	// Via names the OUs whose delegations allow the action.
	Via []string `json:"via_ous"`
	// DisabledPlans: for licence.assign, the disabledPlans to send to Graph.
	DisabledPlans []string `json:"disabled_plans,omitempty"`
}

func refuse(code, format string, args ...any) Decision {
	return Decision{Code: code, Reason: fmt.Sprintf(format, args...), Via: []string{}}
}

// Authorize decides whether actor may perform req in the organisation.
// Every administrative action is checked here before it runs; a refusal
// is a Decision with a precise reason, an error means the request itself
// is wrong (unknown action, connection or user) or storage failed.
func (s *Service) Authorize(ctx context.Context, orgID string, actor Actor, req Request) (Decision, error) {
	return s.authorize(ctx, orgID, actor, req)
}

func (s *Service) authorize(ctx context.Context, orgID string, actor Actor, req Request) (Decision, error) {
	info, ok := req.Action.Info()
	if !ok {
		return Decision{}, domain.FieldError("action", "Unknown action %q; use one of %s.", req.Action, strings.Join(ActionKeys(), ", "))
	}
	conn, err := s.Store.GetConnection(ctx, orgID, req.ConnectionID)
	if err != nil || conn.Kind != "m365" {
		return Decision{}, domain.Errorf(domain.CodeNotFound, "No such Microsoft 365 connection in this organisation.")
	}
	if info.NeedsExchange && !m365.HasExchangeOnline(conn.Settings) {
		return refuse(CodeNeedsExchange, "%s needs an Exchange Online connection, and connection %s has none.", req.Action, conn.Name), nil
	}
	target, err := s.target(ctx, orgID, req)
	if err != nil {
		return Decision{}, err
	}
	if target.Deleted && req.Action != ActRestoreUser {
		return refuse(CodeTargetDeleted, "%s was deleted; only %s applies.", who(target), ActRestoreUser), nil
	}
	if m := attr(req.Params.Attributes, "manager"); req.Action == ActSetManager && m != "" {
		if d, err := s.checkManager(ctx, orgID, req.ConnectionID, target, m); err != nil || d.Code != "" {
			return d, err
		}
	}
	tree, err := s.loadTree(ctx, s.Store, orgID, conn.ID)
	if err != nil {
		return Decision{}, err
	}
	targetOUs := tree.IDsOf(&target)
	d, err := s.delegated(ctx, orgID, actor, tree, req.Action, target, targetOUs)
	if err != nil || !d.Allowed {
		return d, err
	}
	if !actor.Admin && slices.Contains(attributeActions, req.Action) && len(req.Params.Attributes) > 0 {
		return s.afterChange(ctx, orgID, actor, tree, req, target, d)
	}
	if req.Action != ActAssignLicence {
		return d, nil
	}
	lic, err := s.licenceCheck(ctx, orgID, tree, &target, targetOUs, req.Params.SkuID, req.Params.DisabledPlans)
	if err != nil || !lic.Allowed {
		return lic, err
	}
	d.DisabledPlans = lic.DisabledPlans
	return d, nil
}

// afterChange refuses an attribute change that would leave the target in
// none of the OUs where the actor may perform the action.
func (s *Service) afterChange(ctx context.Context, orgID string, actor Actor, t *Tree, req Request, target Subject, d Decision) (Decision, error) {
	after, err := target.With(req.Params.Attributes)
	if err != nil {
		return Decision{}, err
	}
	afterOUs := t.IDsOf(&after)
	still, err := s.delegated(ctx, orgID, actor, t, req.Action, after, afterOUs)
	if err != nil || still.Allowed {
		return d, err
	}
	return refuse(CodeWouldLeaveOUs, "After this change %s would be in %s, outside the OUs where you may %s.", who(target),
		ouNames(t, afterOUs, "no virtual OU"), req.Action), nil
}

// target is the user an action is about: stored, or described (create).
func (s *Service) target(ctx context.Context, orgID string, req Request) (Subject, error) {
	if req.Action == ActCreateUser {
		return SubjectFromAttributes(req.ConnectionID, req.Params.Attributes)
	}
	if strings.TrimSpace(req.Target) == "" {
		return Subject{}, domain.FieldError("target_id", "Name the user (its object ID) %s acts on.", req.Action)
	}
	u, err := s.Store.GetM365User(ctx, orgID, req.ConnectionID, req.Target)
	if err != nil {
		return Subject{}, err
	}
	return NewSubject(u), nil
}

func who(s Subject) string {
	switch {
	case s.UPN != "":
		return s.UPN
	case s.ObjectID != "":
		return s.ObjectID
	}
	return "The new user"
}

// delegated checks the actor's standing: administrator, or a delegation
// for an OU of the target whose policy grants the action.
func (s *Service) delegated(ctx context.Context, orgID string, actor Actor, t *Tree, action Action, target Subject, targetOUs []string) (Decision, error) {
	if actor.Admin {
		return Decision{Allowed: true, Code: CodeAllowedAdmin, Reason: "Allowed: Microsoft 365 administrators (m365.manage) act on every user.", Via: []string{}}, nil
	}
	all, err := s.Store.ListM365Delegations(ctx, orgID, store.M365DelegationFilter{UserID: actor.UserID})
	if err != nil {
		return Decision{}, err
	}
	mine := slices.DeleteFunc(all, func(d store.M365Delegation) bool { _, ok := t.OU(d.OUID); return !ok })
	if len(mine) == 0 {
		return refuse(CodeNotDelegated, "You are not a delegated administrator of any OU of this connection."), nil
	}
	var over []store.M365Delegation
	for _, d := range mine {
		if slices.Contains(targetOUs, d.OUID) {
			over = append(over, d)
		}
	}
	if len(over) == 0 {
		return refuse(CodeOutsideOUs, "%s is in %s; you administer %s.", who(target), ouNames(t, targetOUs, "no virtual OU"),
			ouNames(t, delegationOUs(mine), "")), nil
	}
	var via, policies []string
	for _, d := range over {
		pol, err := s.Store.GetM365AdminPolicy(ctx, orgID, d.PolicyID)
		if err != nil {
			return Decision{}, err
		}
		ou, _ := t.OU(d.OUID)
		if slices.Contains(policyOf(pol).Actions, action) {
			via = append(via, ou.Name)
		} else {
			policies = append(policies, fmt.Sprintf("%q for OU %s", pol.Name, ou.Name))
		}
	}
	if len(via) == 0 {
		return refuse(CodeNotGranted, "Action %s is not granted to you for %s: your policy %s does not include it.", action,
			who(target), strings.Join(policies, ", ")), nil
	}
	slices.Sort(via)
	via = slices.Compact(via)
	return Decision{Allowed: true, Code: CodeAllowedDelegated, Reason: "Allowed through your delegation for OU " + strings.Join(via, ", ") + ".",
		Via: via}, nil
}

func delegationOUs(ds []store.M365Delegation) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		if !slices.Contains(out, d.OUID) {
			out = append(out, d.OUID)
		}
	}
	return out
}

// ouNames names OUs ("OU A, OU B"), or none when there are none.
func ouNames(t *Tree, ids []string, none string) string {
	var names []string
	for _, id := range ids {
		if ou, ok := t.OU(id); ok {
			names = append(names, ou.Name)
		}
	}
	if len(names) == 0 {
		return none
	}
	slices.Sort(names)
	return "OU " + strings.Join(names, ", ")
}

// checkManager requires a new manager to be a current user of the
// connection other than the target.
func (s *Service) checkManager(ctx context.Context, orgID, connID string, target Subject, managerID string) (Decision, error) {
	m, err := s.Store.GetM365User(ctx, orgID, connID, managerID)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound || err == nil && m.DeletedAt != nil:
		return refuse(CodeUnknownManager, "No current user %q in this connection's directory to be the manager.", managerID), nil
	case err != nil:
		return Decision{}, err
	case strings.EqualFold(m.ObjectID, target.ObjectID):
		return refuse(CodeUnknownManager, "%s cannot be their own manager.", who(target)), nil
	}
	return Decision{}, nil
}
