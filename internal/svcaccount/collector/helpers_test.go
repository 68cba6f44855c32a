package collector_test

import (
	"context"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

type principal struct {
	p   *auth.Principal
	who audit.Actor
}

// newPrincipal makes an organisation and a manager of its connections.
func newPrincipal(t *testing.T, s *store.Store, name string) *principal {
	t.Helper()
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: name, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateOrg(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{User: domain.User{ID: "usr_" + name, Email: "admin@" + name + ".test"}, Org: o,
		Perms: auth.NewPermissionSet(auth.PermConnectionsRead, auth.PermConnectionsManage)}
	return &principal{p: p, who: audit.Actor{UserID: p.User.ID, Email: p.User.Email}}
}

func m365Conn(t *testing.T, s *store.Store, orgID, name string) string {
	t.Helper()
	c, err := s.CreateConnection(context.Background(), store.Connection{ID: domain.NewID(store.PrefixConnection), OrgID: orgID, Kind: "m365", Name: name,
		Settings: []byte(`{"tenant_id":"contoso.onmicrosoft.com"}`), SyncHour: 3, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
