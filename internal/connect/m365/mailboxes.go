package m365

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// MailboxStat is one mailbox as Exchange Online's Get-MailboxStatistics
// answers it through the admin API.
type MailboxStat struct {
	DisplayName          string  `json:"DisplayName"`
	UserPrincipalName    string  `json:"UserPrincipalName"`
	Identity             string  `json:"Identity"`
	ObjectID             string  `json:"ExternalDirectoryObjectId"`
	RecipientTypeDetails string  `json:"RecipientTypeDetails"`
	TotalItemSize        string  `json:"TotalItemSize"` // "1.2 GB (1,288,490,188 bytes)"
	ItemCount            int64   `json:"ItemCount"`
	ArchiveStatus        string  `json:"ArchiveStatus"`
	ArchiveTotalItemSize string  `json:"ArchiveTotalItemSize"`
	LastLogonTime        *string `json:"LastLogonTime"`
}

// maxMailboxPages bounds the pages one listing follows.
const maxMailboxPages = 10000

// MailboxStatistics runs Get-MailboxStatistics for every mailbox of the
// tenant through the admin API at base ("" = ExchangeBaseURL), following
// @odata.nextLink. Exchange Online answers it only to a signed-in user
// holding an Exchange or Global Reader role, so the client's tokens must
// be the service account's delegated ones.
func (c *Client) MailboxStatistics(ctx context.Context, base, tenant string, fn func(MailboxStat) error) error {
	if base == "" {
		base = ExchangeBaseURL
	}
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Get-MailboxStatistics",
		"Parameters": map[string]any{"ResultSize": "Unlimited"}}})
	if err != nil {
		return err
	}
	b := msapi.ParseBase(base, ExchangeBaseURL)
	next := msapi.Join(b, "/adminapi/beta/"+url.PathEscape(tenant)+"/InvokeCommand")
	for page := 0; next != ""; page++ {
		if page == maxMailboxPages {
			return fmt.Errorf("exchange: Get-MailboxStatistics: more than %d pages", maxMailboxPages)
		}
		if !msapi.SameHost(b, next) {
			return fmt.Errorf("exchange: Get-MailboxStatistics: next page on another host")
		}
		resp, err := c.api.Do(ctx, msapi.Request{Method: http.MethodPost, URL: next, Body: body})
		if err != nil {
			return err
		}
		var out struct {
			Value []MailboxStat `json:"value"`
			Next  string        `json:"@odata.nextLink"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("exchange: Get-MailboxStatistics: unexpected answer: %w", err)
		}
		for _, m := range out.Value {
			if err := fn(m); err != nil {
				return err
			}
		}
		next = out.Next
	}
	return nil
}

// exoBytes reads the byte count of an Exchange ByteQuantifiedSize string
// ("1.2 GB (1,288,490,188 bytes)"); a bare number is taken as bytes.
func exoBytes(s string) int64 {
	if i := strings.LastIndex(s, "("); i >= 0 {
		s = strings.TrimSuffix(strings.TrimSpace(s[i+1:]), ")")
		s = strings.TrimSuffix(s, " bytes")
	}
	n, _ := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
	return n
}

// storeMailbox converts a mailbox's statistics to its stored row;
// licensed says whether its directory user holds a licence.
func storeMailbox(m MailboxStat, licensed map[string]bool) store.M365MailboxStat {
	upn := m.UserPrincipalName
	if upn == "" {
		upn = m.Identity
	}
	id := m.ObjectID
	if id == "" {
		id = strings.ToLower(upn)
	}
	row := store.M365MailboxStat{MailboxID: id, UPN: upn, DisplayName: m.DisplayName, RecipientType: m.RecipientTypeDetails,
		TotalBytes: exoBytes(m.TotalItemSize), ItemCount: m.ItemCount, ArchiveStatus: m.ArchiveStatus,
		ArchiveBytes: exoBytes(m.ArchiveTotalItemSize), Licensed: licensed[m.ObjectID]}
	if m.LastLogonTime != nil {
		if t, err := time.Parse(time.RFC3339, *m.LastLogonTime); err == nil {
			t = t.UTC()
			row.LastLogonAt = &t
		}
	}
	return row
}

// licensedUsers is the set of directory users holding a licence.
func licensedUsers(users []store.M365User) map[string]bool {
	out := map[string]bool{}
	for _, u := range users {
		if s := strings.TrimSpace(string(u.AssignedLicenses)); s != "" && s != "[]" && s != "null" {
			out[u.ObjectID] = true
		}
	}
	return out
}

// collectMailboxes reads the mailbox statistics with the service
// account's client and stores them as today's snapshot.
func collectMailboxes(ctx context.Context, cl *Client, st *store.Store, base, orgID, connID, tenant string, licensed map[string]bool) (int, error) {
	var rows []store.M365MailboxStat
	err := cl.MailboxStatistics(ctx, base, tenant, func(m MailboxStat) error {
		rows = append(rows, storeMailbox(m, licensed))
		return nil
	})
	if err != nil {
		return 0, err
	}
	day := domain.Now().UTC().Format(time.DateOnly)
	return len(rows), st.ReplaceM365MailboxStats(ctx, orgID, connID, day, rows)
}
