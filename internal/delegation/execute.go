package delegation

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// TenantFunc opens the tenant of a Microsoft 365 connection for
// administrative actions (Graph client, tenant ID, Exchange Online root).
type TenantFunc func(ctx context.Context, conn store.Connection) (m365.Tenant, error)

// MaxTargets bounds one execution's targets.
const MaxTargets = 500

// ExecRequest is an administrative action on one or more users of a
// connection. For user.create Targets is empty: the new user is described
// by Params.Attributes.
type ExecRequest struct {
	Action  Action     `json:"action"`
	Targets []string   `json:"target_ids"`
	Params  ExecParams `json:"params"`
}

// ExecParams are an action's arguments.
type ExecParams struct {
	// SkuID and DisabledPlans: licence.assign, licence.remove.
	SkuID         string   `json:"sku_id,omitempty"`
	DisabledPlans []string `json:"disabled_plans,omitempty"`
	// Attributes are Graph user properties to set: user.create (with
	// displayName and userPrincipalName), user.update (profile fields),
	// user.set_department (department), user.set_usage_location
	// (usageLocation). extensionAttribute1..15 go to
	// onPremisesExtensionAttributes.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Password for user.reset_password and user.create; empty: Canopy
	// generates one. It is returned once in the result, never stored,
	// logged or audited.
	Password string `json:"password,omitempty"`
	// ForceChangePassword at next sign-in (default true).
	ForceChangePassword *bool `json:"force_change_password,omitempty"`
	// ManagerID for user.set_manager; empty removes the manager.
	ManagerID string `json:"manager_id,omitempty"`
	// GroupID for group.add_member and group.remove_member.
	GroupID string `json:"group_id,omitempty"`
	// AutoReply for mailbox.set_auto_reply.
	AutoReply *m365.AutoReply `json:"auto_reply,omitempty"`
	// AddAliases and RemoveAliases for mailbox.set_aliases (SMTP addresses).
	AddAliases    []string `json:"add_aliases,omitempty"`
	RemoveAliases []string `json:"remove_aliases,omitempty"`
	// ForwardTo for mailbox.set_forwarding (empty stops forwarding);
	// KeepCopy keeps a copy in the mailbox.
	ForwardTo *string `json:"forward_to,omitempty"`
	KeepCopy  bool    `json:"keep_copy,omitempty"`
}

// Result statuses.
const (
	StatusDone    = "done"    // Graph applied the change
	StatusRefused = "refused" // the policies refused it: Graph was not called
	StatusFailed  = "failed"  // Graph refused or failed: nothing changed
	StatusUnknown = "unknown" // Graph did not answer: the change may have been applied
	StatusInvalid = "invalid" // the target does not exist in the snapshot
)

// Result is the outcome for one target.
type Result struct {
	TargetID string    `json:"target_id"`
	Status   string    `json:"status"`
	Decision *Decision `json:"decision,omitempty"`
	// Error is Graph's (or the store's) answer for failed/unknown/invalid.
	Error       string `json:"error,omitempty"`
	GraphStatus int    `json:"graph_status,omitempty"`
	GraphCode   string `json:"graph_code,omitempty"`
	// Password is the new password (reset or create), returned once.
	Password string `json:"password,omitempty"`
	// SnapshotStale: the change was applied but the local directory
	// snapshot could not be refreshed (the next sync will).
	SnapshotStale bool `json:"snapshot_stale,omitempty"`
}

// profileFields are what user.update may set (besides extension attributes).
var profileFields = []string{"displayName", "givenName", "surname", "jobTitle", "companyName", "officeLocation", "streetAddress",
	"city", "state", "postalCode", "country", "mobilePhone", "preferredLanguage", "userType"}

