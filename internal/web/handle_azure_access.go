package web

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/domain"
)

// azureLevels are the per-subscription access levels as the customer
// chooses them (issue 5's names), in order of what Canopy may do.
var azureLevels = []struct {
	level azureconn.AccessLevel
	label string
}{
	{azureconn.ReadWriteTags, "Read and Write Tags"},
	{azureconn.ReadTagsOnly, "Read Tags Only"},
	{azureconn.NoTags, "No Tags"},
	{azureconn.NoResources, "No Resources"},
}

// AzureAccessView is an Azure connection's access-level form: each
// subscription with the level every sync (and tag write-back) honours.
type AzureAccessView struct {
	ConnID       string
	Rows         []AzureAccessRow
	TagWrite     bool
	Reservations bool
	PartnerID    string
}

// AzureAccessRow is one subscription and its level's options.
type AzureAccessRow struct {
	SubscriptionID string
	Levels         []AzureLevelOption
}

// AzureLevelOption is one access level of a subscription's select.
type AzureLevelOption struct {
	Value, Label string
	Selected     bool
}

// AzureAccess is the form of an Azure connection (nil for other kinds or
// settings that do not parse).
func (p ConnectionPage) AzureAccess() *AzureAccessView {
	if p.Conn.Kind != string(connect.KindAzure) {
		return nil
	}
	var st azureconn.Settings
	if json.Unmarshal([]byte(p.Form.Settings), &st) != nil {
		return nil
	}
	v := &AzureAccessView{ConnID: p.Conn.ID, TagWrite: st.TagWrite, Reservations: st.Reservations, PartnerID: st.PartnerID}
	for _, sub := range slices.Sorted(maps.Keys(st.Subscriptions)) {
		current := st.Subscriptions[sub]
		if current == "" {
			current = st.DefaultAccessLevel
		}
		row := AzureAccessRow{SubscriptionID: sub}
		for i, l := range azureLevels {
			sel := strings.EqualFold(current, l.level.String()) || (current == "" && i == 0)
			row.Levels = append(row.Levels, AzureLevelOption{Value: l.level.String(), Label: l.label, Selected: sel})
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// saveAzureAccess stores the subscriptions' access levels and the two
// options; the next sync honours them.
func (s *Server) saveAzureAccess(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	c, err := s.Connections.Get(ctx, p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var st azureconn.Settings
	if c.Kind != string(connect.KindAzure) || json.Unmarshal(c.Settings, &st) != nil {
		s.fail(w, r, domain.Errorf(domain.CodeNotFound, "no Azure connection %s", id))
		return
	}
	for sub := range st.Subscriptions {
		level, ok := azureconn.ParseAccessLevel(r.PostFormValue("level-" + sub))
		if !ok {
			s.fail(w, r, domain.FieldError("level-"+sub, "choose an access level for subscription %s", sub))
			return
		}
		st.Subscriptions[sub] = level.String()
	}
	st.TagWrite, st.Reservations = r.PostFormValue("tag_write") == "on", r.PostFormValue("reservations") == "on"
	st.PartnerID = strings.TrimSpace(r.PostFormValue("partner_id"))
	if !validPartnerID(st.PartnerID) {
		s.fail(w, r, domain.FieldError("partner_id", "a Microsoft partner ID is 6 to 10 digits"))
		return
	}
	settings, _ := json.Marshal(st)
	if _, err := s.Connections.Update(ctx, p, actor(r), id, connect.Input{Settings: settings}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Access levels saved. The next sync honours them.")
	redirect(w, r, "/connections/"+id+"#azure-access")
}

func (s *Server) azureAccessRoutes() []Route {
	return []Route{{Pattern: "POST /connections/{id}/azure-access", Access: Needs, Perm: auth.PermConnectionsManage, handler: s.saveAzureAccess}}
}

// validPartnerID accepts an empty ID (no Partner Admin Link) or a
// Microsoft partner (MPN / partner location) ID: 6 to 10 digits.
func validPartnerID(id string) bool {
	if id == "" {
		return true
	}
	if len(id) < 6 || len(id) > 10 {
		return false
	}
	return strings.Trim(id, "0123456789") == ""
}
