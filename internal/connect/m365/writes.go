package m365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/msapi"
	"github.com/canopyhq/canopy/internal/store"
)

// Op is one Graph write (or read) in the request shapes of Microsoft Graph
// v1.0: a method, a path relative to the version ("/users/{id}") and a
// JSON body. The same Op runs alone (Do) or inside a JSON batch (DoBatch).
type Op struct {
	Method string
	Path   string
	Body   any // nil: no body
}

func userPath(id string) string { return "/users/" + url.PathEscape(id) }

// UpdateUser is PATCH /users/{id} with the given properties (Graph names:
// department, usageLocation, accountEnabled, onPremisesExtensionAttributes …).
func UpdateUser(id string, props map[string]any) Op {
	return Op{Method: http.MethodPatch, Path: userPath(id), Body: props}
}

// PasswordProfile is a user's new password (passwordProfile).
type PasswordProfile struct {
	Password                      string `json:"password"`
	ForceChangePasswordNextSignIn bool   `json:"forceChangePasswordNextSignIn"`
}

// ResetPassword is PATCH /users/{id} with a passwordProfile.
func ResetPassword(id string, p PasswordProfile) Op {
	return UpdateUser(id, map[string]any{"passwordProfile": p})
}

// CreateUser is POST /users; props must hold accountEnabled, displayName,
// mailNickname, userPrincipalName and passwordProfile.
func CreateUser(props map[string]any) Op {
	return Op{Method: http.MethodPost, Path: "/users", Body: props}
}

// DeleteUser is DELETE /users/{id} (to the deleted items, restorable for 30 days).
func DeleteUser(id string) Op { return Op{Method: http.MethodDelete, Path: userPath(id)} }

// RestoreUser is POST /directory/deletedItems/{id}/restore.
func RestoreUser(id string) Op {
	return Op{Method: http.MethodPost, Path: "/directory/deletedItems/" + url.PathEscape(id) + "/restore"}
}

// RevokeSignInSessions is POST /users/{id}/revokeSignInSessions.
func RevokeSignInSessions(id string) Op {
	return Op{Method: http.MethodPost, Path: userPath(id) + "/revokeSignInSessions"}
}

// AssignLicense is POST /users/{id}/assignLicense: add licences (each with
// the service plans to disable) and remove SKUs.
func AssignLicense(id string, add []AssignedLicense, remove []string) Op {
	if add == nil {
		add = []AssignedLicense{}
	}
	for i := range add {
		if add[i].DisabledPlans == nil {
			add[i].DisabledPlans = []string{}
		}
	}
	if remove == nil {
		remove = []string{}
	}
	return Op{Method: http.MethodPost, Path: userPath(id) + "/assignLicense",
		Body: map[string]any{"addLicenses": add, "removeLicenses": remove}}
}

// SetManager is PUT /users/{id}/manager/$ref.
func SetManager(id, managerID string) Op {
	return Op{Method: http.MethodPut, Path: userPath(id) + "/manager/$ref",
		Body: map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + managerID}}
}

// RemoveManager is DELETE /users/{id}/manager/$ref.
func RemoveManager(id string) Op {
	return Op{Method: http.MethodDelete, Path: userPath(id) + "/manager/$ref"}
}

// AddGroupMember is POST /groups/{id}/members/$ref.
func AddGroupMember(groupID, userID string) Op {
	return Op{Method: http.MethodPost, Path: "/groups/" + url.PathEscape(groupID) + "/members/$ref",
		Body: map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + userID}}
}

// RemoveGroupMember is DELETE /groups/{id}/members/{userId}/$ref.
func RemoveGroupMember(groupID, userID string) Op {
	return Op{Method: http.MethodDelete, Path: "/groups/" + url.PathEscape(groupID) + "/members/" + url.PathEscape(userID) + "/$ref"}
}

// AutoReply is a mailbox's automaticRepliesSetting.
type AutoReply struct {
	Status               string        `json:"status"`           // disabled, alwaysEnabled, scheduled
	ExternalAudience     string        `json:"externalAudience"` // none, contactsOnly, all
	InternalReplyMessage string        `json:"internalReplyMessage"`
	ExternalReplyMessage string        `json:"externalReplyMessage"`
	ScheduledStart       *DateTimeZone `json:"scheduledStartDateTime,omitempty"`
	ScheduledEnd         *DateTimeZone `json:"scheduledEndDateTime,omitempty"`
}

// DateTimeZone is Graph's dateTimeTimeZone.
type DateTimeZone struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

// SetAutoReply is PATCH /users/{id}/mailboxSettings with automaticRepliesSetting.
func SetAutoReply(id string, a AutoReply) Op {
	return Op{Method: http.MethodPatch, Path: userPath(id) + "/mailboxSettings", Body: map[string]any{"automaticRepliesSetting": a}}
}

// Do sends one op. 429 and 503 answers are retried after Retry-After
// (writes are not retried after other failures: they may have happened).
// The JSON answer, if any and out is not nil, is decoded into out.
func (c *Client) Do(ctx context.Context, op Op, out any) error {
	var body []byte
	if op.Body != nil {
		var err error
		if body, err = json.Marshal(op.Body); err != nil {
			return err
		}
	}
	resp, err := c.api.Do(ctx, msapi.Request{Method: op.Method, URL: c.endpoint("/v1.0" + op.Path), Body: body,
		Idempotent: op.Method == http.MethodGet})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("graph: %s %s: reading the answer: %w", op.Method, op.Path, err)
	}
	return nil
}

