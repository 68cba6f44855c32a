package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// SSOConnection is an organisation's identity provider. Settings, Claims
// and GroupRoles are JSON documents owned by package sso; SealedSecret is
// the client secret sealed with the key vault ("" when none).
type SSOConnection struct {
	OrgID, ID, Kind, Name string
	Enabled               bool
	Settings              json.RawMessage
	SealedSecret          string
	Claims                json.RawMessage
	GroupRoles            json.RawMessage
	JIT                   bool
	JITRole               string
	Domains               []string // filled by the getters, sorted
	CreatedAt, UpdatedAt  time.Time
}

const ssoConnCols = `org_id, id, kind, name, enabled, settings, secret, claims, group_roles, jit, jit_role, created_at, updated_at`

func scanSSOConnection(s scanner) (SSOConnection, error) {
	var c SSOConnection
	var settings, claims, groups string
	err := s.Scan(&c.OrgID, &c.ID, &c.Kind, &c.Name, &c.Enabled, &settings, &c.SealedSecret, &claims, &groups, &c.JIT,
		&c.JITRole, &c.CreatedAt, &c.UpdatedAt)
	c.Settings, c.Claims, c.GroupRoles = json.RawMessage(settings), json.RawMessage(claims), json.RawMessage(groups)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func rawOr(r json.RawMessage, def string) string {
	if len(r) == 0 {
		return def
	}
	return string(r)
}

// errDomainTaken is the answer when a domain already belongs to a connection
// (of this or any other organisation).
func errDomainTaken(d string) error {
	return &domain.Error{Code: domain.CodeConflict, Field: "domains",
		Message: "the domain " + d + " is already used by another single sign-on connection"}
}

// CreateSSOConnection inserts c with its domains (timestamps set here).
// Call it in a transaction so a taken domain leaves nothing behind.
func (q *Queries) CreateSSOConnection(ctx context.Context, c SSOConnection) (SSOConnection, error) {
	now := domain.Now()
	c.CreatedAt, c.UpdatedAt = now, now
	_, err := q.w().exec(ctx, `INSERT INTO sso_connections (`+ssoConnCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.OrgID, c.ID, c.Kind, c.Name, c.Enabled, rawOr(c.Settings, "{}"), c.SealedSecret, rawOr(c.Claims, "{}"),
		rawOr(c.GroupRoles, "[]"), c.JIT, c.JITRole, now, now)
	if err != nil {
		return c, err
	}
	return c, q.setSSODomains(ctx, c.OrgID, c.ID, c.Domains, now)
}

// UpdateSSOConnection writes everything of c but its kind, and replaces
// its domains.
func (q *Queries) UpdateSSOConnection(ctx context.Context, c SSOConnection) error {
	now := domain.Now()
	res, err := q.w().exec(ctx, `UPDATE sso_connections SET name = ?, enabled = ?, settings = ?, secret = ?, claims = ?,
		group_roles = ?, jit = ?, jit_role = ?, updated_at = ? WHERE org_id = ? AND id = ?`, c.Name, c.Enabled,
		rawOr(c.Settings, "{}"), c.SealedSecret, rawOr(c.Claims, "{}"), rawOr(c.GroupRoles, "[]"), c.JIT, c.JITRole, now,
		c.OrgID, c.ID)
	if err := mustAffect(res, err, "single sign-on connection"); err != nil {
		return err
	}
	return q.setSSODomains(ctx, c.OrgID, c.ID, c.Domains, now)
}

func (q *Queries) setSSODomains(ctx context.Context, orgID, connID string, domains []string, now time.Time) error {
	if _, err := q.w().exec(ctx, `DELETE FROM sso_domains WHERE org_id = ? AND connection_id = ?`, orgID, connID); err != nil {
		return err
	}
	for _, d := range domains {
		_, err := q.w().exec(ctx, `INSERT INTO sso_domains (domain, org_id, connection_id, created_at) VALUES (?, ?, ?, ?)`,
			d, orgID, connID, now)
		if isUniqueViolation(err) {
			return errDomainTaken(d)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// DeleteSSOConnection removes a connection, its domains, its sign-ins under
// way, its linked identities, its remembered assertion IDs and its cached
// identity provider metadata.
func (q *Queries) DeleteSSOConnection(ctx context.Context, orgID, id string) error {
	for _, t := range []string{"sso_domains", "sso_states", "sso_identities", "sso_replay", "sso_idp_metadata", "sso_sessions"} {
		if _, err := q.w().exec(ctx, `DELETE FROM `+t+` WHERE org_id = ? AND connection_id = ?`, orgID, id); err != nil {
			return err
		}
	}
	res, err := q.w().exec(ctx, `DELETE FROM sso_connections WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "single sign-on connection")
}

func (q *Queries) ssoDomains(ctx context.Context, c *SSOConnection) error {
	rows, err := q.w().query(ctx, `SELECT domain FROM sso_domains WHERE org_id = ? AND connection_id = ? ORDER BY domain`,
		c.OrgID, c.ID)
	if err != nil {
		return err
	}
	c.Domains, err = scanAll(rows, func(s scanner) (string, error) { var d string; return d, s.Scan(&d) })
	if c.Domains == nil {
		c.Domains = []string{}
	}
	return err
}

// GetSSOConnection returns one connection of the organisation.
func (q *Queries) GetSSOConnection(ctx context.Context, orgID, id string) (SSOConnection, error) {
	c, err := scanSSOConnection(q.w().row(ctx, `SELECT `+ssoConnCols+` FROM sso_connections WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return c, notFound(err, "single sign-on connection")
	}
	return c, q.ssoDomains(ctx, &c)
}

// FindSSOConnection returns a connection by ID alone, for the callback URL
// (which names only the connection).
func (q *Queries) FindSSOConnection(ctx context.Context, id string) (SSOConnection, error) {
	c, err := scanSSOConnection(q.w().row(ctx, `SELECT `+ssoConnCols+` FROM sso_connections WHERE id = ?`, id))
	if err != nil {
		return c, notFound(err, "single sign-on connection")
	}
	return c, q.ssoDomains(ctx, &c)
}

// SSOConnectionForDomain returns the connection an email domain belongs to
// (not found when the domain is not federated).
func (q *Queries) SSOConnectionForDomain(ctx context.Context, emailDomain string) (SSOConnection, error) {
	c, err := scanSSOConnection(q.w().row(ctx, `SELECT `+prefixCols("c.", ssoConnCols)+` FROM sso_connections c
		JOIN sso_domains d ON d.org_id = c.org_id AND d.connection_id = c.id WHERE d.domain = ?`, emailDomain))
	if err != nil {
		return c, notFound(err, "single sign-on connection")
	}
	return c, q.ssoDomains(ctx, &c)
}

// ListSSOConnections returns the organisation's connections by name.
func (q *Queries) ListSSOConnections(ctx context.Context, orgID string) ([]SSOConnection, error) {
	rows, err := q.w().query(ctx, `SELECT `+ssoConnCols+` FROM sso_connections WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	list, err := scanAll(rows, scanSSOConnection)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if err := q.ssoDomains(ctx, &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// SSOState is a sign-in under way at an identity provider.
type SSOState struct {
	StateHash, OrgID, ConnectionID string
	Nonce, SealedVerifier, Next    string
	TestBy                         string // user ID when an administrator tests the connection
	ExpiresAt, CreatedAt           time.Time
}

// AddSSOState records a sign-in under way and drops expired ones.
func (q *Queries) AddSSOState(ctx context.Context, st SSOState) error {
	now := domain.Now()
	if _, err := q.w().exec(ctx, `DELETE FROM sso_states WHERE expires_at < ?`, now); err != nil {
		return err
	}
	st.CreatedAt = now
	_, err := q.w().exec(ctx, `INSERT INTO sso_states (state_hash, org_id, connection_id, nonce, verifier, next, test_by,
		expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.StateHash, st.OrgID, st.ConnectionID, st.Nonce,
		st.SealedVerifier, st.Next, st.TestBy, st.ExpiresAt, now)
	return err
}

// TakeSSOState returns and deletes the sign-in under way with this state
// hash: a state is usable once, and only by the process whose DELETE
// removed the row. Expired states are not found.
func (q *Queries) TakeSSOState(ctx context.Context, stateHash string) (SSOState, error) {
	var st SSOState
	err := q.w().row(ctx, `SELECT state_hash, org_id, connection_id, nonce, verifier, next, test_by, expires_at, created_at
		FROM sso_states WHERE state_hash = ?`, stateHash).Scan(&st.StateHash, &st.OrgID, &st.ConnectionID, &st.Nonce,
		&st.SealedVerifier, &st.Next, &st.TestBy, &st.ExpiresAt, &st.CreatedAt)
	if err != nil {
		return st, notFound(err, "sign-in state")
	}
	res, err := q.w().exec(ctx, `DELETE FROM sso_states WHERE state_hash = ?`, stateHash)
	if err := mustAffect(res, err, "sign-in state"); err != nil {
		return SSOState{}, err
	}
	st.ExpiresAt, st.CreatedAt = st.ExpiresAt.UTC(), st.CreatedAt.UTC()
	if !domain.Now().Before(st.ExpiresAt) {
		return SSOState{}, &domain.Error{Code: domain.CodeNotFound, Message: "sign-in state not found"}
	}
	return st, nil
}

// SeenSSOAssertion records a SAML assertion ID of a connection until the
// given time and reports whether it had been recorded before (a replay).
// The check and the record are one INSERT … ON CONFLICT DO NOTHING, so of
// several nodes receiving the same assertion exactly one sees it as new.
// Expired rows are swept first; an assertion past its expiry is refused by
// its own validity window, so forgetting it then is safe.
func (q *Queries) SeenSSOAssertion(ctx context.Context, orgID, connectionID, assertionID string, until time.Time) (bool, error) {
	now := domain.Now()
	if _, err := q.w().exec(ctx, `DELETE FROM sso_replay WHERE expires_at <= ?`, now); err != nil {
		return false, err
	}
	res, err := q.w().exec(ctx, `INSERT INTO sso_replay (org_id, connection_id, assertion_id, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (connection_id, assertion_id) DO NOTHING`, orgID, connectionID, assertionID,
		until.UTC(), now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 0, err
}

// SSOIdentityUser returns the user linked to a subject of a connection.
func (q *Queries) SSOIdentityUser(ctx context.Context, connectionID, subject string) (string, error) {
	var uid string
	err := q.w().row(ctx, `SELECT user_id FROM sso_identities WHERE connection_id = ? AND subject = ?`, connectionID, subject).Scan(&uid)
	return uid, notFound(err, "identity")
}

// LinkSSOIdentity links a subject of a connection to a user (or notes that
// it was seen again).
func (q *Queries) LinkSSOIdentity(ctx context.Context, orgID, connectionID, subject, userID string) error {
	now := domain.Now()
	res, err := q.w().exec(ctx, `UPDATE sso_identities SET last_seen_at = ? WHERE connection_id = ? AND subject = ? AND user_id = ?`,
		now, connectionID, subject, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = q.w().exec(ctx, `INSERT INTO sso_identities (org_id, connection_id, subject, user_id, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?)`, orgID, connectionID, subject, userID, now, now)
	return err
}

// prefixCols qualifies a comma-separated column list with a table alias.
func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// ClearPassword removes a user's local password (and the obligation to
// change a one-time one): users of a federated domain sign in at their
// identity provider only.
func (q *Queries) ClearPassword(ctx context.Context, userID string, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE users SET password_hash = '', must_change_password = FALSE, updated_at = ? WHERE id = ?`,
		at, userID)
	return mustAffect(res, err, "user")
}
