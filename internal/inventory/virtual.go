package inventory

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Virtual resources' cost lines: provider, service and the source key
// that makes re-saving replace the lines written before.
const (
	VirtualProvider  = "Canopy"
	virtualService   = "Virtual resource"
	virtualKeyPrefix = "virtual:"
	monthLayout      = "2006-01"
)

// VirtualSourceKey is the cost store source key of a virtual resource's
// lines.
func VirtualSourceKey(id string) string { return virtualKeyPrefix + id }

// VirtualInput is a virtual resource as a person enters it: a monthly
// amount in a currency from a month (YYYY-MM) to an optional last month
// (inclusive).
type VirtualInput struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	Amount      string            `json:"monthly_amount"`
	Currency    string            `json:"currency"`
	From        string            `json:"from_month"`
	To          string            `json:"to_month,omitempty"`
}

// apply validates in onto r.
func (in VirtualInput) apply(r *Resource, n Normalizer) error {
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) {
		return domain.FieldError("name", "Name the virtual resource in 1 to 200 characters.")
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		return domain.FieldError("description", "The description is longer than 2000 characters.")
	}
	amount, _, err := apd.NewFromString(strings.TrimSpace(in.Amount))
	if err != nil || amount.Form != apd.Finite {
		return domain.FieldError("monthly_amount", "The monthly amount is a number such as 1250.00.")
	}
	if _, err := domain.AmountFromDecimal(amount); err != nil {
		return domain.FieldError("monthly_amount", "The monthly amount is out of range.")
	}
	cur, err := domain.ParseCurrency(strings.TrimSpace(in.Currency))
	if err != nil {
		return domain.FieldError("currency", "The currency is an ISO 4217 code such as EUR.")
	}
	from, to, err := monthRange(in.From, in.To)
	if err != nil {
		return err
	}
	tags := map[string]string{}
	if err := (TagEdit{Set: in.Tags}).validateSet(); err != nil {
		return err
	}
	for k, v := range in.Tags {
		tags[n.Key(k)] = v
	}
	r.Name, r.Description, r.CloudTags, r.BaseTags, r.CanopyTags = name, in.Description, tags, tags, nil
	r.VirtualAmount, r.VirtualCurrency, r.VirtualFrom, r.VirtualTo = amount.Text('f'), string(cur), &from, to
	return nil
}

func (e TagEdit) validateSet() error {
	if len(e.Set) > maxTags {
		return domain.FieldError("tags", "A resource may have at most %d tags.", maxTags)
	}
	if len(e.Set) == 0 {
		return nil
	}
	return e.validate()
}

// monthRange parses the first month and the optional last month into
// [from, to) month starts (to nil: open-ended).
func monthRange(fromS, toS string) (time.Time, *time.Time, error) {
	from, err := time.Parse(monthLayout, strings.TrimSpace(fromS))
	if err != nil {
		return from, nil, domain.FieldError("from_month", "The first month is a month like 2026-01 (YYYY-MM).")
	}
	if strings.TrimSpace(toS) == "" {
		return from, nil, nil
	}
	last, err := time.Parse(monthLayout, strings.TrimSpace(toS))
	if err != nil {
		return from, nil, domain.FieldError("to_month", "The last month is a month like 2026-12 (YYYY-MM), or empty.")
	}
	if last.Before(from) {
		return from, nil, domain.FieldError("to_month", "The last month must be the first month or later.")
	}
	end := last.AddDate(0, 1, 0)
	return from, &end, nil
}

// CreateVirtual adds a virtual resource and writes its cost lines.
func (s *Service) CreateVirtual(ctx context.Context, p *auth.Principal, who audit.Actor, in VirtualInput) (View, error) {
	if err := p.Require(PermWrite); err != nil {
		return View{}, err
	}
	n, err := s.Normalizer(ctx, p.Org.ID)
	if err != nil {
		return View{}, err
	}
	id := domain.NewID(store.PrefixResource)
	r := Resource{OrgID: p.Org.ID, ID: id, Provider: VirtualProvider, Key: VirtualSourceKey(id),
		ResourceID: VirtualSourceKey(id), Type: virtualService, Source: store.ResourceFromVirtual}
	if err := in.apply(&r, n); err != nil {
		return View{}, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateResource(ctx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, virtualEntry(r, "resource.virtual.create"))
	})
	if err != nil {
		return View{}, err
	}
	if err := s.writeVirtualCost(ctx, who, r); err != nil {
		return View{}, err
	}
	return s.Get(ctx, p, id, DefaultPeriod(s.Now()))
}

// UpdateVirtual changes a virtual resource and rewrites its cost lines.
func (s *Service) UpdateVirtual(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in VirtualInput) (View, error) {
	if err := p.Require(PermWrite); err != nil {
		return View{}, err
	}
	n, err := s.Normalizer(ctx, p.Org.ID)
	if err != nil {
		return View{}, err
	}
	var r Resource
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if r, err = virtualOf(ctx, tx, p.Org.ID, id); err != nil {
			return err
		}
		if err = in.apply(&r, n); err != nil {
			return err
		}
		if err = tx.UpdateVirtualResource(ctx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, virtualEntry(r, "resource.virtual.update"))
	})
	if err != nil {
		return View{}, err
	}
	if err := s.writeVirtualCost(ctx, who, r); err != nil {
		return View{}, err
	}
	return s.Get(ctx, p, id, DefaultPeriod(s.Now()))
}

