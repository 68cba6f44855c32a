package focusgen

import "strconv"

// fields is everything one line needs; res is nil for lines without a
// resource (tax, credits, licences), r is the resource the line is drawn
// from (its service and region), nil for licences, which set service*.
type fields struct {
	acct                        *account
	accIdx                      int
	sub                         *subAccount
	res, r                      *resource
	a                           amounts
	category, class, freq, desc string
	bill, charge                *day
	service, serviceCat, sku    string
}

// appendFields writes one CSV line in Columns order. Every string is
// already CSV-escaped, so this is appends only: no allocation per line.
func (g *gen) appendFields(b []byte, f fields) []byte {
	a := f.acct
	b = appendAmount(b, f.a.billed)
	b = sep(b, a.id)
	b = sep(b, a.name)
	b = sep(b, a.currency)
	b = sep(b, f.bill.billEnd)
	b = sep(b, f.bill.billStart)
	b = sep(b, f.category)
	b = sep(b, f.class)
	b = sep(b, f.desc)
	b = sep(b, f.freq)
	b = sep(b, f.charge.chargeEnd)
	b = sep(b, f.charge.chargeStart)
	b = append(b, ',')
	unit := ""
	if !f.a.noQty {
		b = appendFixed(b, f.a.qty, 2)
		unit = f.r.svc.unit
	}
	b = sep(b, unit)
	b = append(b, ',')
	b = appendAmount(b, f.a.contr)
	b = append(b, ',')
	b = appendAmount(b, f.a.eff)
	b = sep(b, f.bill.invoice[f.accIdx])
	b = sep(b, a.issuer)
	b = append(b, ',')
	b = appendAmount(b, f.a.list)
	b = sep(b, a.currency)
	b = sep(b, a.provider)
	return g.appendResource(b, f)
}

func (g *gen) appendResource(b []byte, f fields) []byte {
	regionID, regionName, service, serviceCat, sku := "", "", f.service, f.serviceCat, f.sku
	if f.r != nil {
		regionID, regionName = f.r.region.id, f.r.region.name
		service, serviceCat = f.r.svc.name, f.r.svc.category
	}
	id, tags, rg := "", "", ""
	if f.res != nil {
		id, tags, rg, sku = f.res.id, f.res.tags, f.res.rg, f.res.sku
	}
	b = sep(b, regionID)
	b = sep(b, regionName)
	b = sep(b, id)
	b = sep(b, serviceCat)
	b = sep(b, service)
	b = sep(b, sku)
	b = sep(b, f.sub.id)
	b = sep(b, f.sub.name)
	b = sep(b, tags)
	b = sep(b, rg)
	return append(b, '\n')
}

func sep(b []byte, s string) []byte {
	b = append(b, ',')
	return append(b, s...)
}

// appendAmount writes v·10⁻¹⁰ with up to 10 decimals, trailing zeros
// dropped, as billing exports do.
func appendAmount(b []byte, v int64) []byte { return appendFixed(b, v, 10) }

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10}

// appendFixed writes v·10⁻ᵈ exactly, without trailing fractional zeros.
func appendFixed(b []byte, v int64, d int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	ip, fp := v/pow10[d], v%pow10[d]
	b = strconv.AppendInt(b, ip, 10)
	if fp == 0 {
		return b
	}
	for fp%10 == 0 {
		fp /= 10
		d--
	}
	var digits [20]byte
	for k := d - 1; k >= 0; k-- {
		digits[k] = byte('0' + fp%10)
		fp /= 10
	}
	b = append(b, '.')
	return append(b, digits[:d]...)
}
