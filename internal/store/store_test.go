package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func seedOrgUser(t *testing.T, s *store.Store, email string, roles ...string) (domain.Org, domain.User) {
	t.Helper()
	ctx := context.Background()
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org " + email, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var grants []domain.RoleGrant
	for _, r := range roles {
		grants = append(grants, domain.RoleGrant{Role: r})
	}
	if err := s.AddMember(ctx, org.ID, u.ID, grants, now); err != nil {
		t.Fatal(err)
	}
	return org, u
}

func TestUsersAndMembers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		orgA, ua := seedOrgUser(t, s, "Alice@Example.com", "owner")
		orgB, ub := seedOrgUser(t, s, "bob@example.com", "viewer")

		got, err := s.GetUserByEmail(ctx, "  ALICE@example.COM ")
		if err != nil || got.ID != ua.ID || got.Email != "alice@example.com" {
			t.Fatalf("lookup by email: %+v %v", got, err)
		}
		dup := ua
		dup.ID = domain.NewID(domain.PrefixUser)
		if err := s.CreateUser(ctx, dup); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("duplicate email: want conflict, got %v", err)
		}
		if _, err := s.GetMember(ctx, orgA.ID, ub.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("member of another org must not be found, got %v", err)
		}
		m, err := s.GetMember(ctx, orgB.ID, ub.ID)
		if err != nil || len(m.Grants) != 1 || m.Grants[0].Role != "viewer" {
			t.Fatalf("member grants: %+v %v", m, err)
		}
		page, err := s.ListMembers(ctx, orgA.ID, store.MemberFilter{})
		if err != nil || len(page.Items) != 1 || page.Items[0].User.ID != ua.ID {
			t.Fatalf("org A lists only its member: %+v %v", page, err)
		}
	})
}

func TestMemberPagination(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "a0@example.com", "owner")
		now := domain.Now()
		for i := 1; i < 7; i++ {
			u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: fmt.Sprintf("a%d@example.com", i),
				Name: "User_" + fmt.Sprint(i), Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if err := s.AddMember(ctx, org.ID, u.ID, nil, now); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		cursor := ""
		for {
			p, err := s.ListMembers(ctx, org.ID, store.MemberFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Items {
				seen = append(seen, m.User.Email)
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if len(seen) != 7 || seen[0] != "a0@example.com" || seen[6] != "a6@example.com" {
			t.Fatalf("pages: %v", seen)
		}
		p, err := s.ListMembers(ctx, org.ID, store.MemberFilter{Query: "user_3"})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("query with LIKE metacharacter: %+v %v", p.Items, err)
		}
		if _, err := s.ListMembers(ctx, org.ID, store.MemberFilter{Cursor: "!!"}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func TestUserTokensSingleUse(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		_, u := seedOrgUser(t, s, "c@example.com", "viewer")
		now := domain.Now()
		tok := store.UserToken{UserID: u.ID, Purpose: "reset", ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateUserToken(ctx, "h1", tok, now); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUserToken(ctx, "h2", tok, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConsumeUserToken(ctx, "h1", "reset", now); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("older link must stop working, got %v", err)
		}
		if _, err := s.ConsumeUserToken(ctx, "h2", "invite", now); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("wrong purpose must not work, got %v", err)
		}
		if _, err := s.ConsumeUserToken(ctx, "h2", "reset", now.Add(2*time.Hour)); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("expired link must not work, got %v", err)
		}
		got, err := s.ConsumeUserToken(ctx, "h2", "reset", now)
		if err != nil || got.UserID != u.ID {
			t.Fatalf("consume: %+v %v", got, err)
		}
		if _, err := s.ConsumeUserToken(ctx, "h2", "reset", now); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("second use must fail, got %v", err)
		}
	})
}

func TestSessionsAndRateEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		_, u := seedOrgUser(t, s, "d@example.com", "viewer")
		ss := s.Sessions()
		now := domain.Now()
		for _, tok := range []string{"tok-a", "tok-b"} {
			if err := ss.CommitCtx(ctx, tok, []byte("data-"+tok), now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			info := domain.SessionInfo{ID: domain.NewID(domain.PrefixSession), UserID: u.ID,
				TokenHash: store.HashSessionToken(tok), CreatedAt: now, LastSeenAt: now}
			if err := s.RecordSession(ctx, info); err != nil {
				t.Fatal(err)
			}
		}
		b, ok, err := ss.FindCtx(ctx, "tok-a")
		if err != nil || !ok || string(b) != "data-tok-a" {
			t.Fatalf("find: %q %v %v", b, ok, err)
		}
		list, err := s.ListSessions(ctx, u.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %+v %v", list, err)
		}
		n, err := s.RevokeUserSessions(ctx, u.ID, store.HashSessionToken("tok-a"))
		if err != nil || n != 1 {
			t.Fatalf("revoke others: %d %v", n, err)
		}
		if _, ok, _ := ss.FindCtx(ctx, "tok-b"); ok {
			t.Fatal("revoked session still found")
		}
		if _, ok, _ := ss.FindCtx(ctx, "tok-a"); !ok {
			t.Fatal("kept session lost")
		}
		for i := 0; i < 3; i++ {
			if err := s.AddRateEvent(ctx, "signin:ip:1.2.3.4", now); err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.CountRateEvents(ctx, "signin:ip:1.2.3.4", now.Add(-time.Minute))
		if err != nil || c != 3 {
			t.Fatalf("count: %d %v", c, err)
		}
	})
}

func TestAuditAppendOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		chain := func(prev string, ev *domain.AuditEvent) string { return prev + "+" + ev.Action }
		org, u := seedOrgUser(t, s, "e@example.com", "owner")
		for _, a := range []string{"org.create", "user.signin"} {
			ev := domain.AuditEvent{ID: domain.NewID(domain.PrefixAudit), OrgID: org.ID, At: domain.Now(), Action: a, Details: "{}"}
			if a == "user.signin" {
				ev.OrgID, ev.TargetType, ev.TargetID = "", "user", u.ID
			}
			if _, err := s.AppendAudit(ctx, ev, chain); err != nil {
				t.Fatal(err)
			}
		}
		seq, hash, err := s.AuditHead(ctx)
		if err != nil || seq != 2 || hash != "+org.create+user.signin" {
			t.Fatalf("head: %d %q %v", seq, hash, err)
		}
		page, err := s.ListAudit(ctx, org.ID, store.AuditFilter{})
		if err != nil || len(page.Items) != 2 || page.Items[0].Action != "user.signin" {
			t.Fatalf("org sees its events and its members' account events: %+v %v", page.Items, err)
		}
		page, err = s.ListAudit(ctx, "org_other", store.AuditFilter{})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("another org sees nothing: %+v %v", page.Items, err)
		}
		if _, err := db.W.ExecContext(ctx, "UPDATE audit_events SET action = 'x'"); err == nil {
			t.Fatal("update of audit entries must be refused by the database")
		}
		if _, err := db.W.ExecContext(ctx, "DELETE FROM audit_events"); err == nil {
			t.Fatal("delete of audit entries must be refused by the database")
		}
	})
}
