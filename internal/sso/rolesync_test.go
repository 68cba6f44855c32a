package sso_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// roles returns a member's organisation-wide roles, sorted.
func (f *fixture) roles(userID string) string {
	f.t.Helper()
	m, err := f.st.GetMember(f.ctx, f.admin.Org.ID, userID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, g := range m.Grants {
		if g.ScopeKind == "" {
			out = append(out, g.Role)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// roleChanges lists the audited role changes of a user: after-roles and
// the groups that caused them.
func (f *fixture) roleChanges(userID string) []string {
	f.t.Helper()
	var out []string
	err := f.st.ScanAudit(f.ctx, func(ev domain.AuditEvent) error {
		if ev.Action != "role.change" || ev.TargetID != userID {
			return nil
		}
		var d struct {
			After, Groups []string
			Connection    string
		}
		if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
			return err
		}
		out = append(out, strings.Join(d.After, ",")+" by "+strings.Join(d.Groups, ",")+" via "+d.Connection)
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// setSync changes the OpenID connection's group mapping and the "update
// roles at each sign-in" option.
func (f *fixture) setSync(on bool, mapping ...sso.GroupRole) {
	f.t.Helper()
	c := f.conn
	if _, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, c.ID, sso.Input{Name: c.Name, Domains: c.Domains,
		Settings: c.Settings, GroupRoles: mapping, SyncRoles: on}); err != nil {
		f.t.Fatal(err)
	}
}

// Group → role at each sign-in (OpenID Connect): off, nothing changes;
// on, the member's roles become the mapped ones (audited as role.change
// with the groups); no matching group keeps the roles; the last owner
// an owner keeps owner (also beside other owners); unchanged roles are not audited
// again; grants on parts of the organisation stay.
func TestOIDCGroupRolesAtEachSignIn(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ann := f.member("ann@corp.test", auth.RoleViewer)
		mapping := []sso.GroupRole{{Group: "FinOps", Role: auth.RoleFinOps}, {Group: "Buyers", Role: auth.RoleBuyer}}
		f.setSync(false, mapping...)
		if _, err := f.signIn(person("idp-ann", "ann@corp.test", "finops", "buyers")); err != nil {
			t.Fatal(err)
		}
		if got := f.roles(ann.ID); got != "viewer" {
			t.Fatalf("option off: roles %s", got)
		}

		f.setSync(true, mapping...)
		if c, err := f.svc.Connection(f.ctx, f.admin, f.conn.ID); err != nil || !c.SyncRoles {
			t.Fatalf("option not kept: %v", err)
		}
		if _, err := f.signIn(person("idp-ann", "ann@corp.test", "finops", "buyers", "other")); err != nil {
			t.Fatal(err)
		}
		if got := f.roles(ann.ID); got != "buyer,finops" {
			t.Fatalf("option on: roles %s", got)
		}
		if got := f.roleChanges(ann.ID); len(got) != 1 || got[0] != "buyer,finops by finops,buyers via "+f.conn.ID {
			t.Fatalf("audited %v", got)
		}
		// Same groups again: nothing to change, nothing audited.
		if _, err := f.signIn(person("idp-ann", "ann@corp.test", "buyers", "finops")); err != nil {
			t.Fatal(err)
		}
		if got := f.roleChanges(ann.ID); len(got) != 1 {
			t.Fatalf("unchanged roles audited again: %v", got)
		}
		// No group maps: the roles stay.
		if _, err := f.signIn(person("idp-ann", "ann@corp.test", "unrelated")); err != nil {
			t.Fatal(err)
		}
		if got := f.roles(ann.ID); got != "buyer,finops" {
			t.Fatalf("no matching group: roles %s", got)
		}
		// Losing a group loses its role; a scoped grant stays.
		m, _ := f.st.GetMember(f.ctx, f.admin.Org.ID, ann.ID)
		grants := append(m.Grants, domain.RoleGrant{Role: auth.RoleViewer, ScopeKind: "group", ScopeID: "grp_x"})
		if err := f.st.SetGrants(f.ctx, f.admin.Org.ID, ann.ID, grants, domain.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.signIn(person("idp-ann", "ann@corp.test", "finops")); err != nil {
			t.Fatal(err)
		}
		m, _ = f.st.GetMember(f.ctx, f.admin.Org.ID, ann.ID)
		if got := f.roles(ann.ID); got != "finops" || len(m.Grants) != 2 {
			t.Fatalf("group lost: roles %s, grants %+v", got, m.Grants)
		}

		// An owner keeps owner beside the mapped role: groups never take it.
		olive := f.member("olive@corp.test", auth.RoleOwner)
		if _, err := f.signIn(person("idp-olive", "olive@corp.test", "buyers")); err != nil {
			t.Fatal(err)
		}
		if got := f.roles(olive.ID); got != "buyer,owner" {
			t.Fatalf("last owner: roles %s", got)
		}
		// Also when she is not the only owner.
		f.member("otto@corp.test", auth.RoleOwner)
		if _, err := f.signIn(person("idp-olive", "olive@corp.test", "buyers")); err != nil {
			t.Fatal(err)
		}
		if got := f.roles(olive.ID); got != "buyer,owner" {
			t.Fatalf("not the last owner: roles %s", got)
		}
		// A test sign-in changes nobody's roles.
		f.idp.QueueUser(person("idp-ann", "ann@corp.test", "buyers"))
		if res, err := f.complete(f.conn.ID, f.atIdP(f.begin(f.admin.User.ID))); err != nil || res.TestBy == "" {
			t.Fatalf("test: %v", err)
		}
		if got := f.roles(ann.ID); got != "finops" {
			t.Fatalf("test sign-in changed roles: %s", got)
		}
	})
}

// Group → role at each sign-in (SAML, against crewjam's IdP): the groups
// of the assertion's attributes set the member's roles; the connection
// asks for the configured NameID format.
func TestSAMLGroupRolesAtEachSignIn(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sam := f.member("sam@saml.test", auth.RoleViewer)
		idp := samltest.New(t, "sam@saml.test", "Sam", "Smith", "staff")
		c := f.samlConn(idp, sso.Input{Claims: sso.ClaimMapping{Groups: []string{"eduPersonAffiliation"}},
			GroupRoles: []sso.GroupRole{{Group: "FinOps", Role: auth.RoleFinOps}}, SyncRoles: true})
		if _, err := f.samlSignIn(c.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.roles(sam.ID); got != "viewer" {
			t.Fatalf("no matching group: roles %s", got)
		}
		idp.SetGroups("staff", "finops")
		if _, err := f.samlSignIn(c.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.roles(sam.ID); got != "finops" {
			t.Fatalf("roles %s", got)
		}
		if got := f.roleChanges(sam.ID); len(got) != 1 || got[0] != "finops by finops via "+c.ID {
			t.Fatalf("audited %v", got)
		}

		// NameID format: email asked for in the AuthnRequest.
		st := samlSettingsOf(t, c)
		st.NameIDFormat = "email"
		if _, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, c.ID, sso.Input{Name: c.Name, Domains: c.Domains,
			Settings: mustJSON(t, st)}); err != nil {
			t.Fatal(err)
		}
		to, _ := f.samlBegin(c.ID)
		u, _ := url.Parse(to)
		raw, _ := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
		req, _ := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
		if !strings.Contains(string(req), `Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"`) {
			t.Fatalf("AuthnRequest without the email NameID format: %s", req)
		}
	})
}
