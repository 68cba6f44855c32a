package m365

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
)

// ServiceAccount is a connection's user-context service account with its
// password in clear, as the collector decrypted it for one use.
type ServiceAccount struct {
	Username string
	Password []byte
}

// Clear overwrites the password.
func (a *ServiceAccount) Clear() {
	if a != nil {
		clear(a.Password)
	}
}

// ServiceAccountResult is what one use of the account showed.
type ServiceAccountResult struct {
	State  string // ok, wrong_password or failed (store.ServiceAccount*)
	Detail string
	Used   bool // the sign-in worked
}

// ServiceAccountStatus is an account's last result, for the doctor.
type ServiceAccountStatus struct {
	Username              string
	State, Detail         string
	CheckedAt, LastUsedAt *time.Time
}

// ServiceAccounts gives the sync its connections' service accounts. Open
// decrypts (the collector's private key); Status only reads what the last
// sync recorded, so the connection doctor never decrypts.
type ServiceAccounts interface {
	Open(ctx context.Context, orgID, connectionID string) (*ServiceAccount, error)
	Record(ctx context.Context, orgID, connectionID string, r ServiceAccountResult) error
	Status(ctx context.Context, orgID, connectionID string) (*ServiceAccountStatus, error)
}

// Service account states (the store's check_state values).
const (
	saOK            = "ok"
	saWrongPassword = "wrong_password"
	saFailed        = "failed"
	saUnverified    = "unverified"
)

// PasswordError is Entra ID's refusal of a resource-owner password sign-in.
type PasswordError struct {
	Status int
	Code   string // invalid_grant ...
	AADSTS int    // 50126: wrong username or password
	Desc   string
}

func (e *PasswordError) Error() string {
	return fmt.Sprintf("entra id: %d %s: %s", e.Status, e.Code, e.Desc)
}

// WrongPassword reports Entra ID's AADSTS50126 (invalid username or password).
func (e *PasswordError) WrongPassword() bool { return e.AADSTS == 50126 }

// PasswordToken signs in as a user with the resource-owner password
// credentials grant (grant_type=password) with Canopy's confidential app
// and returns a delegated Graph token. The request body is built in a
// byte slice that is cleared afterwards; the password never becomes a Go
// string.
func PasswordToken(ctx context.Context, hc *http.Client, authority, tenant, clientID, clientSecret string, acct *ServiceAccount) (string, error) {
	if authority == "" {
		authority = publicAuthority
	}
	body := formBody([][2][]byte{{[]byte("grant_type"), []byte("password")}, {[]byte("client_id"), []byte(clientID)},
		{[]byte("client_secret"), []byte(clientSecret)}, {[]byte("scope"), []byte(GraphScope)},
		{[]byte("username"), []byte(acct.Username)}, {[]byte("password"), acct.Password}})
	defer clear(body)
	u := strings.TrimSuffix(authority, "/") + "/" + tenant + "/oauth2/v2.0/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	return parseTokenAnswer(resp.StatusCode, b)
}

func parseTokenAnswer(status int, b []byte) (string, error) {
	var out struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Desc        string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return "", fmt.Errorf("entra id: %d answer is not JSON", status)
	}
	if status == http.StatusOK && out.AccessToken != "" {
		return out.AccessToken, nil
	}
	pe := &PasswordError{Status: status, Code: out.Error, Desc: out.Desc}
	if len(out.Codes) > 0 {
		pe.AADSTS = out.Codes[0]
	}
	return "", pe
}

// formBody encodes form fields without making strings of the values.
func formBody(fields [][2][]byte) []byte {
	var out []byte
	for i, f := range fields {
		if i > 0 {
			out = append(out, '&')
		}
		out = appendEscaped(out, f[0])
		out = append(out, '=')
		out = appendEscaped(out, f[1])
	}
	return out
}

