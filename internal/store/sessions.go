package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// SessionStore keeps scs sessions in the database so every process serving
// the same database sees the same sessions. Tokens are stored hashed: a
// copy of the table does not hand out live sessions.
type SessionStore struct{ q *Queries }

// Sessions returns the scs store.
func (s *Store) Sessions() *SessionStore { return &SessionStore{q: &s.Queries} }

// HashSessionToken is how a cookie token is keyed in storage.
func HashSessionToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// FindCtx implements scs.CtxStore.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	// The read pool sees every committed session (SQLite WAL) and does
	// not queue behind writers (a cost import's transactions among them).
	err := s.q.r().row(ctx, `SELECT data FROM sessions WHERE token_hash = ? AND expiry > ?`,
		HashSessionToken(token), domain.Now()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// CommitCtx implements scs.CtxStore.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.q.w().exec(ctx, `INSERT INTO sessions (token_hash, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		HashSessionToken(token), b, expiry.UTC())
	return err
}

// DeleteCtx implements scs.CtxStore.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	h := HashSessionToken(token)
	if _, err := s.q.w().exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, h); err != nil {
		return err
	}
	if _, err := s.q.w().exec(ctx, `DELETE FROM sso_sessions WHERE token_hash = ?`, h); err != nil {
		return err
	}
	_, err := s.q.w().exec(ctx, `DELETE FROM session_info WHERE token_hash = ?`, h)
	return err
}

// Find, Commit and Delete satisfy scs.Store; scs prefers the Ctx variants.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// RecordSession notes who a (new) session token belongs to.
func (q *Queries) RecordSession(ctx context.Context, info domain.SessionInfo) error {
	_, err := q.w().exec(ctx, `INSERT INTO session_info (token_hash, id, user_id, ip, user_agent, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id,
		ip = excluded.ip, user_agent = excluded.user_agent, last_seen_at = excluded.last_seen_at`,
		info.TokenHash, info.ID, info.UserID, info.IP, info.UserAgent, info.CreatedAt, info.LastSeenAt)
	return err
}

// TouchSession updates when a session was last seen.
func (q *Queries) TouchSession(ctx context.Context, tokenHash, ip string, at time.Time) error {
	_, err := q.w().exec(ctx, `UPDATE session_info SET last_seen_at = ?, ip = ? WHERE token_hash = ?`, at, ip, tokenHash)
	return err
}

// ListSessions returns a user's live sessions, most recently seen first.
func (q *Queries) ListSessions(ctx context.Context, userID string) ([]domain.SessionInfo, error) {
	rows, err := q.r().query(ctx, `SELECT i.id, i.user_id, i.token_hash, i.ip, i.user_agent, i.created_at, i.last_seen_at
		FROM session_info i JOIN sessions s ON s.token_hash = i.token_hash
		WHERE i.user_id = ? AND s.expiry > ? ORDER BY i.last_seen_at DESC, i.id`, userID, domain.Now())
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (domain.SessionInfo, error) {
		var si domain.SessionInfo
		err := s.Scan(&si.ID, &si.UserID, &si.TokenHash, &si.IP, &si.UserAgent, &si.CreatedAt, &si.LastSeenAt)
		si.CreatedAt, si.LastSeenAt = si.CreatedAt.UTC(), si.LastSeenAt.UTC()
		return si, err
	})
}

// RevokeSession ends one of a user's sessions by its public ID.
func (q *Queries) RevokeSession(ctx context.Context, userID, sessionID string) error {
	var h string
	err := q.w().row(ctx, `SELECT token_hash FROM session_info WHERE id = ? AND user_id = ?`, sessionID, userID).Scan(&h)
	if err != nil {
		return notFound(err, "session")
	}
	return q.deleteSessionHashes(ctx, []string{h})
}

// RevokeUserSessions ends all of a user's sessions except the one whose
// token hash is keep ("" ends them all). It returns how many ended.
func (q *Queries) RevokeUserSessions(ctx context.Context, userID, keep string) (int, error) {
	rows, err := q.w().query(ctx, `SELECT token_hash FROM session_info WHERE user_id = ? AND token_hash <> ?`, userID, keep)
	if err != nil {
		return 0, err
	}
	hashes, err := scanAll(rows, func(s scanner) (string, error) { var h string; return h, s.Scan(&h) })
	if err != nil {
		return 0, err
	}
	return len(hashes), q.deleteSessionHashes(ctx, hashes)
}

func (q *Queries) deleteSessionHashes(ctx context.Context, hashes []string) error {
	for _, h := range hashes {
		if _, err := q.w().exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, h); err != nil {
			return err
		}
		if _, err := q.w().exec(ctx, `DELETE FROM session_info WHERE token_hash = ?`, h); err != nil {
			return err
		}
		if _, err := q.w().exec(ctx, `DELETE FROM sso_sessions WHERE token_hash = ?`, h); err != nil {
			return err
		}
	}
	return nil
}

// PruneExpired deletes expired sessions, links and rate-limit events.
func (q *Queries) PruneExpired(ctx context.Context, now time.Time) error {
	stmts := []struct {
		sql string
		arg time.Time
	}{
		{`DELETE FROM session_info WHERE token_hash IN (SELECT token_hash FROM sessions WHERE expiry <= ?)`, now},
		{`DELETE FROM sso_sessions WHERE token_hash IN (SELECT token_hash FROM sessions WHERE expiry <= ?)`, now},
		{`DELETE FROM sessions WHERE expiry <= ?`, now},
		{`DELETE FROM user_tokens WHERE expires_at <= ?`, now.Add(-24 * time.Hour)},
		{`DELETE FROM rate_events WHERE at <= ?`, now.Add(-24 * time.Hour)},
	}
	for _, s := range stmts {
		if _, err := q.w().exec(ctx, s.sql, s.arg); err != nil {
			return err
		}
	}
	return nil
}

// AddRateEvent records one event (e.g. a failed sign-in) under a key.
func (q *Queries) AddRateEvent(ctx context.Context, key string, at time.Time) error {
	_, err := q.w().exec(ctx, `INSERT INTO rate_events (key, at) VALUES (?, ?)`, key, at)
	return err
}

// CountRateEvents counts a key's events since a time.
func (q *Queries) CountRateEvents(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := q.w().row(ctx, `SELECT COUNT(*) FROM rate_events WHERE key = ? AND at > ?`, key, since).Scan(&n)
	return n, err
}

// ClearRateEvents forgets a key's events (e.g. after a good sign-in).
func (q *Queries) ClearRateEvents(ctx context.Context, key string) error {
	_, err := q.w().exec(ctx, `DELETE FROM rate_events WHERE key = ?`, key)
	return err
}