// connLock serialises executions per connection, so the licence quota
// checked by Authorize still holds when Graph assigns the licence and the
// snapshot is refreshed (two concurrent assignments cannot both pass).
func (s *Service) connLock(id string) *sync.Mutex {
	m, _ := s.locks.LoadOrStore(id, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// plan is one target's execution.
type plan struct {
	res      *Result
	op       m365.Op
	exchange func(ctx context.Context, t m365.Tenant) error
	upn      string
	password string
	audit    map[string]any
	err      error // Graph's answer
}

// Execute performs an administrative action on each target: Authorize
// (refusals never reach Graph), then Graph (one request, or JSON batches
// of 20 for several targets; throttled requests retried), then the local
// directory snapshot refreshed for each changed user, then one audit
// entry per target (refusals included). Passwords are returned in the
// results and never audited. An error means the request itself is wrong
// or storage failed; per-target outcomes are in the results.
func (s *Service) Execute(ctx context.Context, orgID string, actor Actor, who audit.Actor, connectionID string, req ExecRequest) ([]Result, error) {
	if _, ok := req.Action.Info(); !ok {
		return nil, domain.FieldError("action", "Unknown action %q; use one of %s.", req.Action, strings.Join(ActionKeys(), ", "))
	}
	targets, err := validTargets(req)
	if err != nil {
		return nil, err
	}
	if err := validParams(req.Action, &req.Params); err != nil {
		return nil, err
	}
	conn, err := s.Store.GetConnection(ctx, orgID, connectionID)
	if err != nil || conn.Kind != "m365" {
		return nil, domain.Errorf(domain.CodeNotFound, "No such Microsoft 365 connection in this organisation.")
	}
	mu := s.connLock(conn.ID)
	mu.Lock()
	defer mu.Unlock()
	execID := domain.NewID("exe_")
	defer func() { _ = s.Store.ReleaseM365Reservations(context.WithoutCancel(ctx), execID, time.Now()) }()

	results := make([]Result, len(targets))
	var run []*plan
	for i, id := range targets {
		results[i] = Result{TargetID: id}
		p := &plan{res: &results[i]}
		areq := Request{ConnectionID: conn.ID, Action: req.Action, Target: id, Params: Params{SkuID: req.Params.SkuID,
			DisabledPlans: req.Params.DisabledPlans, Attributes: ruleAttributes(req.Action, req.Params.Attributes)}}
		if req.Action == ActSetManager {
			areq.Params.Attributes = map[string]string{"manager": req.Params.ManagerID}
		}
		d, err := s.authorizeReserving(ctx, orgID, actor, areq, execID)
		if domain.ErrorCode(err) == domain.CodeNotFound && id != "" {
			results[i].Status, results[i].Error = StatusInvalid, "No user "+id+" in this connection's directory."
			if err := s.auditResult(ctx, who, orgID, conn.ID, req.Action, p, nil); err != nil {
				return nil, err
			}
			continue
		} else if err != nil {
			return nil, err
		}
		results[i].Decision = &d
		if !d.Allowed {
			results[i].Status = StatusRefused
			if err := s.auditResult(ctx, who, orgID, conn.ID, req.Action, p, sanitized(req)); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.prepare(ctx, orgID, conn.ID, req, id, d, p); err != nil {
			return nil, err
		}
		run = append(run, p)
	}
	if len(run) > 0 {
		if err := s.send(ctx, conn, run); err != nil {
			return nil, err
		}
		s.refresh(ctx, orgID, conn, req, run)
		for _, p := range run {
			if err := s.auditResult(ctx, who, orgID, conn.ID, req.Action, p, p.audit); err != nil {
				return nil, err
			}
		}
	}
	return results, nil
}

// reservationTTL bounds how long a crashed execution's licence
// reservations count against quotas.
const reservationTTL = 30 * time.Minute

// authorizeReserving is authorize; for licence.assign the quota check and
// the reservation of the unit happen in one transaction holding the
// connection's and SKU's quota lock (PostgreSQL advisory lock, SQLite's
// single writer), so executions on any node never together exceed a
// quota: each counts the others' reservations until their snapshot write.
func (s *Service) authorizeReserving(ctx context.Context, orgID string, actor Actor, req Request, execID string) (Decision, error) {
	if req.Action != ActAssignLicence {
		return s.authorize(ctx, orgID, actor, req)
	}
	var d Decision
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockM365Quota(ctx, req.ConnectionID, req.Params.SkuID); err != nil {
			return err
		}
		var err error
		if d, err = s.authorize(ctx, orgID, actor, req); err != nil || !d.Allowed {
			return err
		}
		return tx.ReserveM365Licence(ctx, orgID, req.ConnectionID, req.Params.SkuID, req.Target, execID, time.Now().Add(reservationTTL))
	})
	return d, err
}

func validTargets(req ExecRequest) ([]string, error) {
	if req.Action == ActCreateUser {
		if len(req.Targets) > 0 {
			return nil, domain.FieldError("target_ids", "user.create creates one user described by params.attributes; leave target_ids empty.")
		}
		return []string{""}, nil
	}
	if len(req.Targets) == 0 {
		return nil, domain.FieldError("target_ids", "Name the users (object IDs) %s acts on.", req.Action)
	}
	if len(req.Targets) > MaxTargets {
		return nil, domain.FieldError("target_ids", "At most %d users per request.", MaxTargets)
	}
	out := make([]string, 0, len(req.Targets))
	for i, id := range req.Targets {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 100 {
			return nil, domain.FieldError(fmt.Sprintf("target_ids[%d]", i), "Not a user object ID.")
		}
		if slices.Contains(out, id) {
			return nil, domain.FieldError(fmt.Sprintf("target_ids[%d]", i), "User %q is named twice.", id)
		}
		out = append(out, id)
	}
	return out, nil
}

// validParams checks that the action has the arguments it needs.
func validParams(a Action, p *ExecParams) error {
	attrsOnly := func(allowed ...string) error {
		if len(p.Attributes) == 0 {
			return domain.FieldError("params.attributes", "Give the value(s) to set: %s.", strings.Join(allowed, ", "))
		}
		for k := range p.Attributes {
			if !slices.ContainsFunc(allowed, func(x string) bool { return strings.EqualFold(x, k) }) && !(slices.Contains(allowed, "extensionAttributeN") && isExtAttr(k)) {
				return domain.FieldError("params.attributes", "%s cannot set %q; it sets %s.", a, k, strings.Join(allowed, ", "))
			}
		}
		return nil
	}
	switch a {
	case ActSetDepartment:
		return attrsOnly("department")
	case ActSetUsageLocation:
		if err := attrsOnly("usageLocation"); err != nil {
			return err
		}
		for _, v := range p.Attributes {
			if len(strings.TrimSpace(v)) != 2 {
				return domain.FieldError("params.attributes.usageLocation", "The usage location is a two-letter country code (ISO 3166-1), such as DE.")
			}
		}
	case ActUpdateUser:
		return attrsOnly(append(slices.Clone(profileFields), "extensionAttributeN")...)
	case ActCreateUser:
		if err := attrsOnly(append(slices.Clone(profileFields), "userPrincipalName", "mailNickname", "department", "usageLocation", "extensionAttributeN")...); err != nil {
			return err
		}
		upn := attr(p.Attributes, "userPrincipalName")
		if local, dom, ok := strings.Cut(upn, "@"); !ok || local == "" || !strings.Contains(dom, ".") {
			return domain.FieldError("params.attributes.userPrincipalName", "Give the new user's sign-in name, such as anna@contoso.com.")
		}
		if strings.TrimSpace(attr(p.Attributes, "displayName")) == "" {
			return domain.FieldError("params.attributes.displayName", "Give the new user's display name.")
		}
		return validPassword(p.Password)
	case ActResetPassword:
		return validPassword(p.Password)
	case ActAssignLicence, ActRemoveLicence:
		if strings.TrimSpace(p.SkuID) == "" {
			return domain.FieldError("params.sku_id", "Name the licence (SKU ID).")
		}
	case ActAddToGroup, ActRemoveFromGroup:
		if strings.TrimSpace(p.GroupID) == "" {
			return domain.FieldError("params.group_id", "Name the group (its object ID).")
		}
	case ActSetAutoReply:
		if p.AutoReply == nil {
			return domain.FieldError("params.auto_reply", "Give the automatic reply: status (disabled, alwaysEnabled, scheduled) and messages.")
		}
		if !slices.Contains([]string{"disabled", "alwaysEnabled", "scheduled"}, p.AutoReply.Status) {
			return domain.FieldError("params.auto_reply.status", "Use disabled, alwaysEnabled or scheduled.")
		}
	case ActSetAliases:
		if len(p.AddAliases)+len(p.RemoveAliases) == 0 {
			return domain.FieldError("params.add_aliases", "Give aliases to add or remove.")
		}
		for i, a := range append(slices.Clone(p.AddAliases), p.RemoveAliases...) {
			if !strings.Contains(a, "@") {
				return domain.FieldError("params.add_aliases", "Alias %d (%q) is not an e-mail address.", i+1, a)
			}
		}
	case ActSetForwarding:
		if p.ForwardTo == nil {
			return domain.FieldError("params.forward_to", "Give the address to forward to (empty to stop forwarding).")
		}
		if *p.ForwardTo != "" && !strings.Contains(*p.ForwardTo, "@") {
			return domain.FieldError("params.forward_to", "%q is not an e-mail address.", *p.ForwardTo)
		}
	}
	return nil
}

func isExtAttr(k string) bool {
	return isExtIndex(attrIndex(k))
}

func attr(m map[string]string, name string) string {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func validPassword(pw string) error {
	if pw == "" {
		return nil
	}
	var classes [4]bool
	for _, c := range pw {
		switch {
		case c >= 'A' && c <= 'Z':
			classes[0] = true
		case c >= 'a' && c <= 'z':
			classes[1] = true
		case c >= '0' && c <= '9':
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	n := 0
	for _, c := range classes {
		if c {
			n++
		}
	}
	if len([]rune(pw)) < 8 || len([]rune(pw)) > 256 || n < 3 {
		return domain.FieldError("params.password", "The password needs 8 to 256 characters from three of: upper case, lower case, digits, symbols (or leave it empty for a generated one).")
	}
	return nil
}

// GeneratePassword returns a random 16-character password meeting Entra
// ID's complexity rule.
func GeneratePassword() string {
	sets := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%+-=?@_"}
	all := strings.Join(sets, "")
	pick := func(s string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(s))))
		return s[n.Int64()]
	}
	b := make([]byte, 16)
	for i := range b {
		if i < len(sets) {
			b[i] = pick(sets[i])
		} else {
			b[i] = pick(all)
		}
	}
	for i := len(b) - 1; i > 0; i-- { // shuffle so the classes are not in fixed places
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		j := n.Int64()
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// ruleAttributes are the changed attributes OU rules read, for
// Authorize's would_leave_ous check (user.create: the new user's, with
// its UPN domain).
func ruleAttributes(a Action, attrs map[string]string) map[string]string {
	if len(attrs) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range attrs {
		if i := attrIndex(k); i >= 0 && i != attrUPNDomain {
			out[k] = v
		}
	}
	if a == ActCreateUser {
		if _, dom, ok := strings.Cut(attr(attrs, "userPrincipalName"), "@"); ok {
			out["upnDomain"] = dom
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// graphProps turns attributes into a Graph user body.
func graphProps(attrs map[string]string) map[string]any {
	props := map[string]any{}
	ext := map[string]any{}
	for k, v := range attrs {
		if isExtAttr(k) {
			ext[attrNames[attrIndex(k)]] = nilIfBlank(v)
			continue
		}
		props[canonical(k)] = nilIfBlank(v)
	}
	if len(ext) > 0 {
		props["onPremisesExtensionAttributes"] = ext
	}
	return props
}

func canonical(k string) string {
	for _, n := range append(slices.Clone(profileFields), "userPrincipalName", "mailNickname", "department", "usageLocation") {
		if strings.EqualFold(n, k) {
			return n
		}
	}
	return k
}

func nilIfBlank(v string) any {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return strings.TrimSpace(v)
}

// prepare builds a target's Graph request and its audit details.
func (s *Service) prepare(ctx context.Context, orgID, connID string, req ExecRequest, id string, d Decision, p *plan) error {
	pr := req.Params
	force := pr.ForceChangePassword == nil || *pr.ForceChangePassword
	newPassword := func() string {
		origin := "given"
		if pr.Password == "" {
			p.password, origin = GeneratePassword(), "generated"
		} else {
			p.password = pr.Password
		}
		p.audit["password"] = origin // never the password itself
		p.audit["force_change_password"] = force
		return p.password
	}
	p.audit = map[string]any{}
	switch req.Action {
	case ActCreateUser:
		props := graphProps(pr.Attributes)
		upn := attr(pr.Attributes, "userPrincipalName")
		if _, ok := props["mailNickname"]; !ok {
			props["mailNickname"], _, _ = strings.Cut(upn, "@")
		}
		props["accountEnabled"] = true
		props["passwordProfile"] = m365.PasswordProfile{Password: newPassword(), ForceChangePasswordNextSignIn: force}
		p.op, p.upn = m365.CreateUser(props), upn
		p.audit["attributes"] = pr.Attributes
	case ActUpdateUser, ActSetDepartment, ActSetUsageLocation:
		p.op = m365.UpdateUser(id, graphProps(pr.Attributes))
		p.audit["attributes"] = pr.Attributes
	case ActBlockSignIn, ActUnblockSignIn:
		p.op = m365.UpdateUser(id, map[string]any{"accountEnabled": req.Action == ActUnblockSignIn})
	case ActDeleteUser:
		p.op = m365.DeleteUser(id)
	case ActRestoreUser:
		p.op = m365.RestoreUser(id)
	case ActResetPassword:
		p.op = m365.ResetPassword(id, m365.PasswordProfile{Password: newPassword(), ForceChangePasswordNextSignIn: force})
	case ActRevokeSessions:
		p.op = m365.RevokeSignInSessions(id)
	case ActSetManager:
		if pr.ManagerID == "" {
			p.op = m365.RemoveManager(id)
		} else {
			p.op = m365.SetManager(id, pr.ManagerID)
		}
		p.audit["manager_id"] = pr.ManagerID
	case ActAssignLicence:
		p.op = m365.AssignLicense(id, []m365.AssignedLicense{{SkuID: pr.SkuID, DisabledPlans: d.DisabledPlans}}, nil)
		p.audit["sku_id"], p.audit["disabled_plans"] = pr.SkuID, d.DisabledPlans
	case ActRemoveLicence:
		p.op = m365.AssignLicense(id, nil, []string{pr.SkuID})
		p.audit["sku_id"] = pr.SkuID
	case ActAddToGroup:
		p.op = m365.AddGroupMember(pr.GroupID, id)
		p.audit["group_id"] = pr.GroupID
	case ActRemoveFromGroup:
		p.op = m365.RemoveGroupMember(pr.GroupID, id)
		p.audit["group_id"] = pr.GroupID
	case ActSetAutoReply:
		p.op = m365.SetAutoReply(id, *pr.AutoReply)
		p.audit["auto_reply_status"] = pr.AutoReply.Status
	case ActSetAliases, ActSetForwarding:
		u, err := s.Store.GetM365User(ctx, orgID, connID, id)
		if err != nil {
			return err
		}
		upn := u.UserPrincipalName
		if req.Action == ActSetAliases {
			p.audit["add_aliases"], p.audit["remove_aliases"] = pr.AddAliases, pr.RemoveAliases
			p.exchange = func(ctx context.Context, t m365.Tenant) error {
				_, err := t.Client.SetMailboxAliases(ctx, t.Exchange, t.ID, upn, pr.AddAliases, pr.RemoveAliases)
				return err
			}
		} else {
			p.audit["forward_to"], p.audit["keep_copy"] = *pr.ForwardTo, pr.KeepCopy
			p.exchange = func(ctx context.Context, t m365.Tenant) error {
				_, err := t.Client.SetMailboxForwarding(ctx, t.Exchange, t.ID, upn, *pr.ForwardTo, pr.KeepCopy)
				return err
			}
		}
	}
	return nil
}

// send runs the allowed targets' requests and records each outcome.
func (s *Service) send(ctx context.Context, conn store.Connection, run []*plan) error {
	if s.Tenants == nil {
		return errors.New("delegation: no Graph access configured for administrative actions")
	}
	t, err := s.Tenants(ctx, conn)
	if err != nil { // nothing was sent
		for _, p := range run {
			p.err, p.password = err, ""
			p.res.Status, p.res.Error = StatusFailed, "Cannot reach the tenant: "+err.Error()
		}
		return nil
	}
	switch {
	case run[0].exchange != nil: // Exchange Online has no batching: one cmdlet per mailbox
		for _, p := range run {
			p.err = p.exchange(ctx, t)
			outcome(p)
		}
	case len(run) == 1:
		p := run[0]
		var created m365.User
		var out any
		if p.op.Method == "POST" && p.op.Path == "/users" {
			out = &created
		}
		p.err = t.Client.Do(ctx, p.op, out)
		if p.err == nil && created.ID != "" {
			p.res.TargetID = created.ID
		}
		outcome(p)
	default:
		ops := make([]m365.Op, len(run))
		for i, p := range run {
			ops[i] = p.op
		}
		// One $batch call per 20, so a failure of one call leaves the
		// others' answers exact.
		for start := 0; start < len(ops); start += 20 {
			end := min(start+20, len(ops))
			errs, err := t.Client.DoBatch(ctx, ops[start:end])
			for i := start; i < end; i++ {
				if err != nil {
					run[i].err = &unanswered{err}
				} else {
					run[i].err = errs[i-start]
				}
				outcome(run[i])
			}
		}
	}
	return nil
}

// unanswered marks a request Graph may or may not have executed (the
// $batch call itself failed after it was sent).
type unanswered struct{ err error }

func (u *unanswered) Error() string { return u.err.Error() }
func (u *unanswered) Unwrap() error { return u.err }

// outcome sets a target's status from Graph's answer: an error answer
// or a token failure changed nothing; a request sent without an answer
// (transport failure, a $batch call failing with 5xx) may have been applied.
func outcome(p *plan) {
	var ge *m365.Error
	var te *m365.TokenError
	var un *unanswered
	switch {
	case p.err == nil:
		p.res.Status, p.res.Password = StatusDone, p.password
	case errors.As(p.err, &ge) && !(errors.As(p.err, &un) && ge.Status >= 500):
		p.res.Status, p.res.Error, p.res.GraphStatus, p.res.GraphCode = StatusFailed, ge.Message, ge.Status, ge.Code
	case errors.As(p.err, &te):
		p.res.Status, p.res.Error = StatusFailed, p.err.Error()
	default:
		p.res.Status, p.res.Error, p.res.Password = StatusUnknown, "Graph did not answer; the change may have been applied: "+p.err.Error(), p.password
	}
	if p.res.Status == StatusFailed {
		p.password = ""
	}
}

// changesSnapshot: actions whose effect shows in the stored user.
func changesSnapshot(a Action) bool {
	switch a {
	case ActCreateUser, ActUpdateUser, ActSetDepartment, ActSetUsageLocation, ActBlockSignIn, ActUnblockSignIn,
		ActDeleteUser, ActRestoreUser, ActAssignLicence, ActRemoveLicence, ActSetManager:
		return true
	}
	return false
}

// refresh re-reads each changed user from Graph and writes it to the
// snapshot, so the next Authorize (quota, OUs) sees the change. A user
// that cannot be re-read is patched locally where the change is known
// (licences, deletion) and flagged SnapshotStale otherwise.
func (s *Service) refresh(ctx context.Context, orgID string, conn store.Connection, req ExecRequest, run []*plan) {
	if !changesSnapshot(req.Action) {
		return
	}
	var ids []*plan
	for _, p := range run {
		if p.res.Status == StatusDone || p.res.Status == StatusUnknown {
			ids = append(ids, p)
		}
	}
	if len(ids) == 0 {
		return
	}
	now := time.Now()
	t, err := s.Tenants(ctx, conn)
	if err != nil {
		for _, p := range ids {
			p.res.SnapshotStale = true
		}
		return
	}
	reqs := make([]m365.BatchRequest, len(ids))
	for i, p := range ids {
		reqs[i] = m365.BatchRequest{ID: fmt.Sprint(i + 1), Method: "GET", URL: m365.UserQuery(p.res.TargetID)}
	}
	resps, err := t.Client.Batch(ctx, reqs)
	for i, p := range ids {
		switch {
		case err == nil && resps[i].Status == 200:
			var u m365.User
			if json.Unmarshal(resps[i].Body, &u) == nil && u.ID != "" {
				if s.Store.PutM365User(ctx, orgID, conn.ID, m365.StoreUser(u), now) == nil {
					continue
				}
			}
		case err == nil && resps[i].Status == 404 && req.Action == ActDeleteUser:
			if s.Store.MarkM365UserDeleted(ctx, orgID, conn.ID, p.res.TargetID, now) == nil {
				continue
			}
		}
		if p.res.Status == StatusDone && s.patchLocally(ctx, orgID, conn.ID, req, p, now) == nil {
			continue
		}
		p.res.SnapshotStale = true
	}
}

// patchLocally applies a known licence change or deletion to the stored
// user when Graph could not be re-read.
func (s *Service) patchLocally(ctx context.Context, orgID, connID string, req ExecRequest, p *plan, now time.Time) error {
	switch req.Action {
	case ActDeleteUser:
		return s.Store.MarkM365UserDeleted(ctx, orgID, connID, p.res.TargetID, now)
	case ActAssignLicence, ActRemoveLicence:
		u, err := s.Store.GetM365User(ctx, orgID, connID, p.res.TargetID)
		if err != nil {
			return err
		}
		var lic []m365.AssignedLicense
		_ = json.Unmarshal(u.AssignedLicenses, &lic)
		lic = slices.DeleteFunc(lic, func(l m365.AssignedLicense) bool { return strings.EqualFold(l.SkuID, req.Params.SkuID) })
		if req.Action == ActAssignLicence {
			dp, _ := p.audit["disabled_plans"].([]string)
			lic = append(lic, m365.AssignedLicense{SkuID: req.Params.SkuID, DisabledPlans: dp})
		}
		u.AssignedLicenses, _ = json.Marshal(lic)
		return s.Store.PutM365User(ctx, orgID, connID, u, now)
	}
	return errors.New("not patchable")
}

// sanitized are a refused request's audited parameters: never a password.
func sanitized(req ExecRequest) map[string]any {
	pr := req.Params
	d := map[string]any{}
	if pr.SkuID != "" {
		d["sku_id"] = pr.SkuID
	}
	if len(pr.DisabledPlans) > 0 {
		d["disabled_plans"] = pr.DisabledPlans
	}
	if len(pr.Attributes) > 0 {
		d["attributes"] = pr.Attributes
	}
	if pr.GroupID != "" {
		d["group_id"] = pr.GroupID
	}
	if pr.ManagerID != "" {
		d["manager_id"] = pr.ManagerID
	}
	return d
}

// auditResult writes one target's audit entry: m365.action.<action>
// with the outcome, the decision and the parameters (no secrets).
func (s *Service) auditResult(ctx context.Context, who audit.Actor, orgID, connID string, a Action, p *plan, params map[string]any) error {
	d := map[string]any{"connection_id": connID, "status": p.res.Status, "params": params}
	if p.res.Decision != nil {
		d["decision"] = map[string]any{"code": p.res.Decision.Code, "reason": p.res.Decision.Reason, "via_ous": p.res.Decision.Via}
	}
	if p.res.Error != "" {
		d["error"], d["graph_status"], d["graph_code"] = p.res.Error, p.res.GraphStatus, p.res.GraphCode
	}
	if p.res.SnapshotStale {
		d["snapshot_stale"] = true
	}
	if p.upn != "" {
		d["user_principal_name"] = p.upn
	}
	return audit.Record(ctx, s.Store, who, audit.Entry{OrgID: orgID, Action: "m365.action." + string(a), TargetType: "m365_user",
		TargetID: p.res.TargetID, Details: d})
}

// MayAct is the gate of the action endpoints, before any input is read:
// members holding m365.manage, and delegated administrators of an OU of
// the connection, may ask (each action is then authorized per target);
// anyone else is refused with 403.
func (s *Service) MayAct(ctx context.Context, orgID string, actor Actor, connectionID string) error {
	if !actor.Admin {
		ds, err := s.Store.ListM365Delegations(ctx, orgID, store.M365DelegationFilter{UserID: actor.UserID})
		if err != nil {
			return err
		}
		ous, err := s.Store.ListM365OUs(ctx, orgID, connectionID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ds, func(d store.M365Delegation) bool {
			return slices.ContainsFunc(ous, func(o store.M365OU) bool { return o.ID == d.OUID })
		}) {
			return domain.Errorf(domain.CodeForbidden, "You are not a delegated administrator of any OU of this connection (and do not hold m365.manage).")
		}
	}
	conn, err := s.Store.GetConnection(ctx, orgID, connectionID)
	if err != nil || conn.Kind != "m365" {
		return domain.Errorf(domain.CodeNotFound, "No such Microsoft 365 connection in this organisation.")
	}
	return nil
}
