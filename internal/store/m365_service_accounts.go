package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Collector key states.
const (
	CollectorKeyActive  = "active"
	CollectorKeyRetired = "retired"
)

// CollectorKey is one of the installation's collector key pairs: the
// public key as a JWK (JSON) and the private key sealed by the KeyVault.
type CollectorKey struct {
	KID           string
	Status        string
	PublicJWK     []byte
	PrivateSealed string
	CreatedAt     time.Time
	RetiredAt     *time.Time
}

// ErrActiveKeyExists is returned by CreateCollectorKey when another
// process made the active key first.
var ErrActiveKeyExists = errors.New("store: an active collector key exists already")

const collectorKeyCols = `kid, status, public_jwk, private_sealed, created_at, retired_at`

func scanCollectorKey(s scanner) (CollectorKey, error) {
	var k CollectorKey
	var jwk string
	var retired sql.NullTime
	err := s.Scan(&k.KID, &k.Status, &jwk, &k.PrivateSealed, &k.CreatedAt, &retired)
	k.PublicJWK, k.CreatedAt = []byte(jwk), k.CreatedAt.UTC()
	if retired.Valid {
		t := retired.Time.UTC()
		k.RetiredAt = &t
	}
	return k, err
}

// ActiveCollectorKey returns the active collector key (not found when
// none was made yet).
func (q *Queries) ActiveCollectorKey(ctx context.Context) (CollectorKey, error) {
	k, err := scanCollectorKey(q.r().row(ctx, `SELECT `+collectorKeyCols+` FROM collector_keys WHERE status = ?`, CollectorKeyActive))
	return k, notFound(err, "collector key")
}

// GetCollectorKey returns a key, active or retired, by its key ID.
func (q *Queries) GetCollectorKey(ctx context.Context, kid string) (CollectorKey, error) {
	k, err := scanCollectorKey(q.r().row(ctx, `SELECT `+collectorKeyCols+` FROM collector_keys WHERE kid = ?`, kid))
	return k, notFound(err, "collector key")
}

// ListCollectorKeys returns every key, newest first.
func (q *Queries) ListCollectorKeys(ctx context.Context) ([]CollectorKey, error) {
	rows, err := q.r().query(ctx, `SELECT `+collectorKeyCols+` FROM collector_keys ORDER BY created_at DESC, kid`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanCollectorKey)
}

