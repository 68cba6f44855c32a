package sso

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/store"
)

// MetadataRefreshEvery is how often the leader refreshes the identity
// provider metadata of every connection that names a metadata URL.
const MetadataRefreshEvery = time.Hour

// MetadataStatus is the state of a connection's cached identity provider
// metadata, as the API and the settings page show it.
type MetadataStatus struct {
	URL       string     `json:"url"`
	FetchedAt *time.Time `json:"fetched_at"` // the document in use; nil: none yet
	LastError string     `json:"last_error,omitempty"`
	ErrorAt   *time.Time `json:"error_at,omitempty"`
}

func metadataStatus(m store.SSOMetadata, url string) *MetadataStatus {
	st := &MetadataStatus{URL: url}
	if m.URL != url {
		return st // cached for another URL: refreshed at the next save or tick
	}
	if !m.FetchedAt.IsZero() {
		t := m.FetchedAt
		st.FetchedAt = &t
	}
	if m.LastError != "" {
		t := m.ErrorAt
		st.LastError, st.ErrorAt = m.LastError, &t
	}
	return st
}

// metadataURLOf returns the metadata URL of a connection, "" when it has
// none (OpenID Connect, metadata as XML, settings by hand).
func metadataURLOf(c store.SSOConnection) string {
	switch {
	case isSAML(c.Kind):
		if st, err := samlSettings(c); err == nil {
			return st.MetadataURL
		}
	case IsWSFed(c.Kind):
		if st, err := wsfedSettings(c); err == nil {
			return st.MetadataURL
		}
	}
	return ""
}

// cachedMetadata returns the metadata document of url for c: the cached
// one, or fetched now (and cached) when there is none for that URL.
func (s *Service) cachedMetadata(ctx context.Context, c store.SSOConnection, url string) ([]byte, error) {
	m, err := s.Store.GetSSOMetadata(ctx, c.OrgID, c.ID)
	if err == nil && m.URL == url && m.XML != "" {
		return []byte(m.XML), nil
	}
	if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		return nil, err
	}
	return s.RefreshMetadata(ctx, c)
}

// RefreshMetadata fetches a connection's metadata URL, checks that the
// document is usable for its kind and caches it. A failure is recorded on
// the connection (the last good document stays in use) and returned.
func (s *Service) RefreshMetadata(ctx context.Context, c store.SSOConnection) ([]byte, error) {
	url := metadataURLOf(c)
	if url == "" {
		return nil, errors.New("sso: the connection has no metadata URL")
	}
	doc, err := s.fetchMetadata(ctx, c, url)
	if err != nil {
		if rerr := s.Store.SaveSSOMetadataError(ctx, c.OrgID, c.ID, url, err.Error()); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	return doc, s.Store.SaveSSOMetadata(ctx, c.OrgID, c.ID, url, string(doc))
}

func (s *Service) fetchMetadata(ctx context.Context, c store.SSOConnection, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml, text/xml")
	res, err := s.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching metadata: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching metadata: HTTP %d", res.StatusCode)
	}
	doc, err := io.ReadAll(io.LimitReader(res.Body, wsfed.MaxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading metadata: %w", err)
	}
	if IsWSFed(c.Kind) {
		_, err = wsfed.ParseMetadata(doc, nil)
	} else {
		_, err = saml.ParseIdPMetadata(doc)
	}
	if err != nil {
		return nil, fmt.Errorf("metadata unusable: %w", err)
	}
	return doc, nil
}

// RefreshAllMetadata refreshes every connection with a metadata URL, of
// every organisation; it returns how many were refreshed and the failures
// joined (each is also recorded on its connection).
func (s *Service) RefreshAllMetadata(ctx context.Context) (int, error) {
	list, err := s.Store.AllSSOConnections(ctx)
	if err != nil {
		return 0, err
	}
	n, errs := 0, []error{}
	for _, c := range list {
		if metadataURLOf(c) == "" {
			continue
		}
		if _, err := s.RefreshMetadata(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("connection %s: %w", c.ID, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// RefreshMetadataArgs is the job refreshing identity provider metadata.
type RefreshMetadataArgs struct{}

// Kind implements river.JobArgs.
func (RefreshMetadataArgs) Kind() string { return "sso_metadata_refresh" }

// InsertOpts: a failed tick is made up by the next one (failures are
// recorded on the connections).
func (RefreshMetadataArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// Register adds the refresh worker and its leader-only hourly schedule.
func (s *Service) Register(reg *jobs.Registry) {
	jobs.Register(reg, river.Worker[RefreshMetadataArgs](&refreshWorker{svc: s}))
	reg.AddPeriodic(MetadataRefreshEvery, func() (river.JobArgs, *river.InsertOpts) { return RefreshMetadataArgs{}, nil })
}

type refreshWorker struct {
	river.WorkerDefaults[RefreshMetadataArgs]
	svc *Service
}

// Work refreshes; per-connection failures are recorded on the connections
// and do not fail the job.
func (w *refreshWorker) Work(ctx context.Context, _ *river.Job[RefreshMetadataArgs]) error {
	_, _ = w.svc.RefreshAllMetadata(ctx)
	return nil
}
