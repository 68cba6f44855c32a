package m365analytics

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Why the mailbox statistics are missing: they are read through Exchange
// Online with the connection's user-context service account.
const (
	// ReasonServiceAccountMissing: the connection has no service account.
	ReasonServiceAccountMissing = "service_account_missing"
	// ReasonServiceAccountFailed: the last sign-in (or the mailbox
	// statistics call) with the service account failed.
	ReasonServiceAccountFailed = "service_account_failed"
)

// TableMailboxes is the CSV export of every mailbox.
const TableMailboxes = "mailboxes"

// mailboxListLimit bounds the largest and no-logon lists.
const mailboxListLimit = 20

// MailboxRow is one mailbox of the latest snapshot.
type MailboxRow struct {
	ID            string     `json:"mailbox_id"`
	UPN           string     `json:"user_principal_name"`
	DisplayName   string     `json:"display_name"`
	Type          string     `json:"recipient_type"`
	TotalBytes    int64      `json:"total_bytes"`
	ItemCount     int64      `json:"item_count"`
	ArchiveStatus string     `json:"archive_status"`
	ArchiveBytes  int64      `json:"archive_bytes"`
	LastLogonAt   *time.Time `json:"last_logon_at"`
	Licensed      bool       `json:"licensed"`
}

// MailboxTypeRow is the count and storage of one mailbox type.
type MailboxTypeRow struct {
	Type         string `json:"recipient_type"`
	Mailboxes    int64  `json:"mailboxes"`
	TotalBytes   int64  `json:"total_bytes"`
	ArchiveBytes int64  `json:"archive_bytes"`
	Items        int64  `json:"items"`
}

// Mailboxes is the mailbox section of one connection.
type Mailboxes struct {
	SnapshotDate string           `json:"snapshot_date"`
	ByType       []MailboxTypeRow `json:"by_type"`
	Total        MailboxTypeRow   `json:"total"`
	// LicensedShared are shared and room mailboxes whose directory user
	// holds a licence: such mailboxes (up to 50 GB, no archive) need none.
	LicensedShared []MailboxRow `json:"licensed_shared"`
	NoLogon30      int64        `json:"no_logon_30_days"`
	NoLogon90      int64        `json:"no_logon_90_days"`
	// Stale are (up to 20) mailboxes without a logon in 90 days, oldest
	// logon first; Largest the 20 largest.
	Stale   []MailboxRow `json:"no_logon_90"`
	Largest []MailboxRow `json:"largest"`
	// All is every mailbox (the CSV export), largest first.
	All    []MailboxRow `json:"-"`
	NoData *NoData      `json:"no_data"`
	// Warning is set when the section shows an older snapshot because the
	// last use of the service account failed.
	Warning *NoData `json:"warning,omitempty"`
}

// Mailboxes returns the latest mailbox statistics of a connection, read
// by its service account through Exchange Online.
func (s *Service) Mailboxes(ctx context.Context, p *auth.Principal, connectionID string) (Mailboxes, error) {
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return Mailboxes{}, err
	}
	return s.mailboxes(ctx, sc)
}

