package store

import (
	"context"
	"slices"
	"time"
)

// SSOSession is how a Canopy session was signed in with single sign-on:
// what single logout needs. Subject is the SAML NameID or the OpenID
// Connect sub; SealedIDToken is the ID token sealed with the key vault
// (for id_token_hint), never in clear.
type SSOSession struct {
	TokenHash, OrgID, UserID, ConnectionID string
	Subject, NameIDFormat                  string
	NameQualifier, SPNameQualifier         string
	SessionIndex, SID, SealedIDToken       string
	CreatedAt                              time.Time
}

const ssoSessionCols = `token_hash, org_id, user_id, connection_id, subject, name_id_format, name_qualifier,
	sp_name_qualifier, session_index, oidc_sid, id_token, created_at`

func scanSSOSession(s scanner) (SSOSession, error) {
	var x SSOSession
	err := s.Scan(&x.TokenHash, &x.OrgID, &x.UserID, &x.ConnectionID, &x.Subject, &x.NameIDFormat, &x.NameQualifier,
		&x.SPNameQualifier, &x.SessionIndex, &x.SID, &x.SealedIDToken, &x.CreatedAt)
	x.CreatedAt = x.CreatedAt.UTC()
	return x, err
}

// RecordSSOSession notes how the session with this token hash was signed in.
func (q *Queries) RecordSSOSession(ctx context.Context, x SSOSession) error {
	_, err := q.w().exec(ctx, `INSERT INTO sso_sessions (`+ssoSessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET org_id = excluded.org_id, user_id = excluded.user_id,
		connection_id = excluded.connection_id, subject = excluded.subject, name_id_format = excluded.name_id_format,
		name_qualifier = excluded.name_qualifier, sp_name_qualifier = excluded.sp_name_qualifier,
		session_index = excluded.session_index, oidc_sid = excluded.oidc_sid, id_token = excluded.id_token,
		created_at = excluded.created_at`,
		x.TokenHash, x.OrgID, x.UserID, x.ConnectionID, x.Subject, x.NameIDFormat, x.NameQualifier, x.SPNameQualifier,
		x.SessionIndex, x.SID, x.SealedIDToken, x.CreatedAt.UTC())
	return err
}

// GetSSOSession returns how the session with this token hash was signed
// in; not found for a password session.
func (q *Queries) GetSSOSession(ctx context.Context, tokenHash string) (SSOSession, error) {
	x, err := scanSSOSession(q.w().row(ctx, `SELECT `+ssoSessionCols+` FROM sso_sessions WHERE token_hash = ?`, tokenHash))
	return x, notFound(err, "single sign-on session")
}

// EndSSOSessions ends every Canopy session signed in through a connection
// as subject (in the database, so on every node): those of one of
// sessionIndexes when any are given. It returns the ended sessions.
func (q *Queries) EndSSOSessions(ctx context.Context, connectionID, subject string, sessionIndexes []string) ([]SSOSession, error) {
	rows, err := q.w().query(ctx, `SELECT `+ssoSessionCols+` FROM sso_sessions WHERE connection_id = ? AND subject = ?
		ORDER BY created_at, token_hash`, connectionID, subject)
	if err != nil {
		return nil, err
	}
	all, err := scanAll(rows, scanSSOSession)
	if err != nil {
		return nil, err
	}
	var ended []SSOSession
	var hashes []string
	for _, x := range all {
		if len(sessionIndexes) > 0 && !slices.Contains(sessionIndexes, x.SessionIndex) {
			continue
		}
		ended = append(ended, x)
		hashes = append(hashes, x.TokenHash)
	}
	return ended, q.deleteSessionHashes(ctx, hashes)
}

// EndSSOSessionsBySID ends the Canopy sessions signed in through a
// connection with an OpenID provider session (its sid), in the database so
// on every node, and returns them.
func (q *Queries) EndSSOSessionsBySID(ctx context.Context, connectionID, sid string) ([]SSOSession, error) {
	rows, err := q.w().query(ctx, `SELECT `+ssoSessionCols+` FROM sso_sessions WHERE connection_id = ? AND oidc_sid = ?
		AND oidc_sid <> '' ORDER BY created_at, token_hash`, connectionID, sid)
	if err != nil {
		return nil, err
	}
	ended, err := scanAll(rows, scanSSOSession)
	if err != nil {
		return nil, err
	}
	hashes := make([]string, 0, len(ended))
	for _, x := range ended {
		hashes = append(hashes, x.TokenHash)
	}
	return ended, q.deleteSessionHashes(ctx, hashes)
}
