package awssandbox

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Service is the name under which package sandbox registers this
// handler's faults (sbx.Serve(ca, faults, Service, ErrorWriter, a.Handler())).
const Service = "aws"

// Support plans (AccountOptions.SupportPlan). Trusted Advisor's API needs
// business or enterprise.
const (
	PlanBasic      = "basic"
	PlanDeveloper  = "developer"
	PlanBusiness   = "business"
	PlanEnterprise = "enterprise"
)

// Options configure the sandbox.
type Options struct {
	Seed  int64
	Clock *sbx.Clock
	// PageSize is how many result rows (time period × group) one
	// GetCostAndUsage page holds; 0 means 40, small enough that a month
	// of grouped daily data spans several pages.
	PageSize int
}

// AccountOptions are an account's switches that the real services check.
type AccountOptions struct {
	SupportPlan         string // basic|developer|business|enterprise ("" = basic)
	CostExplorerEnabled bool
	RightsizingEnabled  bool
}

// Account is an AWS account (a payer) and the member accounts whose costs
// Cost Explorer shows under LINKED_ACCOUNT.
type Account struct {
	ID             string
	Name           string
	LinkedAccounts []string
}

// AWS is the sandbox's AWS: accounts, principals, credentials and the
// seeded cost data behind Cost Explorer and Trusted Advisor.
type AWS struct {
	seed     int64
	clock    *sbx.Clock
	pageSize int

	mu       sync.Mutex
	accounts map[string]*account
	keys     map[string]*accessKey // access key ID → key
	users    map[string]*principal // user ARN → user
	roles    map[string]*role      // role ARN → role
	requests map[string]int        // operation → requests received
	throttle map[string]int        // operation → requests still to refuse
	sessions int                   // AssumeRole calls so far (varies session keys)
}

type account struct {
	Account
	opts   AccountOptions
	series []series // seeded cost lines, built on first use
}

// principal is an IAM user or role and the actions its policies allow.
type principal struct {
	arn     string
	account string
	allow   []string
}

type role struct {
	principal
	name           string
	id             string // AROA...
	trustedAccount string
	externalID     string
}

// accessKey is a long-term user key or a temporary session credential.
type accessKey struct {
	id, secret string
	user       *principal
	// Session credentials only:
	token     string
	expires   time.Time
	role      *role
	callerARN string // arn:aws:sts::acct:assumed-role/Role/session
}

// New returns an empty sandbox AWS.
func New(o Options) *AWS {
	if o.PageSize <= 0 {
		o.PageSize = 40
	}
	return &AWS{
		seed: o.Seed, clock: o.Clock, pageSize: o.PageSize,
		accounts: map[string]*account{}, keys: map[string]*accessKey{},
		users: map[string]*principal{}, roles: map[string]*role{},
		requests: map[string]int{}, throttle: map[string]int{},
	}
}

// Handler serves Cost Explorer, Support and STS on one endpoint.
func (a *AWS) Handler() http.Handler { return http.HandlerFunc(a.serve) }

// AddAccount creates (or reconfigures) an account with two seeded member
// accounts besides itself.
func (a *AWS) AddAccount(accountID, name string, opts AccountOptions) Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	acc := &account{Account: Account{ID: accountID, Name: name}, opts: opts}
	acc.LinkedAccounts = []string{accountID, a.digits(12, "linked", accountID, "1"), a.digits(12, "linked", accountID, "2")}
	a.accounts[accountID] = acc
	return acc.Account
}

// AddUser creates an IAM user allowed the given actions ("ce:GetCostAndUsage",
// "ce:*", "*" ...) and returns its access key.
func (a *AWS) AddUser(accountID, userName string, allow ...string) (accessKeyID, secret string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := &principal{arn: "arn:aws:iam::" + accountID + ":user/" + userName, account: accountID, allow: allow}
	a.users[u.arn] = u
	k := &accessKey{id: "AKIA" + a.keyID("user", accountID, userName), secret: a.secret("user", accountID, userName), user: u}
	a.keys[k.id] = k
	return k.id, k.secret
}

// AddRole creates a role that principals of trustedAccountID may assume
// when they present externalID, allowed the given actions.
func (a *AWS) AddRole(accountID, roleName, trustedAccountID, externalID string, allow ...string) (roleARN string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := &role{
		principal: principal{arn: "arn:aws:iam::" + accountID + ":role/" + roleName, account: accountID, allow: allow},
		name:      roleName, id: "AROA" + a.keyID("role", accountID, roleName),
		trustedAccount: trustedAccountID, externalID: externalID,
	}
	a.roles[r.arn] = r
	return r.arn
}

// SetAllowed replaces the allowed actions of a user or role (by ARN);
// sessions of a role see the change at once, as IAM policies do.
func (a *AWS) SetAllowed(principalARN string, allow ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u, ok := a.users[principalARN]; ok {
		u.allow = allow
		return nil
	}
	if r, ok := a.roles[principalARN]; ok {
		r.allow = allow
		return nil
	}
	return fmt.Errorf("aws sandbox: no user or role %s", principalARN)
}

// SetSupportPlan changes an account's support plan.
func (a *AWS) SetSupportPlan(accountID, plan string) error {
	return a.withAccount(accountID, func(acc *account) { acc.opts.SupportPlan = plan })
}

// SetCostExplorerEnabled turns Cost Explorer on or off for an account.
func (a *AWS) SetCostExplorerEnabled(accountID string, on bool) error {
	return a.withAccount(accountID, func(acc *account) { acc.opts.CostExplorerEnabled = on })
}

// SetRightsizingEnabled opts an account in or out of rightsizing recommendations.
func (a *AWS) SetRightsizingEnabled(accountID string, on bool) error {
	return a.withAccount(accountID, func(acc *account) { acc.opts.RightsizingEnabled = on })
}

func (a *AWS) withAccount(id string, f func(*account)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	acc, ok := a.accounts[id]
	if !ok {
		return fmt.Errorf("aws sandbox: no account %s", id)
	}
	f(acc)
	return nil
}

// Requests returns how many requests for op ("GetCostAndUsage",
// "AssumeRole", "DescribeTrustedAdvisorCheckResult" ...) reached the
// handler, including refused ones.
func (a *AWS) Requests(op string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests[op]
}

// Throttle makes the next n requests for op fail as the real service
// throttles: Cost Explorer with 400 LimitExceededException, Support and
// STS with 400 ThrottlingException / Throttling.
func (a *AWS) Throttle(op string, n int) {
	a.mu.Lock()
	a.throttle[op] = n
	a.mu.Unlock()
}

// count records a request for op and reports whether it is throttled.
func (a *AWS) count(op string) (throttled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests[op]++
	if a.throttle[op] > 0 {
		a.throttle[op]--
		return true
	}
	return false
}

// hash returns a digest of the seed and parts: every ID, key and amount
// derives from it.
func (a *AWS) hash(parts ...string) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d", a.seed)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

func (a *AWS) keyID(parts ...string) string {
	return base32.StdEncoding.EncodeToString(a.hash(parts...))[:16]
}

func (a *AWS) secret(parts ...string) string {
	return base64.StdEncoding.EncodeToString(a.hash(append(parts, "secret")...))[:40]
}

func (a *AWS) digits(n int, parts ...string) string {
	var b strings.Builder
	for _, c := range a.hash(parts...) {
		if b.Len() == n {
			break
		}
		b.WriteByte('0' + c%10)
	}
	return b.String()
}
