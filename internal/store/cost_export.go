package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// lineRow is one line's stored columns, as the legacy cost_lines table
// held them and as a segment row converts to (segRow.lineRow).
type lineRow struct {
	times   [4]int64
	dims    [nDims]sql.NullInt64
	text    [7]sql.NullString // charge_category … pricing_currency
	amounts [14]sql.NullInt64 // units and nanos of the seven amounts
	tagset  sql.NullInt64
	extras  sql.NullString
}

func (r *lineRow) dest() []any {
	d := make([]any, 0, 4+nDims+7+14+2)
	for i := range r.times {
		d = append(d, &r.times[i])
	}
	for i := range r.dims {
		d = append(d, &r.dims[i])
	}
	for i := range r.text {
		d = append(d, &r.text[i])
	}
	for i := range r.amounts {
		d = append(d, &r.amounts[i])
	}
	return append(d, &r.tagset, &r.extras)
}

// Lines implements costs.Querier from the segments, one decoded at a
// time, so memory stays flat whatever the result's size; the
// organisation's dictionaries and tag sets are loaded once to decode them.
func (c *Costs) Lines(ctx context.Context, orgID string, q costs.Query, fn func(*billing.Line) error) error {
	if err := q.Validate(); err != nil {
		return err
	}
	dec, err := c.loadDecoder(ctx, orgID)
	if err != nil {
		return err
	}
	var lr lineRow
	return c.scanSegments(ctx, orgID, q, func(r segRow) error {
		r.lineRow(&lr)
		l, err := dec.line(&lr)
		if err != nil {
			return err
		}
		return fn(l)
	})
}

// lineDecoder holds an organisation's dictionaries by id.
type lineDecoder struct {
	names dimNames
	sets  map[int64]map[string]string
}

func (c *Costs) loadDecoder(ctx context.Context, orgID string) (*lineDecoder, error) {
	d := &lineDecoder{names: dimNames{}, sets: map[int64]map[string]string{}}
	rows, err := c.reader().query(ctx, `SELECT id, value FROM cost_dims WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	if _, err := scanAll(rows, func(s scanner) (struct{}, error) {
		var id int64
		var v string
		err := s.Scan(&id, &v)
		d.names[id] = v
		return struct{}{}, err
	}); err != nil {
		return nil, err
	}
	rows, err = c.reader().query(ctx, `SELECT id, pairs FROM cost_tagsets WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	_, err = scanAll(rows, func(s scanner) (struct{}, error) {
		var id int64
		var pairs string
		if err := s.Scan(&id, &pairs); err != nil {
			return struct{}{}, err
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(pairs), &m); err != nil {
			return struct{}{}, fmt.Errorf("tag set %d: %w", id, err)
		}
		d.sets[id] = m
		return struct{}{}, nil
	})
	return d, err
}

func (d *lineDecoder) line(r *lineRow) (*billing.Line, error) {
	l := &billing.Line{BillingPeriodStart: unixUTC(r.times[2]), BillingPeriodEnd: unixUTC(r.times[3]),
		ChargePeriodStart: unixUTC(r.times[0]), ChargePeriodEnd: unixUTC(r.times[1])}
	for i, p := range dimFields(l) {
		if p != nil && r.dims[i].Valid {
			*p = d.names[r.dims[i].Int64]
		}
	}
	for i, p := range []*string{&l.ChargeCategory, &l.ChargeClass, &l.ChargeFrequency, &l.CommitmentDiscountCategory,
		&l.CommitmentDiscountStatus, &l.BillingCurrency, &l.PricingCurrency} {
		*p = r.text[i].String
	}
	for i, p := range []**apd.Decimal{&l.BilledCost, &l.EffectiveCost, &l.ListCost, &l.ContractedCost,
		&l.PricingQuantity, &l.ConsumedQuantity, &l.CommitmentDiscountQuantity} {
		if u, n := r.amounts[2*i], r.amounts[2*i+1]; u.Valid && n.Valid {
			*p = domain.Amount{Units: u.Int64, Nanos: n.Int64}.Decimal()
		}
	}
	if r.tagset.Valid {
		l.Tags = maps.Clone(d.sets[r.tagset.Int64]) // the caller may change its line
	}
	if r.extras.Valid {
		if err := json.Unmarshal([]byte(r.extras.String), &l.Extra); err != nil {
			return nil, fmt.Errorf("line extras: %w", err)
		}
	}
	return l, nil
}

// dimFields points at a line's dictionary-encoded fields in dimKinds
// order; the resource group is derived, not a Line field (nil).
func dimFields(l *billing.Line) [nDims]*string {
	return [nDims]*string{&l.ProviderName, &l.PublisherName, &l.InvoiceIssuerName, &l.InvoiceID, &l.BillingAccountID,
		&l.BillingAccountName, &l.SubAccountID, &l.SubAccountName, &l.ServiceName, &l.ServiceCategory, &l.RegionID,
		&l.RegionName, &l.ResourceID, &l.ResourceName, &l.ResourceType, &l.SkuID, &l.SkuPriceID, &l.ChargeDescription,
		&l.PricingUnit, &l.ConsumedUnit, &l.CommitmentDiscountID, &l.CommitmentDiscountName,
		&l.CommitmentDiscountType, &l.CommitmentDiscountUnit, nil}
}

func unixUTC(s int64) time.Time { return time.Unix(s, 0).UTC() }
