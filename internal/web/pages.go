package web

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// Page is what Render accepts: a typed view model that names its template
// and carries the shared Layout (by embedding it).
type Page interface {
	// Template is the page's file name in templates/ without ".html".
	Template() string
	layout() *Layout
}

// Layout is embedded in every page struct; the shell templates read it.
type Layout struct {
	Title       string // overrides the page's default <title> when set
	CurrentUser *UserView
	CurrentOrg  *OrgView
	Orgs        []OrgView       // organisations the user may switch to
	Active      string          // nav key of the current area, e.g. NavSpend
	Can         map[string]bool // permission keys the user holds
	Flash       *Flash
	RequestID   string
}

// layout seals Page: only structs embedding Layout satisfy it.
func (l Layout) layout() *Layout { return &l }

// Allows reports whether the user holds at least one of the permissions.
func (l Layout) Allows(perms ...string) bool {
	for _, p := range perms {
		if l.Can[p] {
			return true
		}
	}
	return false
}

// ShowOrgSwitcher is true when there is more than one organisation to pick.
func (l Layout) ShowOrgSwitcher() bool { return len(l.Orgs) > 1 }

// IsCurrentOrg marks the selected option in the org switcher.
func (l Layout) IsCurrentOrg(id string) bool {
	return l.CurrentOrg != nil && l.CurrentOrg.ID == id
}

// UserView is the signed-in person as the header shows them.
type UserView struct {
	ID    string
	Name  string
	Email string
}

// DisplayName falls back to the email when no name was given.
func (u UserView) DisplayName() string {
	if strings.TrimSpace(u.Name) != "" {
		return u.Name
	}
	return u.Email
}

// Initial is the first letter of the display name, for the avatar.
func (u UserView) Initial() string {
	for _, r := range u.DisplayName() {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// OrgView is an organisation in the header and org switcher.
type OrgView struct {
	ID   string
	Name string
}

// Flash kinds.
const (
	FlashSuccess = "success"
	FlashError   = "error"
	FlashInfo    = "info"
)

// Flash is a one-off message shown at the top of the next page.
type Flash struct {
	Kind    string // FlashSuccess, FlashError or FlashInfo
	Message string
}

// IsError tells the template to announce the message assertively.
func (f Flash) IsError() bool { return f.Kind == FlashError }

// FieldErrors maps a form field name to the message shown beside it.
type FieldErrors map[string]string

// Get returns the message for a field, or "" (safe on a nil map).
func (fe FieldErrors) Get(name string) string { return fe[name] }

// FormErrors is the error state of one form: a general message plus
// per-field messages. Pages with a single form embed it.
type FormErrors struct {
	Error       string
	FieldErrors FieldErrors
}

// SetErr files err under its field when it is a domain field error and as
// the general message otherwise. Foreign errors get domain's generic
// message so internals never reach the page.
func (f *FormErrors) SetErr(err error) {
	if err == nil {
		return
	}
	msg := domain.ErrorMessage(err)
	if field := domain.ErrorField(err); field != "" {
		if f.FieldErrors == nil {
			f.FieldErrors = FieldErrors{}
		}
		f.FieldErrors[field] = msg
		return
	}
	f.Error = msg
}

// HasErrors reports whether anything is to be shown.
func (f FormErrors) HasErrors() bool { return f.Error != "" || len(f.FieldErrors) > 0 }

// HomePage is the overview: a welcome and a card per product area.
type HomePage struct {
	Layout
	Cards []AreaCard // build with NewAreaCards
}

func (HomePage) Template() string { return "home" }

// AreaPage stands in for a product area that is not built yet.
type AreaPage struct {
	Layout
	Area        string // display name, e.g. "Budgets"
	Description string // what the area will do, one or two sentences
}

func (AreaPage) Template() string { return "area" }

// NewAreaPage fills an AreaPage from the area catalogue; ok is false for
// an unknown key.
func NewAreaPage(key string) (p AreaPage, ok bool) {
	a, ok := AreaByKey(key)
	if !ok {
		return AreaPage{}, false
	}
	p = AreaPage{Area: a.Name, Description: a.Description}
	p.Active = a.Key
	return p, true
}

// ErrorPage reports a failed request (403, 404, 500...). Layout.Title is
// the heading; it defaults to the HTTP status text.
type ErrorPage struct {
	Layout
	Status  int
	Message string
}

func (ErrorPage) Template() string { return "error" }

// Heading is the page's title: Layout.Title or the status text.
func (p ErrorPage) Heading() string {
	if p.Title != "" {
		return p.Title
	}
	if t := http.StatusText(p.Status); t != "" {
		return t
	}
	return "Something went wrong"
}

// NewErrorPage builds the common error pages with their standard wording.
func NewErrorPage(status int) ErrorPage {
	p := ErrorPage{Status: status}
	switch status {
	case http.StatusForbidden:
		p.Title = "You do not have permission"
		p.Message = "Your role does not allow this. Ask an administrator of your organisation if you need access."
	case http.StatusServiceUnavailable:
		p.Title = "Canopy is busy"
		p.Message = "Canopy is answering many cost questions at the moment. Try again in a few seconds."
	case http.StatusNotFound:
		p.Title = "Page not found"
		p.Message = "There is nothing at this address. It may have moved, or the link may be mistyped."
	default:
		p.Title = "Something went wrong"
		p.Message = "Canopy could not complete this request. Try again; if it keeps happening, give the reference below to your administrator."
	}
	return p
}
