package marketplace

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/store"
)

// ProductUpdate renames a product (its category and description too).
// Agreements keep the name they were given when bought.
type ProductUpdate struct {
	Name        string `json:"name"`
	Category    string `json:"category"`
	Description string `json:"description"`
}

// ItemUpdate renames an item and replaces its prices. Running
// subscriptions keep the price they were bought at.
type ItemUpdate struct {
	Name   string  `json:"name"`
	Prices []Price `json:"prices"`
}

// UpdateProduct stores a product's new name, category and description
// (marketplace.manage).
func (s *Service) UpdateProduct(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in ProductUpdate) (Product, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Product{}, err
	}
	pr, err := s.Store.GetMktProduct(ctx, p.Org.ID, id)
	if err != nil {
		return pr, err
	}
	old := pr.Name
	if pr.Name, err = required("name", in.Name); err != nil {
		return Product{}, err
	}
	pr.Category, pr.Description = strings.TrimSpace(in.Category), strings.TrimSpace(in.Description)
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateMktProduct(ctx, pr); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.product.update", TargetType: "product",
			TargetID: pr.ID, Details: map[string]any{"name": pr.Name, "old_name": old}})
	})
	return pr, err
}

// UpdateItem renames an item and replaces its prices (at least one;
// marketplace.manage). New purchases and change orders adding the item
// use the new prices.
func (s *Service) UpdateItem(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in ItemUpdate) (Item, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Item{}, err
	}
	cur, err := s.Store.GetMktItem(ctx, p.Org.ID, id)
	if err != nil {
		return cur, err
	}
	// the same checks as a new item's, with what cannot change kept
	it, err := s.itemOf(ctx, p.Org.ID, ItemInput{ProductID: cur.ProductID, Name: in.Name, SKU: cur.SKU, Unit: cur.Unit, Prices: in.Prices})
	if err != nil {
		return Item{}, err
	}
	it.ID, it.CreatedAt, it.DisabledAt = cur.ID, cur.CreatedAt, cur.DisabledAt
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateMktItem(ctx, it); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.item.update", TargetType: "item",
			TargetID: it.ID, Details: map[string]any{"name": it.Name, "prices": it.Prices}})
	})
	return it, err
}

// SetItemOnSale takes an item off sale or puts it back
// (marketplace.manage). An item off sale cannot be bought (in a purchase
// or a change order), but running subscriptions of it go on: they can be
// changed, renewed and terminated.
func (s *Service) SetItemOnSale(ctx context.Context, p *auth.Principal, who audit.Actor, id string, onSale bool) (Item, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Item{}, err
	}
	it, err := s.Store.GetMktItem(ctx, p.Org.ID, id)
	if err != nil {
		return it, err
	}
	if onSale == (it.DisabledAt == nil) {
		return it, nil // already so
	}
	it.DisabledAt = nil
	if !onSale {
		now := s.now()
		it.DisabledAt = &now
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMktItemDisabled(ctx, p.Org.ID, id, it.DisabledAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.item.sale", TargetType: "item",
			TargetID: id, Details: map[string]any{"on_sale": onSale}})
	})
	return it, err
}
