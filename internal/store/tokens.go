package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

const tokenCols = `id, org_id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at`

func scanToken(s scanner) (domain.APIToken, error) {
	var t domain.APIToken
	var exp, used, rev sql.NullTime
	err := s.Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &exp, &used, &rev)
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = timePtr(exp), timePtr(used), timePtr(rev)
	return t, err
}

// CreateAPIToken stores a token by its hash.
func (q *Queries) CreateAPIToken(ctx context.Context, t domain.APIToken, hash string) error {
	_, err := q.w().exec(ctx, `INSERT INTO api_tokens (id, org_id, user_id, name, token_hash, prefix, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.OrgID, t.UserID, t.Name, hash, t.Prefix, t.CreatedAt, optTime(t.ExpiresAt))
	return err
}

// GetAPITokenByHash finds a token by the hash of its secret.
func (q *Queries) GetAPITokenByHash(ctx context.Context, hash string) (domain.APIToken, error) {
	t, err := scanToken(q.r().row(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = ?`, hash))
	return t, notFound(err, "token")
}

// ListAPITokens returns a user's tokens in one org, newest first.
func (q *Queries) ListAPITokens(ctx context.Context, orgID, userID string) ([]domain.APIToken, error) {
	rows, err := q.r().query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE org_id = ? AND user_id = ?
		ORDER BY created_at DESC, id`, orgID, userID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanToken)
}

// RevokeAPIToken revokes a user's token in an org.
func (q *Queries) RevokeAPIToken(ctx context.Context, orgID, userID, id string, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?)
		WHERE id = ? AND org_id = ? AND user_id = ?`, at, id, orgID, userID)
	return mustAffect(res, err, "token")
}

// TouchAPIToken records when a token was last used.
func (q *Queries) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	_, err := q.w().exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, at, id)
	return err
}

// UserToken is a single-use link (reset, invitation).
type UserToken struct {
	UserID    string
	OrgID     string
	Purpose   string
	ExpiresAt time.Time
}

// CreateUserToken stores a single-use link by its hash, replacing earlier
// unused links of the same purpose so only the newest one works.
func (q *Queries) CreateUserToken(ctx context.Context, hash string, t UserToken, at time.Time) error {
	if _, err := q.w().exec(ctx, `DELETE FROM user_tokens WHERE user_id = ? AND purpose = ?`, t.UserID, t.Purpose); err != nil {
		return err
	}
	_, err := q.w().exec(ctx, `INSERT INTO user_tokens (token_hash, user_id, org_id, purpose, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, hash, t.UserID, t.OrgID, t.Purpose, at, t.ExpiresAt)
	return err
}

// PeekUserToken returns a link that is still usable, without using it.
func (q *Queries) PeekUserToken(ctx context.Context, hash, purpose string, now time.Time) (UserToken, error) {
	var t UserToken
	err := q.w().row(ctx, `SELECT user_id, org_id, purpose, expires_at FROM user_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`, hash, purpose, now).
		Scan(&t.UserID, &t.OrgID, &t.Purpose, &t.ExpiresAt)
	return t, notFound(err, "link")
}

// ConsumeUserToken uses a link exactly once; a used, expired or unknown
// link is not found.
func (q *Queries) ConsumeUserToken(ctx context.Context, hash, purpose string, now time.Time) (UserToken, error) {
	t, err := q.PeekUserToken(ctx, hash, purpose, now)
	if err != nil {
		return t, err
	}
	res, err := q.w().exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, now, hash)
	return t, mustAffect(res, err, "link")
}
