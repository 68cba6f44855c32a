package budgets_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A custom group's owner (a viewer otherwise) asks for more; the
// requester cannot decide, an approver accepts and the amount changes,
// and every step is in the history.
func TestChangeRequestFlow(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		owner := h.principal(h.org, "usr_own", "own@x.test", auth.RoleViewer)
		stranger := h.principal(h.org, "usr_str", "str@x.test", auth.RoleViewer)
		g, err := allocation.New(h.st).CreateGroup(h.ctx, h.fin, h.who, allocation.GroupInput{Name: "Web", Kind: allocation.KindProject,
			Owners: []string{owner.User.ID}})
		if err != nil {
			t.Fatal(err)
		}
		b := h.create(t, budgets.Input{Name: "Web", ScopeKind: budgets.ScopeGroup, ScopeValue: g.ID, Period: budgets.Monthly, Amount: "1000", Currency: "USD"})
		ownWho := owner.Actor("127.0.0.1", "t")
		if _, err := h.svc.RequestChange(h.ctx, stranger, h.who, b.ID, budgets.RequestInput{Amount: "2000", Reason: "more"}); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("a member who owns nothing requested: %v", err)
		}
		if _, err := h.svc.RequestChange(h.ctx, owner, ownWho, b.ID, budgets.RequestInput{Amount: "1500"}); domain.ErrorField(err) != "reason" {
			t.Fatalf("no reason: %v", err)
		}
		req, err := h.svc.RequestChange(h.ctx, owner, ownWho, b.ID, budgets.RequestInput{Amount: "1500.50", Reason: "Launch traffic"})
		if err != nil || req.Status != budgets.RequestPending || req.CurrentAmount.String() != "1000" {
			t.Fatalf("request %+v %v", req, err)
		}
		if _, err := h.svc.Decide(h.ctx, owner, ownWho, b.ID, req.ID, true, budgets.Decision{}); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("the requester (no budgets.approve) decided: %v", err)
		}
		got, err := h.svc.Decide(h.ctx, h.fin, h.who, b.ID, req.ID, true, budgets.Decision{Comment: "ok for Q2"})
		if err != nil || got.Status != budgets.RequestApproved || got.DecidedEmail != h.fin.User.Email {
			t.Fatalf("approve: %+v %v", got, err)
		}
		if _, err := h.svc.Decide(h.ctx, h.fin, h.who, b.ID, req.ID, false, budgets.Decision{}); !isCode(err, domain.CodeConflict) {
			t.Fatalf("decided twice: %v", err)
		}
		if st := h.get(t, b.ID); st.Budget.Amount.String() != "1500.5" {
			t.Fatalf("amount after approval %s", st.Budget.Amount)
		}
		hist, err := h.svc.History(h.ctx, owner, b.ID)
		if err != nil || len(hist) != 2 || hist[0].Action != "request_approved" || hist[0].OldAmount != "1000" || hist[0].NewAmount != "1500.5" {
			t.Fatalf("history %+v %v", hist, err)
		}
		mine, err := h.svc.RequestChange(h.ctx, h.fin, h.who, b.ID, budgets.RequestInput{Amount: "900", Reason: "savings"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Decide(h.ctx, h.fin, h.who, b.ID, mine.ID, true, budgets.Decision{}); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("decided one's own request: %v", err)
		}
		admin := h.principal(h.org, "usr_adm", "adm@x.test", auth.RoleAdmin)
		if got, err := h.svc.Decide(h.ctx, admin, h.who, b.ID, mine.ID, false, budgets.Decision{Comment: "no"}); err != nil || got.Status != budgets.RequestRejected {
			t.Fatalf("reject: %+v %v", got, err)
		}
		if st := h.get(t, b.ID); st.Budget.Amount.String() != "1500.5" {
			t.Fatalf("a rejected request changed the amount to %s", st.Budget.Amount)
		}
		list, err := h.svc.Requests(h.ctx, h.fin, b.ID)
		if err != nil || len(list) != 2 || list[0].ID != mine.ID {
			t.Fatalf("requests %+v %v", list, err)
		}
		other := h.principal(h.newOrg(t, "other"), "usr_o", "o@y.test", auth.RoleOwner)
		if _, err := h.svc.Decide(h.ctx, other, h.who, b.ID, req.ID, true, budgets.Decision{}); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("another org decided: %v", err)
		}
	})
}