// appendEscaped is application/x-www-form-urlencoded escaping.
func appendEscaped(dst, src []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range src {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// Me is the signed-in user as GET /me returns it.
type Me struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// Me reads the signed-in user: a user-context call that Graph answers
// only for delegated tokens ("/me request is only valid with delegated
// authentication flow" for app tokens).
func (c *Client) Me(ctx context.Context) (Me, error) {
	var m Me
	err := c.getJSON(ctx, c.endpoint("/v1.0/me?$select=id,displayName,userPrincipalName"), &m)
	return m, err
}

// staticToken is a TokenSource of one token (the service account's).
type staticToken string

func (t staticToken) Token(context.Context) (string, error) { return string(t), nil }

// useServiceAccount signs in as the connection's service account (when one
// is set), makes the user-context call with its delegated token and
// records the outcome. Problems are warnings: the directory import does
// not depend on the account.
//
// With the delegated token it then reads every mailbox's statistics
// through Exchange Online (Get-MailboxStatistics refuses app-only tokens)
// and stores them as the day's snapshot; licensed (directory user IDs
// holding a licence) marks licensed shared mailboxes.
func (c Connector) useServiceAccount(ctx context.Context, run runEnv, orgID, connID, tenant string, licensed map[string]bool) {
	if c.Accounts == nil {
		return
	}
	acct, err := c.Accounts.Open(ctx, orgID, connID)
	if err != nil {
		c.record(ctx, run, orgID, connID, ServiceAccountResult{State: saFailed, Detail: err.Error()})
		return
	}
	if acct == nil {
		return
	}
	defer acct.Clear()
	env := run.Env()
	tok, err := PasswordToken(ctx, env.HTTPClient, env.Clouds.AzureAuthority, tenant, env.Clouds.AzureClientID, env.Clouds.AzureClientSecret, acct)
	if err != nil {
		c.record(ctx, run, orgID, connID, passwordFailure(err, acct.Username))
		return
	}
	cl := New(Config{BaseURL: env.Clouds.Graph, HTTPClient: env.HTTPClient, Tokens: staticToken(tok), Sleep: c.Sleep, Now: c.Now})
	me, err := cl.Me(ctx)
	if err != nil {
		c.record(ctx, run, orgID, connID, ServiceAccountResult{State: saFailed, Used: true,
			Detail: fmt.Sprintf("Signed in as %s, but the user-context call GET /me failed: %v", acct.Username, err)})
		return
	}
	n, err := collectMailboxes(ctx, cl, run.Store(), env.Clouds.ExchangeOnline, orgID, connID, tenant, licensed)
	if err != nil {
		c.record(ctx, run, orgID, connID, ServiceAccountResult{State: saFailed, Used: true,
			Detail: fmt.Sprintf("Signed in as %s, but the mailbox statistics (Exchange Online Get-MailboxStatistics) failed: %v. "+
				"The account needs the Exchange Administrator or Global Reader role (see /help/%s).", acct.Username, err, HelpServiceAccount)})
		return
	}
	c.record(ctx, run, orgID, connID, ServiceAccountResult{State: saOK, Used: true,
		Detail: fmt.Sprintf("Signed in as %s (%s); the user-context call GET /me answered and the mailbox statistics of %d mailboxes were read.",
			me.UserPrincipalName, me.DisplayName, n)})
}

// runEnv is the part of connect.Run the service account needs.
type runEnv interface {
	Env() connect.Env
	Warn(msg string)
	Store() *store.Store
}

func passwordFailure(err error, username string) ServiceAccountResult {
	var pe *PasswordError
	switch {
	case errors.As(err, &pe) && pe.WrongPassword():
		return ServiceAccountResult{State: saWrongPassword, Detail: fmt.Sprintf("Microsoft Entra ID refused the password of %s "+
			"(AADSTS50126: invalid username or password). Fix: enter the account's current password again on the connection "+
			"page (section Service account); see /help/%s.", username, HelpServiceAccount)}
	case errors.As(err, &pe):
		return ServiceAccountResult{State: saFailed, Detail: fmt.Sprintf("Microsoft Entra ID refused the sign-in of %s: %s (see /help/%s).",
			username, firstLine(pe.Desc), HelpServiceAccount)}
	}
	return ServiceAccountResult{State: saFailed, Detail: fmt.Sprintf("The sign-in of %s did not complete: %v", username, err)}
}

func (c Connector) record(ctx context.Context, run runEnv, orgID, connID string, r ServiceAccountResult) {
	if r.State != saOK {
		run.Warn("Service account: " + r.Detail)
	}
	if err := c.Accounts.Record(ctx, orgID, connID, r); err != nil {
		run.Warn("Service account: could not record the result: " + err.Error())
	}
}

// serviceAccountCheck is the connection doctor's row for the account,
// from what the last sync recorded (the doctor never decrypts).
func (c Connector) serviceAccountCheck(ctx context.Context, orgID, connID string) (connect.Check, bool) {
	if c.Accounts == nil {
		return connect.Check{}, false
	}
	ch := connect.Check{Feature: "Service account", Needs: "A user-context service account (password encrypted in your browser)"}
	st, err := c.Accounts.Status(ctx, orgID, connID)
	switch {
	case err != nil:
		ch.Detail, ch.Fix = "Could not read the service account: "+err.Error(), HelpServiceAccount
	case st == nil:
		ch.Detail, ch.Fix = "Not set: reports that need a user's context are skipped. Set one on this page (section Service account).", HelpServiceAccount
	case st.State == saOK:
		ch.Granted, ch.Detail = true, st.Detail
	case st.State == saUnverified:
		ch.Detail, ch.Fix = "Set for "+st.Username+" but not used yet: select Sync now; the sync signs in and this check then shows the result.", HelpServiceAccount
	default:
		ch.Detail, ch.Fix = st.Detail, HelpServiceAccount
	}
	return ch, true
}
