package web

import (
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/directory"
)

// DirectoryPage is the imported Microsoft 365 directory: the users with
// their licences (searchable, filtered by department and country) and
// the licences bought, assigned and unassigned.
type DirectoryPage struct {
	Layout
	FormErrors
	Filter      DirectoryFilter
	Departments []string
	Countries   []string
	Total       int // current users of every connection
	Users       []DirectoryUserRow
	SKUs        []DirectorySKURow
	Cursor      string // of the page shown
	NextCursor  string
}

func (DirectoryPage) Template() string { return "directory" }

// DirectoryFilter is the users table's query, as GET parameters.
type DirectoryFilter struct {
	Q, Department, Country string
}

// Values encodes the filter, leaving out empty fields.
func (f DirectoryFilter) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "department": f.Department, "country": f.Country} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// NextURL is the next page of the same filter.
func (p DirectoryPage) NextURL() string {
	v := p.Filter.Values()
	v.Set("cursor", p.NextCursor)
	return "/directory?" + v.Encode()
}

// FirstURL is the first page of the same filter.
func (p DirectoryPage) FirstURL() string {
	if v := p.Filter.Values().Encode(); v != "" {
		return "/directory?" + v
	}
	return "/directory"
}

// DirectoryUserRow is one user as the table shows it.
type DirectoryUserRow struct {
	ID, Name, UPN, Department, JobTitle, Country, City, UserType string
	Enabled                                                      bool
	Licences                                                     []string
}

// DirectorySKURow is one licence product with its unit counts.
type DirectorySKURow struct {
	SkuID, PartNumber, Status                string
	Purchased, Assigned, Unassigned, Blocked int64
}

func directoryUserRow(u directory.UserView) DirectoryUserRow {
	r := DirectoryUserRow{ID: u.ObjectID, Name: u.DisplayName, UPN: u.UserPrincipalName, Department: u.Department,
		JobTitle: u.JobTitle, Country: u.Country, City: u.City, UserType: u.UserType, Enabled: u.AccountEnabled}
	for _, l := range u.Licences {
		r.Licences = append(r.Licences, l.Name())
	}
	return r
}

func directorySKURow(k directory.SKUView) DirectorySKURow {
	return DirectorySKURow{SkuID: k.SkuID, PartNumber: k.SkuPartNumber, Status: k.CapabilityStatus, Purchased: k.Purchased,
		Assigned: k.Assigned, Unassigned: k.Unassigned, Blocked: k.PrepaidSuspended + k.PrepaidLockedOut}
}

// LicenceList joins a user's licences for the table.
func (r DirectoryUserRow) LicenceList() string { return strings.Join(r.Licences, ", ") }
