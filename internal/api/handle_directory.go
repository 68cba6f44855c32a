package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/directory"
)

// directoryRoutes are the read-only Microsoft 365 directory endpoints.
func (a *API) directoryRoutes() []route {
	return []route{
		signedIn("GET", "/directory/users", auth.PermM365Read, a.listDirectoryUsers),
		signedIn("GET", "/directory/skus", auth.PermM365Read, a.listDirectorySKUs),
	}
}

// directoryLicenceView is one licence of a user.
type directoryLicenceView struct {
	SkuID         string   `json:"sku_id"`
	SkuPartNumber string   `json:"sku_part_number"`
	DisabledPlans []string `json:"disabled_plans"`
}

// directoryUserView is a Microsoft 365 user with Graph's properties.
type directoryUserView struct {
	ConnectionID                  string                 `json:"connection_id"`
	ID                            string                 `json:"id"`
	DisplayName                   string                 `json:"display_name"`
	CompanyName                   string                 `json:"company_name"`
	Department                    string                 `json:"department"`
	GivenName                     string                 `json:"given_name"`
	Surname                       string                 `json:"surname"`
	JobTitle                      string                 `json:"job_title"`
	State                         string                 `json:"state"`
	PostalCode                    string                 `json:"postal_code"`
	StreetAddress                 string                 `json:"street_address"`
	City                          string                 `json:"city"`
	PreferredLanguage             string                 `json:"preferred_language"`
	UsageLocation                 string                 `json:"usage_location"`
	AssignedLicenses              []directoryLicenceView `json:"assigned_licenses"`
	UserPrincipalName             string                 `json:"user_principal_name"`
	OfficeLocation                string                 `json:"office_location"`
	OnPremisesExtensionAttributes map[string]string      `json:"on_premises_extension_attributes"`
	Country                       string                 `json:"country"`
	UserType                      string                 `json:"user_type"`
	AccountEnabled                bool                   `json:"account_enabled"`
	Mail                          string                 `json:"mail"`
	FirstSeen                     time.Time              `json:"first_seen"`
	LastSeen                      time.Time              `json:"last_seen"`
	DeletedAt                     *time.Time             `json:"deleted_at"`
}

func directoryUserOf(u directory.UserView) directoryUserView {
	v := directoryUserView{ConnectionID: u.ConnectionID, ID: u.ObjectID, DisplayName: u.DisplayName, CompanyName: u.CompanyName,
		Department: u.Department, GivenName: u.GivenName, Surname: u.Surname, JobTitle: u.JobTitle, State: u.State,
		PostalCode: u.PostalCode, StreetAddress: u.StreetAddress, City: u.City, PreferredLanguage: u.PreferredLanguage,
		UsageLocation: u.UsageLocation, UserPrincipalName: u.UserPrincipalName, OfficeLocation: u.OfficeLocation,
		OnPremisesExtensionAttributes: u.Extensions, Country: u.Country, UserType: u.UserType, AccountEnabled: u.AccountEnabled,
		Mail: u.Mail, FirstSeen: u.FirstSeen, LastSeen: u.LastSeen, DeletedAt: utcPtr(u.DeletedAt),
		AssignedLicenses: []directoryLicenceView{}}
	if v.OnPremisesExtensionAttributes == nil {
		v.OnPremisesExtensionAttributes = map[string]string{}
	}
	for _, l := range u.Licences {
		v.AssignedLicenses = append(v.AssignedLicenses, directoryLicenceView{SkuID: l.SkuID, SkuPartNumber: l.SkuPartNumber, DisabledPlans: l.DisabledPlans})
	}
	return v
}

// directorySKUView is a subscribed SKU with its unit counts.
type directorySKUView struct {
	ConnectionID     string    `json:"connection_id"`
	SkuID            string    `json:"sku_id"`
	SkuPartNumber    string    `json:"sku_part_number"`
	CapabilityStatus string    `json:"capability_status"`
	AppliesTo        string    `json:"applies_to"`
	PrepaidEnabled   int64     `json:"prepaid_enabled"`
	PrepaidSuspended int64     `json:"prepaid_suspended"`
	PrepaidWarning   int64     `json:"prepaid_warning"`
	PrepaidLockedOut int64     `json:"prepaid_locked_out"`
	ConsumedUnits    int64     `json:"consumed_units"`
	Purchased        int64     `json:"purchased"`
	Assigned         int64     `json:"assigned"`
	Unassigned       int64     `json:"unassigned"`
	ServicePlans     rawJSON   `json:"service_plans"`
	LastSeen         time.Time `json:"last_seen"`
}

func directorySKUOf(k directory.SKUView) directorySKUView {
	return directorySKUView{ConnectionID: k.ConnectionID, SkuID: k.SkuID, SkuPartNumber: k.SkuPartNumber,
		CapabilityStatus: k.CapabilityStatus, AppliesTo: k.AppliesTo, PrepaidEnabled: k.PrepaidEnabled,
		PrepaidSuspended: k.PrepaidSuspended, PrepaidWarning: k.PrepaidWarning, PrepaidLockedOut: k.PrepaidLockedOut,
		ConsumedUnits: k.ConsumedUnits, Purchased: k.Purchased, Assigned: k.Assigned, Unassigned: k.Unassigned,
		ServicePlans: rawJSON(k.ServicePlans), LastSeen: k.LastSeen.UTC()}
}

// rawJSON is stored JSON passed through as it is.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("[]"), nil
	}
	return r, nil
}

func (a *API) listDirectoryUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	f := directory.UserFilter{Search: strings.TrimSpace(q.Get("q")), Department: q.Get("department"), Country: q.Get("country"),
		ConnectionID: q.Get("connection_id"), IncludeDeleted: q.Get("include_deleted") == "true", Limit: limit, Cursor: cursor}
	users, next, err := directory.New(a.svc.Store).Users(r.Context(), c.P, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(users, directoryUserOf, next))
}

func (a *API) listDirectorySKUs(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, cursor, err := pageParams(r.URL.Query())
	if err != nil {
		return err
	}
	skus, next, err := directory.New(a.svc.Store).SKUs(r.Context(), c.P, limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(skus, directorySKUOf, next))
}