// DoBatch sends ops as JSON batches of at most 20 (throttled inner
// requests retried) and returns for each op nil or its *Error.
func (c *Client) DoBatch(ctx context.Context, ops []Op) ([]error, error) {
	reqs := make([]BatchRequest, len(ops))
	for i, op := range ops {
		r := BatchRequest{ID: fmt.Sprint(i + 1), Method: op.Method, URL: op.Path}
		if op.Body != nil {
			b, err := json.Marshal(op.Body)
			if err != nil {
				return nil, err
			}
			r.Body, r.Headers = b, map[string]string{"Content-Type": "application/json"}
		}
		reqs[i] = r
	}
	resps, err := c.Batch(ctx, reqs)
	if err != nil {
		return nil, err
	}
	out := make([]error, len(ops))
	for i, r := range resps {
		if r.Status >= 200 && r.Status < 300 {
			continue
		}
		out[i] = graphError(r.Status, headerOf(r.Headers), r.Body, retryAfter(headerOf(r.Headers), c.api.Now()))
	}
	return out, nil
}

// GetUser reads one user with the properties the import stores.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	err := c.getJSON(ctx, c.endpoint("/v1.0"+userPath(id)+"?$select="+url.QueryEscape(strings.Join(userSelect, ","))), &u)
	return u, err
}

// UserQuery is the path (relative to the version) that reads a user with
// the properties the import stores, for $batch.
func UserQuery(id string) string {
	return userPath(id) + "?$select=" + url.QueryEscape(strings.Join(userSelect, ",")) + "&$expand=" + url.QueryEscape(userExpand)
}

// StoreUser converts a Graph user to its stored snapshot row.
func StoreUser(u User) store.M365User { return storeUser(u) }

// IsNotFound reports Graph's 404 (Request_ResourceNotFound).
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// ExchangeBaseURL is Exchange Online's admin API root.
const ExchangeBaseURL = "https://outlook.office365.com"

// Mailbox is what Get-Mailbox/Set-Mailbox answer about a mailbox.
type Mailbox struct {
	Identity                   string   `json:"Identity"`
	ObjectID                   string   `json:"ExternalDirectoryObjectId"`
	PrimarySMTPAddress         string   `json:"PrimarySmtpAddress"`
	EmailAddresses             []string `json:"EmailAddresses"`
	ForwardingSMTPAddress      *string  `json:"ForwardingSmtpAddress"`
	DeliverToMailboxAndForward bool     `json:"DeliverToMailboxAndForward"`
}

// ExchangeCommand runs an Exchange Online cmdlet through the admin API's
// InvokeCommand endpoint (the REST surface of the EXO V3 module) at base
// ("" = ExchangeBaseURL) for tenant, returning the mailbox it answers with.
func (c *Client) ExchangeCommand(ctx context.Context, base, tenant, cmdlet string, params map[string]any) (Mailbox, error) {
	if base == "" {
		base = ExchangeBaseURL
	}
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
	if err != nil {
		return Mailbox{}, err
	}
	b := msapi.ParseBase(base, ExchangeBaseURL)
	resp, err := c.api.Do(ctx, msapi.Request{Method: http.MethodPost, URL: msapi.Join(b, "/adminapi/beta/"+url.PathEscape(tenant)+"/InvokeCommand"),
		Body: body})
	if err != nil {
		return Mailbox{}, err
	}
	defer resp.Body.Close()
	var out struct {
		Value []Mailbox `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Value) == 0 {
		return Mailbox{}, fmt.Errorf("exchange: %s: unexpected answer", cmdlet)
	}
	return out.Value[0], nil
}

// SetMailboxAliases adds and removes smtp proxy addresses (Set-Mailbox -EmailAddresses @{add=…; remove=…}).
func (c *Client) SetMailboxAliases(ctx context.Context, base, tenant, upn string, add, remove []string) (Mailbox, error) {
	ea := map[string]any{}
	if len(add) > 0 {
		ea["add"] = smtp(add)
	}
	if len(remove) > 0 {
		ea["remove"] = smtp(remove)
	}
	return c.ExchangeCommand(ctx, base, tenant, "Set-Mailbox", map[string]any{"Identity": upn, "EmailAddresses": ea})
}

// SetMailboxForwarding sets (or with "" clears) ForwardingSmtpAddress.
func (c *Client) SetMailboxForwarding(ctx context.Context, base, tenant, upn, to string, keepCopy bool) (Mailbox, error) {
	var fwd any
	if to != "" {
		fwd = "smtp:" + to
	}
	return c.ExchangeCommand(ctx, base, tenant, "Set-Mailbox", map[string]any{"Identity": upn, "ForwardingSmtpAddress": fwd,
		"DeliverToMailboxAndForward": keepCopy})
}

func smtp(addrs []string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		if !strings.Contains(a, ":") {
			a = "smtp:" + a
		}
		out[i] = a
	}
	return out
}

// Tenant is what administrative actions need to reach a connection's
// tenant: a Graph client, the tenant's ID or domain and the Exchange
// Online admin API root ("" = ExchangeBaseURL).
type Tenant struct {
	Client   *Client
	ID       string
	Exchange string
}

// TenantFor returns a Graph client for a Microsoft 365 connection's
// tenant with Canopy's app credentials from env.
func (c Connector) TenantFor(env connect.Env, settings []byte) (Tenant, error) {
	s, err := parseSettings(settings)
	if err != nil {
		return Tenant{}, err
	}
	cl, err := c.client(env, s.TenantID)
	return Tenant{Client: cl, ID: s.TenantID, Exchange: env.Clouds.ExchangeOnline}, err
}

// StoreSKU converts a subscribed SKU to its stored snapshot row.
func StoreSKU(k SKU) store.M365SKU { return storeSKU(k) }