// CreateCollectorKey stores k as the active key. It fails with
// ErrActiveKeyExists when there is one already (a unique index holds at
// most one active key, so two processes racing to make the first key end
// up using the same one).
func (q *Queries) CreateCollectorKey(ctx context.Context, k CollectorKey) (CollectorKey, error) {
	k.Status = CollectorKeyActive
	k.CreatedAt = domain.Now().UTC().Truncate(time.Microsecond)
	_, err := q.w().exec(ctx, `INSERT INTO collector_keys (kid, status, public_jwk, private_sealed, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.KID, k.Status, string(k.PublicJWK), k.PrivateSealed, k.CreatedAt)
	if isUniqueViolation(err) {
		return k, ErrActiveKeyExists
	}
	return k, err
}

// RetireCollectorKey marks an active key retired.
func (q *Queries) RetireCollectorKey(ctx context.Context, kid string) error {
	res, err := q.w().exec(ctx, `UPDATE collector_keys SET status = ?, retired_at = ? WHERE kid = ? AND status = ?`,
		CollectorKeyRetired, domain.Now().UTC().Truncate(time.Microsecond), kid, CollectorKeyActive)
	return mustAffect(res, err, "active collector key")
}

// M365ServiceAccount is a Microsoft 365 connection's user-context service
// account: the user principal name and the password as a compact JWE
// encrypted to collector key KID.
type M365ServiceAccount struct {
	OrgID, ConnectionID string
	Username            string
	PasswordJWE         string
	KID                 string
	SetAt               time.Time
	SetBy               string
	LastUsedAt          *time.Time
	CheckState          string
	CheckDetail         string
	CheckedAt           *time.Time
}

// Service account check states (what the collector last saw).
const (
	ServiceAccountUnverified    = "unverified"
	ServiceAccountOK            = "ok"
	ServiceAccountWrongPassword = "wrong_password"
	ServiceAccountFailed        = "failed"
)

const serviceAccountCols = `org_id, connection_id, username, password_jwe, kid, set_at, set_by, last_used_at,
	check_state, check_detail, checked_at`

func scanServiceAccount(s scanner) (M365ServiceAccount, error) {
	var a M365ServiceAccount
	var used, checked sql.NullTime
	err := s.Scan(&a.OrgID, &a.ConnectionID, &a.Username, &a.PasswordJWE, &a.KID, &a.SetAt, &a.SetBy, &used,
		&a.CheckState, &a.CheckDetail, &checked)
	a.SetAt = a.SetAt.UTC()
	a.LastUsedAt, a.CheckedAt = utcPtr(used), utcPtr(checked)
	return a, err
}

func utcPtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// PutM365ServiceAccount stores (or replaces) a connection's service
// account; its check state starts over as unverified. The connection must
// be the organisation's.
func (q *Queries) PutM365ServiceAccount(ctx context.Context, a M365ServiceAccount) (M365ServiceAccount, error) {
	if _, err := q.GetConnection(ctx, a.OrgID, a.ConnectionID); err != nil {
		return a, err
	}
	a.SetAt = domain.Now().UTC().Truncate(time.Microsecond)
	a.CheckState, a.CheckDetail, a.LastUsedAt, a.CheckedAt = ServiceAccountUnverified, "", nil, nil
	_, err := q.w().exec(ctx, `DELETE FROM m365_service_accounts WHERE org_id = ? AND connection_id = ?`, a.OrgID, a.ConnectionID)
	if err != nil {
		return a, err
	}
	_, err = q.w().exec(ctx, `INSERT INTO m365_service_accounts (org_id, connection_id, username, password_jwe, kid, set_at, set_by,
		check_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.OrgID, a.ConnectionID, a.Username, a.PasswordJWE, a.KID, a.SetAt, a.SetBy,
		a.CheckState)
	return a, err
}

// GetM365ServiceAccount returns a connection's service account.
func (q *Queries) GetM365ServiceAccount(ctx context.Context, orgID, connectionID string) (M365ServiceAccount, error) {
	a, err := scanServiceAccount(q.r().row(ctx, `SELECT `+serviceAccountCols+` FROM m365_service_accounts
		WHERE org_id = ? AND connection_id = ?`, orgID, connectionID))
	return a, notFound(err, "service account")
}

// DeleteM365ServiceAccount removes a connection's service account.
func (q *Queries) DeleteM365ServiceAccount(ctx context.Context, orgID, connectionID string) error {
	res, err := q.w().exec(ctx, `DELETE FROM m365_service_accounts WHERE org_id = ? AND connection_id = ?`, orgID, connectionID)
	return mustAffect(res, err, "service account")
}

// ListM365ServiceAccountsByKey returns every organisation's service
// accounts encrypted to kid ("" for all), for key rotation.
func (q *Queries) ListM365ServiceAccountsByKey(ctx context.Context, kid string) ([]M365ServiceAccount, error) {
	where, args := "", []any{}
	if kid != "" {
		where, args = " WHERE kid = ?", append(args, kid)
	}
	rows, err := q.r().query(ctx, `SELECT `+serviceAccountCols+` FROM m365_service_accounts`+where+` ORDER BY org_id, connection_id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanServiceAccount)
}

// ReencryptM365ServiceAccount replaces an account's JWE with one of
// another key (rotation); nothing else changes.
func (q *Queries) ReencryptM365ServiceAccount(ctx context.Context, orgID, connectionID, oldKID, jwe, kid string) error {
	res, err := q.w().exec(ctx, `UPDATE m365_service_accounts SET password_jwe = ?, kid = ? WHERE org_id = ? AND connection_id = ? AND kid = ?`,
		jwe, kid, orgID, connectionID, oldKID)
	return mustAffect(res, err, "service account")
}

// RecordM365ServiceAccountCheck stores what the collector saw when it
// used the account: state, detail and (when the sign-in worked) the time
// it was last used.
func (q *Queries) RecordM365ServiceAccountCheck(ctx context.Context, orgID, connectionID, state, detail string, used bool) error {
	now := domain.Now().UTC().Truncate(time.Microsecond)
	var usedAt any
	if used {
		usedAt = now
	}
	res, err := q.w().exec(ctx, `UPDATE m365_service_accounts SET check_state = ?, check_detail = ?, checked_at = ?,
		last_used_at = COALESCE(?, last_used_at) WHERE org_id = ? AND connection_id = ?`, state, detail, now, usedAt, orgID, connectionID)
	return mustAffect(res, err, "service account")
}
