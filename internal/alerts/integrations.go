package alerts

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
)

// KindAlertCreated is the notification of a new alert; webhook endpoints
// may subscribe to it.
const KindAlertCreated = "alert.created"

func init() {
	notify.Kinds = append(notify.Kinds, notify.Kind{Key: KindAlertCreated,
		Description: "A consumption alert was raised: a spend spike, a budget overage or an under-used reservation"})
}

// FromBudgets answers overage rules from the budgets service.
func FromBudgets(b *budgets.Service) BudgetSource { return budgetSource{svc: b} }

type budgetSource struct{ svc *budgets.Service }

// principal reads budgets with the organisation's full authority, as the
// evaluation does for costs.
func (b budgetSource) principal(ctx context.Context, orgID string) (*auth.Principal, error) {
	org, err := b.svc.Store.GetOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return systemPrincipal(org), nil
}

func (b budgetSource) BudgetName(ctx context.Context, orgID, budgetID string) (string, error) {
	bud, err := b.svc.Store.GetBudget(ctx, orgID, budgetID)
	return bud.Name, err
}

func (b budgetSource) BudgetStatus(ctx context.Context, orgID, budgetID string) (BudgetStatus, error) {
	p, err := b.principal(ctx, orgID)
	if err != nil {
		return BudgetStatus{}, err
	}
	st, err := b.svc.Get(ctx, p, budgetID)
	if err != nil {
		return BudgetStatus{}, err
	}
	if st.State == budgets.StateError {
		return BudgetStatus{}, domain.Errorf(domain.CodeInvalid, "budget %s: %s", st.Budget.Name, st.Error)
	}
	out := BudgetStatus{Name: st.Budget.Name, Currency: st.Budget.Currency, From: st.PeriodStart, To: st.PeriodEnd,
		Amount: st.Budget.Amount, Actual: st.Spent, Forecast: st.Forecast}
	if k := st.Budget.ScopeKind; k != budgets.ScopeOrg {
		out.Filters = []string{k + ":" + st.Budget.ScopeValue}
	}
	return out, nil
}

// ToNotify sends new alerts through notify: e-mail to the rule's
// recipients and signed webhooks to endpoints subscribed to
// alert.created, enqueued in the evaluation's transaction.
func ToNotify(n *notify.Service) Notifier { return notifier{n: n} }

type notifier struct{ n *notify.Service }

func (x notifier) AlertCreated(ctx context.Context, tx *store.Tx, a Alert, recipients []string) error {
	title := strings.ToUpper(a.Severity[:1]) + a.Severity[1:] + ": " + a.RuleName
	if a.SubjectLabel != "" {
		title += " — " + a.SubjectLabel
	}
	return x.n.SendTx(ctx, tx, notify.Event{Kind: KindAlertCreated, OrgID: a.OrgID, Subject: "[Canopy] " + title,
		Text: a.Message + "\n\nAcknowledge or mute it in Canopy under Alerts. The costs behind it:", Link: a.ExploreURL, Emails: recipients,
		Data: map[string]any{"alert_id": a.ID, "rule_id": a.RuleID, "rule_name": a.RuleName, "kind": a.Kind, "day": a.Day,
			"severity": a.Severity, "subject_dim": a.SubjectDim, "subject": a.Subject, "subject_label": a.SubjectLabel,
			"amount": a.Amount, "baseline": a.Baseline, "currency": a.Currency, "message": a.Message}})
}
