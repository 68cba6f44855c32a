package allocation

import (
	"context"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// LicencePrice maps a Microsoft 365 product (SKU part number, as the
// directory names it) to the SKU its cost lines carry, so that the lines'
// cost is divided among the users holding a seat; UnitPrice is the list
// price per seat and month, for reference.
type LicencePrice struct {
	SkuPartNumber string `json:"sku_part_number"`
	CostSKU       string `json:"cost_sku"`
	UnitPrice     string `json:"unit_price,omitempty"`
	Currency      string `json:"currency,omitempty"`
}

// LicencePrices lists the mappings.
func (s *Service) LicencePrices(ctx context.Context, p *auth.Principal) ([]LicencePrice, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return nil, err
	}
	list, err := s.Store.ListLicencePrices(ctx, p.Org.ID)
	out := make([]LicencePrice, len(list))
	for i, l := range list {
		out[i] = LicencePrice{SkuPartNumber: l.SkuPartNumber, CostSKU: l.CostSKU, UnitPrice: l.UnitPrice, Currency: l.Currency}
	}
	return out, err
}

// SetLicencePrice adds or replaces a mapping.
func (s *Service) SetLicencePrice(ctx context.Context, p *auth.Principal, who audit.Actor, in LicencePrice) error {
	if err := p.Require(auth.PermAllocationWrite); err != nil {
		return err
	}
	in.SkuPartNumber, in.CostSKU = strings.TrimSpace(in.SkuPartNumber), strings.TrimSpace(in.CostSKU)
	if in.SkuPartNumber == "" {
		return domain.FieldError("sku_part_number", "Name the product's SKU part number (e.g. SPE_E3).")
	}
	if in.CostSKU == "" {
		return domain.FieldError("cost_sku", "Name the SKU its cost lines carry (e.g. CFQ7TTC0LFLX:0002).")
	}
	if in.UnitPrice != "" {
		d, _, err := apd.NewFromString(strings.TrimSpace(in.UnitPrice))
		if err != nil || d.Sign() < 0 {
			return domain.FieldError("unit_price", "The price %q is not a non-negative decimal number.", in.UnitPrice)
		}
		cur, err := domain.ParseCurrency(in.Currency)
		if err != nil {
			return err
		}
		in.UnitPrice, in.Currency = d.Text('f'), string(cur)
	} else {
		in.Currency = ""
	}
	if err := s.Store.SetLicencePrice(ctx, store.LicencePrice{OrgID: p.Org.ID, SkuPartNumber: in.SkuPartNumber,
		CostSKU: in.CostSKU, UnitPrice: in.UnitPrice, Currency: in.Currency}); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "licence_price.set", TargetType: "licence_price",
		TargetID: in.SkuPartNumber, Details: map[string]any{"cost_sku": in.CostSKU, "unit_price": in.UnitPrice, "currency": in.Currency}})
	return s.recomputeLater(ctx, p.Org.ID)
}

// recomputeLater makes the current version compute its months again when
// next read: licence mappings change how licence lines divide.
func (s *Service) recomputeLater(ctx context.Context, orgID string) error {
	v, err := s.current(ctx, orgID)
	if err != nil || v.Number == 0 {
		return err
	}
	return s.Store.ForgetAllocMonths(ctx, orgID, v.Number)
}

// DeleteLicencePrice removes a mapping.
func (s *Service) DeleteLicencePrice(ctx context.Context, p *auth.Principal, who audit.Actor, part string) error {
	if err := p.Require(auth.PermAllocationWrite); err != nil {
		return err
	}
	if err := s.Store.DeleteLicencePrice(ctx, p.Org.ID, part); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "licence_price.delete", TargetType: "licence_price", TargetID: part})
	return s.recomputeLater(ctx, p.Org.ID)
}