// DeleteVirtual removes a virtual resource and its cost lines.
func (s *Service) DeleteVirtual(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	var r Resource
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = virtualOf(ctx, tx, p.Org.ID, id); err != nil {
			return err
		}
		if err = tx.DeleteResource(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, virtualEntry(r, "resource.virtual.delete"))
	})
	if err != nil {
		return err
	}
	return s.importVirtualLines(ctx, who, r, nil) // no lines: the earlier ones are replaced by none
}

func virtualOf(ctx context.Context, tx *store.Tx, orgID, id string) (Resource, error) {
	r, err := tx.GetResourceForUpdate(ctx, orgID, id)
	if err == nil && r.Source != store.ResourceFromVirtual {
		err = domain.Errorf(domain.CodeNotFound, "virtual resource not found")
	}
	return r, err
}

func virtualEntry(r Resource, action string) audit.Entry {
	d := map[string]any{"name": r.Name, "monthly_amount": r.VirtualAmount, "currency": r.VirtualCurrency,
		"from": r.VirtualFrom.Format(monthLayout), "tags": r.CloudTags}
	if r.VirtualTo != nil {
		d["to"] = r.VirtualTo.AddDate(0, -1, 0).Format(monthLayout)
	}
	return audit.Entry{OrgID: r.OrgID, Action: action, TargetType: "resource", TargetID: r.ID, Details: d}
}

// writeVirtualCost replaces a virtual resource's cost lines: one per month
// from its first month through the current month (or its last month).
func (s *Service) writeVirtualCost(ctx context.Context, who audit.Actor, r Resource) error {
	lines, err := virtualLines(r, s.Now())
	if err != nil {
		return err
	}
	return s.importVirtualLines(ctx, who, r, lines)
}

func (s *Service) importVirtualLines(ctx context.Context, who audit.Actor, r Resource, lines []*billing.Line) error {
	var buf bytes.Buffer
	if err := billing.WriteFOCUS(&buf, lines); err != nil {
		return err
	}
	br, err := billing.Open(&buf)
	if err != nil {
		return err
	}
	defer br.Close()
	_, err = s.Costs.Import(ctx, r.OrgID, br, costs.ImportMeta{FileName: "Virtual resource · " + r.Name,
		SourceKey: VirtualSourceKey(r.ID), CreatedBy: who.Email})
	if err != nil {
		return fmt.Errorf("write the cost of virtual resource %s (save it again to retry): %w", r.Name, err)
	}
	return nil
}

// virtualLines are a virtual resource's monthly cost lines up to now's
// month.
func virtualLines(r Resource, now time.Time) ([]*billing.Line, error) {
	amount, _, err := apd.NewFromString(r.VirtualAmount)
	if err != nil || r.VirtualFrom == nil {
		return nil, fmt.Errorf("virtual resource %s has no valid monthly cost", r.ID)
	}
	now = now.UTC()
	end := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	if r.VirtualTo != nil && r.VirtualTo.Before(end) {
		end = *r.VirtualTo
	}
	var out []*billing.Line
	for m := r.VirtualFrom.UTC(); m.Before(end); m = m.AddDate(0, 1, 0) {
		next := m.AddDate(0, 1, 0)
		out = append(out, &billing.Line{BillingAccountID: VirtualProvider, BillingAccountName: VirtualProvider,
			BillingPeriodStart: m, BillingPeriodEnd: next, ChargePeriodStart: m, ChargePeriodEnd: next,
			ChargeCategory: billing.CategoryUsage, ChargeFrequency: billing.FrequencyRecurring,
			ChargeDescription: chargeDescription(r), ServiceName: virtualService, ServiceCategory: "Other",
			ProviderName: VirtualProvider, PublisherName: VirtualProvider, InvoiceIssuerName: VirtualProvider,
			ResourceID: r.ResourceID, ResourceName: r.Name, ResourceType: virtualService,
			BilledCost: amount, EffectiveCost: amount, ListCost: amount, ContractedCost: amount,
			BillingCurrency: r.VirtualCurrency, Tags: r.CloudTags})
	}
	return out, nil
}

func chargeDescription(r Resource) string {
	if d := strings.TrimSpace(r.Description); d != "" {
		return d
	}
	return r.Name
}

// RefreshVirtualCosts rewrites every virtual resource's cost lines, so
// open-ended ones reach the current month.
func (s *Service) refreshVirtualCosts(ctx context.Context, who audit.Actor, orgID string) (int, error) {
	n := 0
	cursor := ""
	for {
		page, next, err := s.Store.ListResources(ctx, orgID, store.ResourceFilter{Source: store.ResourceFromVirtual,
			Cursor: cursor, Limit: 500})
		if err != nil {
			return n, err
		}
		for _, r := range page {
			if err := s.writeVirtualCost(ctx, who, r); err != nil {
				return n, err
			}
			n++
		}
		if cursor = next; cursor == "" {
			return n, nil
		}
	}
}
