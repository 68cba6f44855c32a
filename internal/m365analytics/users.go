package m365analytics

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// UserFilter picks a drill-down: the holders of a SKU (its ID or part
// number), or the users licensed for a service, optionally only the
// active or inactive ones.
type UserFilter struct {
	SKU     string
	Service string
	State   string // "", "active" or "inactive"
}

// UserRow is one user of a drill-down. Key is the user principal name,
// or the 32-hex hash the reports carry when names are concealed.
type UserRow struct {
	Key          string            `json:"key"`
	ObjectID     string            `json:"object_id,omitempty"`
	DisplayName  string            `json:"display_name"`
	LastActivity map[string]string `json:"last_activity"` // per service, "" none in the period
	Active       bool              `json:"active"`
	Products     string            `json:"products,omitempty"`
}

// UserList is a drill-down's users.
type UserList struct {
	Title      string    `json:"title"`
	ReportDate string    `json:"report_date"`
	Rows       []UserRow `json:"rows"`
	NoData     *NoData   `json:"no_data"`
	// Notice is set when rows exist but names are concealed (the SKU
	// holders' activity cannot be matched).
	Notice *NoData `json:"notice,omitempty"`
}

// Users returns a drill-down list.
func (s *Service) Users(ctx context.Context, p *auth.Principal, connectionID string, f UserFilter) (UserList, error) {
	if err := f.validate(); err != nil {
		return UserList{}, err
	}
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return UserList{}, err
	}
	imp, _, err := s.latest(ctx, sc, ReportActiveUsers)
	if err != nil {
		return UserList{}, err
	}
	var rows []store.M365UsageRow
	out := UserList{Rows: []UserRow{}}
	if imp != nil {
		out.ReportDate = imp.ReportDate
		if rows, err = s.Store.M365UsageRows(ctx, p.Org.ID, sc.conn.ID, ReportActiveUsers, imp.ReportDate); err != nil {
			return UserList{}, err
		}
	}
	if f.SKU != "" {
		return s.skuUsers(ctx, sc, f, rows, out)
	}
	return serviceUsers(sc, f, rows, out), nil
}

func (f UserFilter) validate() error {
	switch {
	case f.SKU == "" && f.Service == "":
		return domain.FieldError("sku", "Name a SKU or a service to list users of.")
	case f.Service != "" && ServiceLabels[f.Service] == "":
		return domain.FieldError("service", "Choose exchange, onedrive, sharepoint or teams.")
	case f.State != "" && f.State != "active" && f.State != "inactive":
		return domain.FieldError("state", "Choose active or inactive.")
	}
	return nil
}

// serviceUsers lists the users licensed for a service in the latest
// Active User Detail report.
func serviceUsers(sc *scope, f UserFilter, rows []store.M365UsageRow, out UserList) UserList {
	out.Title = ServiceLabels[f.Service] + ": " + stateLabel(f.State) + " users"
	for _, r := range rows {
		if !Licensed(r, f.Service) {
			continue
		}
		active := Active(LastActivity(r, f.Service), out.ReportDate)
		if (f.State == "active" && !active) || (f.State == "inactive" && active) {
			continue
		}
		out.Rows = append(out.Rows, userRow(r, active, out.ReportDate))
	}
	switch {
	case sc.st.Concealed && len(out.Rows) > 0:
		out.NoData = sc.concealedNotice()
	case len(out.Rows) == 0:
		out.NoData = sc.empty("No user licensed for " + ServiceLabels[f.Service] + " is " + stateLabel(f.State) +
			" in the " + itoa(PeriodDays) + " days up to " + out.ReportDate + ".")
	}
	return out
}

func userRow(r store.M365UsageRow, active bool, date string) UserRow {
	u := UserRow{Key: r.EntityKey, ObjectID: r.ObjectID, DisplayName: r.DisplayName, Active: active, Products: r.Products,
		LastActivity: map[string]string{}}
	for _, svc := range Services {
		if Licensed(r, svc) {
			u.LastActivity[svc] = LastActivity(r, svc)
		}
	}
	return u
}