func (s *Service) mailboxes(ctx context.Context, sc *scope) (Mailboxes, error) {
	out := Mailboxes{ByType: []MailboxTypeRow{}, LicensedShared: []MailboxRow{}, Stale: []MailboxRow{}, Largest: []MailboxRow{}}
	acct, err := s.Store.GetM365ServiceAccount(ctx, sc.p.Org.ID, sc.conn.ID)
	var de *domain.Error
	missing := errors.As(err, &de) && de.Code == domain.CodeNotFound
	if err != nil && !missing {
		return out, err
	}
	stats, err := s.Store.LatestM365MailboxStats(ctx, sc.p.Org.ID, sc.conn.ID)
	if err != nil {
		return out, err
	}
	fix := "/connections/" + sc.conn.ID + "#service-account"
	var failed *NoData
	if !missing && (acct.CheckState == store.ServiceAccountWrongPassword || acct.CheckState == store.ServiceAccountFailed) {
		failed = &NoData{Reason: ReasonServiceAccountFailed, Message: "The last sign-in with the service account " + acct.Username +
			" failed: " + acct.CheckDetail, FixURL: fix, FixLabel: "Fix the service account"}
	}
	if len(stats) == 0 {
		switch {
		case missing:
			out.NoData = &NoData{Reason: ReasonServiceAccountMissing, Message: "This report needs a user-context service account: " +
				"Exchange Online answers mailbox statistics (Get-MailboxStatistics) only to a signed-in user with the Exchange " +
				"Administrator or Global Reader role, never to Canopy's app. Set one on the connection page.",
				FixURL: fix, FixLabel: "Set a service account"}
		case failed != nil:
			out.NoData = failed
		case acct.CheckState == store.ServiceAccountUnverified:
			out.NoData = &NoData{Reason: ReasonNotCollected, Message: "The service account " + acct.Username + " is set but has " +
				"not been used yet: the next sync of the connection reads the mailbox statistics.",
				FixURL: "/connections/" + sc.conn.ID, FixLabel: "See the connection's syncs"}
		default:
			out.NoData = &NoData{Reason: ReasonNoActivity, Message: "Exchange Online listed no mailboxes for this tenant."}
		}
		return out, nil
	}
	out.Warning = failed
	out.SnapshotDate = stats[0].SnapshotDate
	now := s.now()
	byType := map[string]*MailboxTypeRow{}
	for _, m := range stats {
		r := MailboxRow{ID: m.MailboxID, UPN: m.UPN, DisplayName: m.DisplayName, Type: m.RecipientType, TotalBytes: m.TotalBytes,
			ItemCount: m.ItemCount, ArchiveStatus: m.ArchiveStatus, ArchiveBytes: m.ArchiveBytes, LastLogonAt: m.LastLogonAt, Licensed: m.Licensed}
		out.All = append(out.All, r)
		t := byType[r.Type]
		if t == nil {
			t = &MailboxTypeRow{Type: r.Type}
			byType[r.Type] = t
		}
		for _, agg := range []*MailboxTypeRow{t, &out.Total} {
			agg.Mailboxes++
			agg.TotalBytes += r.TotalBytes
			agg.ArchiveBytes += r.ArchiveBytes
			agg.Items += r.ItemCount
		}
		if r.Licensed && (r.Type == "SharedMailbox" || r.Type == "RoomMailbox") {
			out.LicensedShared = append(out.LicensedShared, r)
		}
		if r.LastLogonAt == nil || r.LastLogonAt.Before(now.AddDate(0, 0, -30)) {
			out.NoLogon30++
		}
		if r.LastLogonAt == nil || r.LastLogonAt.Before(now.AddDate(0, 0, -90)) {
			out.NoLogon90++
			out.Stale = append(out.Stale, r)
		}
	}
	out.Total.Type = "all"
	for _, t := range byType {
		out.ByType = append(out.ByType, *t)
	}
	slices.SortFunc(out.ByType, func(a, b MailboxTypeRow) int {
		if a.Mailboxes != b.Mailboxes {
			return int(b.Mailboxes - a.Mailboxes)
		}
		return cmpStr(a.Type, b.Type)
	})
	slices.SortStableFunc(out.Stale, func(a, b MailboxRow) int {
		switch {
		case a.LastLogonAt == nil && b.LastLogonAt == nil:
			return 0
		case a.LastLogonAt == nil:
			return -1
		case b.LastLogonAt == nil:
			return 1
		}
		return a.LastLogonAt.Compare(*b.LastLogonAt)
	})
	out.Stale = out.Stale[:min(len(out.Stale), mailboxListLimit)]
	out.Largest = append(out.Largest, out.All[:min(len(out.All), mailboxListLimit)]...)
	return out, nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// WriteMailboxesCSV writes every mailbox of the snapshot.
func WriteMailboxesCSV(w io.Writer, m Mailboxes) error {
	rows := make([][]string, 0, len(m.All))
	for _, r := range m.All {
		logon := ""
		if r.LastLogonAt != nil {
			logon = r.LastLogonAt.Format(time.RFC3339)
		}
		rows = append(rows, []string{m.SnapshotDate, r.UPN, r.ID, r.DisplayName, r.Type, i64(r.TotalBytes), i64(r.ItemCount),
			r.ArchiveStatus, i64(r.ArchiveBytes), logon, strconv.FormatBool(r.Licensed)})
	}
	return writeAll(w, []string{"snapshot_date", "user_principal_name", "mailbox_id", "display_name", "recipient_type", "total_bytes",
		"item_count", "archive_status", "archive_bytes", "last_logon_at", "licensed"}, rows)
}
