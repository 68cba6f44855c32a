package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// SSOMetadata is the cached identity provider metadata of a connection
// (table sso_idp_metadata). XML and FetchedAt are the last document that
// was fetched and parsed; LastError and ErrorAt the last refresh that
// failed since (empty after a success).
type SSOMetadata struct {
	OrgID, ConnectionID, URL, XML, LastError string
	FetchedAt, CheckedAt, ErrorAt            time.Time // zero when never
}

const ssoMetaCols = `org_id, connection_id, metadata_url, metadata_xml, fetched_at, checked_at, last_error, error_at`

func scanSSOMetadata(s scanner) (SSOMetadata, error) {
	var m SSOMetadata
	var fetched, errAt sql.NullTime
	err := s.Scan(&m.OrgID, &m.ConnectionID, &m.URL, &m.XML, &fetched, &m.CheckedAt, &m.LastError, &errAt)
	if fetched.Valid {
		m.FetchedAt = fetched.Time.UTC()
	}
	if errAt.Valid {
		m.ErrorAt = errAt.Time.UTC()
	}
	m.CheckedAt = m.CheckedAt.UTC()
	return m, err
}

// GetSSOMetadata returns a connection's cached metadata (not found when
// none was ever fetched or attempted).
func (q *Queries) GetSSOMetadata(ctx context.Context, orgID, connectionID string) (SSOMetadata, error) {
	m, err := scanSSOMetadata(q.w().row(ctx, `SELECT `+ssoMetaCols+` FROM sso_idp_metadata WHERE org_id = ? AND connection_id = ?`,
		orgID, connectionID))
	return m, notFound(err, "identity provider metadata")
}

// ListSSOMetadata returns the cached metadata of the organisation's
// connections, by connection ID.
func (q *Queries) ListSSOMetadata(ctx context.Context, orgID string) (map[string]SSOMetadata, error) {
	rows, err := q.w().query(ctx, `SELECT `+ssoMetaCols+` FROM sso_idp_metadata WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	list, err := scanAll(rows, scanSSOMetadata)
	out := make(map[string]SSOMetadata, len(list))
	for _, m := range list {
		out[m.ConnectionID] = m
	}
	return out, err
}

// SaveSSOMetadata records a successful fetch of url: the document
// replaces the cached one and the last error is cleared.
func (q *Queries) SaveSSOMetadata(ctx context.Context, orgID, connectionID, url, xml string) error {
	now := domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO sso_idp_metadata (`+ssoMetaCols+`) VALUES (?, ?, ?, ?, ?, ?, '', NULL)
		ON CONFLICT (connection_id) DO UPDATE SET metadata_url = excluded.metadata_url, metadata_xml = excluded.metadata_xml,
		fetched_at = excluded.fetched_at, checked_at = excluded.checked_at, last_error = '', error_at = NULL
		WHERE sso_idp_metadata.org_id = excluded.org_id`, orgID, connectionID, url, xml, now, now)
	return err
}

// SaveSSOMetadataError records a failed fetch of url. The last good
// document stays when it came from the same URL; a document of another
// URL is dropped (the connection no longer names it).
func (q *Queries) SaveSSOMetadataError(ctx context.Context, orgID, connectionID, url, message string) error {
	now := domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO sso_idp_metadata (`+ssoMetaCols+`) VALUES (?, ?, ?, '', NULL, ?, ?, ?)
		ON CONFLICT (connection_id) DO UPDATE SET
		metadata_xml = CASE WHEN sso_idp_metadata.metadata_url = excluded.metadata_url THEN sso_idp_metadata.metadata_xml ELSE '' END,
		fetched_at = CASE WHEN sso_idp_metadata.metadata_url = excluded.metadata_url THEN sso_idp_metadata.fetched_at ELSE NULL END,
		metadata_url = excluded.metadata_url, checked_at = excluded.checked_at, last_error = excluded.last_error,
		error_at = excluded.error_at
		WHERE sso_idp_metadata.org_id = excluded.org_id`, orgID, connectionID, url, now, domain.Truncate(message, 1000), now)
	return err
}

// AllSSOConnections returns every organisation's connections (without
// their domains), for the metadata refresh job.
func (q *Queries) AllSSOConnections(ctx context.Context) ([]SSOConnection, error) {
	rows, err := q.w().query(ctx, `SELECT `+ssoConnCols+` FROM sso_connections ORDER BY org_id, id`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanSSOConnection)
}