func stateLabel(s string) string {
	if s == "" {
		return "all licensed"
	}
	return s
}

// skuUsers lists the directory's holders of a SKU with their activity
// (matched by object ID, or user principal name).
func (s *Service) skuUsers(ctx context.Context, sc *scope, f UserFilter, rows []store.M365UsageRow, out UserList) (UserList, error) {
	users, skus, err := s.Store.LicenceHolders(ctx, sc.p.Org.ID)
	if err != nil {
		return out, err
	}
	skuID, part := f.SKU, f.SKU
	for _, k := range skus {
		if k.ConnectionID == sc.conn.ID && (strings.EqualFold(k.SkuID, f.SKU) || strings.EqualFold(k.SkuPartNumber, f.SKU)) {
			skuID, part = k.SkuID, k.SkuPartNumber
		}
	}
	out.Title = "Holders of " + part
	byUser := map[string]store.M365UsageRow{}
	for _, r := range rows {
		byUser[r.ObjectID] = r
		byUser[strings.ToLower(r.EntityKey)] = r
	}
	for _, u := range users {
		if u.ConnectionID != sc.conn.ID || !holds(u, skuID) {
			continue
		}
		r, ok := byUser[u.ObjectID]
		if !ok {
			r, ok = byUser[strings.ToLower(u.UserPrincipalName)]
		}
		row := UserRow{Key: u.UserPrincipalName, ObjectID: u.ObjectID, DisplayName: u.DisplayName, LastActivity: map[string]string{}}
		if ok {
			row = userRow(r, false, out.ReportDate)
			row.Key, row.ObjectID, row.DisplayName = u.UserPrincipalName, u.ObjectID, u.DisplayName
			for _, svc := range Services {
				row.Active = row.Active || Active(row.LastActivity[svc], out.ReportDate)
			}
		}
		out.Rows = append(out.Rows, row)
	}
	if len(out.Rows) == 0 {
		out.NoData = sc.empty("No user of this tenant holds " + part + ".")
	} else if sc.st.Concealed {
		out.Notice = sc.concealedNotice()
	}
	return out, nil
}

func holds(u store.M365User, skuID string) bool {
	var list []struct {
		SkuID string `json:"skuId"`
	}
	_ = json.Unmarshal(u.AssignedLicenses, &list) // stored by the connector as Graph sent it
	for _, l := range list {
		if strings.EqualFold(l.SkuID, skuID) {
			return true
		}
	}
	return false
}

// Overview is everything the analytics page shows of one connection.
type Overview struct {
	Connection Connection   `json:"connection"`
	Status     Status       `json:"status"`
	Licences   Licences     `json:"licences"`
	Services   ServiceUsage `json:"services"`
	Reports    ReportTotals `json:"reports"`
	Trends     Trends       `json:"trends"`
	Mailboxes  Mailboxes    `json:"mailboxes"`
}

// Overview returns the connection's licences, service usage, report
// totals and the trends of the last days days.
func (s *Service) Overview(ctx context.Context, p *auth.Principal, connectionID string, days int) (Overview, error) {
	if days < 1 || days > 400 {
		return Overview{}, domain.FieldError("days", "Choose between 1 and 400 days.")
	}
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{Connection: connectionOf(sc.conn), Status: sc.st}
	if o.Licences, err = s.licences(ctx, sc); err != nil {
		return o, err
	}
	if o.Services, err = s.services(ctx, sc); err != nil {
		return o, err
	}
	if o.Reports, err = s.reports(ctx, sc); err != nil {
		return o, err
	}
	if o.Trends, err = s.trends(ctx, sc, days); err != nil {
		return o, err
	}
	o.Mailboxes, err = s.mailboxes(ctx, sc)
	return o, err
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
