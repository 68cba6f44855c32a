package awssandbox

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// Amounts are integers of 1e-10 USD (and 1e-10 usage units): Cost
// Explorer sends up to ten decimals, and sums of integers are exact, so
// paged groups add up to the seeded totals to the last digit.
const unitScale = 10_000_000_000

// usageScale is UsageQuantity's: 1e-6 units (a day of Lambda GB-seconds
// in 1e-10 units would overflow int64 over a year).
const usageScale = 1_000_000

// usageType is one line of a service's bill: its usage type (without the
// region prefix), usage unit and price per unit in 1e-10 USD.
type usageType struct {
	name  string
	unit  string
	price int64
}

// catalog is the services the seeded accounts use, with Cost Explorer's
// SERVICE dimension values.
var catalog = []struct {
	service string
	usage   []usageType
}{
	{"Amazon Elastic Compute Cloud - Compute", []usageType{{"BoxUsage:m5.large", "Hrs", 960_000_000}, {"BoxUsage:t3.medium", "Hrs", 416_000_000}}},
	{"EC2 - Other", []usageType{{"EBS:VolumeUsage.gp3", "GB-Mo", 800_000_000}, {"NatGateway-Hours", "Hrs", 450_000_000}}},
	{"Amazon Simple Storage Service", []usageType{{"TimedStorage-ByteHrs", "GB-Mo", 230_000_000}, {"Requests-Tier1", "Requests", 50_000}}},
	{"Amazon Relational Database Service", []usageType{{"InstanceUsage:db.r5.large", "Hrs", 2_500_000_000}}},
	{"AWS Lambda", []usageType{{"Lambda-GB-Second", "Lambda-GB-Second", 166_667}}},
	{"Elastic Load Balancing", []usageType{{"LoadBalancerUsage", "Hrs", 225_000_000}}},
	{"Amazon CloudWatch", []usageType{{"CW:MetricMonitorUsage", "Metrics", 3_000_000_000}}},
}

var regions = []struct{ code, prefix string }{{"us-east-1", ""}, {"us-west-2", "USW2-"}, {"eu-west-1", "EU-"}}

// Tag keys on the seeded lines; "" is an untagged line.
var tagValues = map[string][]string{
	"Environment": {"prod", "staging", "dev", ""},
	"Team":        {"platform", "data", "web", ""},
}

// series is one seeded cost line: a daily amount for a linked account,
// service, region, usage type and tag set.
type series struct {
	account, service, region, usageType, unit string
	tags                                      map[string]string
	price                                     int64 // per usage unit, 1e-10 USD
	base                                      int64 // typical daily cost, 1e-10 USD
	blend, amortize, net                      int64 // per mille of unblended
	key                                       string
}

// seriesFor builds an account's lines once; they depend only on the seed.
func (a *AWS) seriesFor(acc *account) []series {
	if acc.series != nil {
		return acc.series
	}
	for _, linked := range acc.LinkedAccounts {
		for _, svc := range catalog {
			for ri, reg := range regions {
				if ri > 0 && a.num(3, "region", linked, svc.service, reg.code) != 0 {
					continue // every service runs in us-east-1, a third also elsewhere
				}
				for _, ut := range svc.usage {
					acc.series = append(acc.series, a.newSeries(linked, svc.service, reg.code, reg.prefix+ut.name, ut))
				}
			}
		}
	}
	return acc.series
}

func (a *AWS) newSeries(linked, service, region, usage string, ut usageType) series {
	key := linked + "|" + service + "|" + region + "|" + usage
	s := series{account: linked, service: service, region: region, usageType: usage, unit: ut.unit, price: ut.price, key: key,
		tags: map[string]string{}, blend: 980 + a.num(41, key, "blend"), amortize: 1000, net: 1000}
	s.base = (50 + a.num(12000, key, "base")) * unitScale / 100 // $0.50 .. $120.49 a day
	for k, vals := range tagValues {
		if v := vals[a.num(uint64(len(vals)), key, "tag", k)]; v != "" {
			s.tags[k] = v
		}
	}
	if strings.HasPrefix(service, "Amazon Elastic Compute Cloud") || strings.HasPrefix(service, "Amazon Relational") {
		s.amortize, s.net = 965, 970 // reservations amortized; a private discount on the net figures
	}
	return s
}

// num is a deterministic number in [0, n) from the seed and parts.
func (a *AWS) num(n uint64, parts ...string) int64 {
	return int64(binary.BigEndian.Uint64(a.hash(parts...)[:8]) % n)
}

// dailyCost is the unblended cost of s on day as Cost Explorer shows it on
// asOf: final for days three or more days old; today's and the last two
// days' figures are still arriving and are revised from one day to the
// next, deterministically by the clock's day.
func (a *AWS) dailyCost(s *series, day, asOf time.Time) int64 {
	age := int(asOf.Sub(day).Hours() / 24)
	if age < 0 {
		return 0
	}
	d := day.Format(time.DateOnly)
	amount := s.base * (900 + a.num(201, s.key, d)) / 1000
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		amount = amount * 85 / 100
	}
	complete := map[int]int64{0: 400, 1: 850, 2: 970}
	if pm, late := complete[age]; late {
		wobble := a.num(21, s.key, d, "asof", asOf.Format(time.DateOnly)) // ±1 % revision noise
		amount = amount * (pm + wobble - 10) / 1000
	}
	return amount
}

// metricValues are one cell's sums, in 1e-10 units.
type metricValues struct {
	unblended, blended, amortized, net, usage int64
	units                                     map[string]bool
}

func (m *metricValues) add(s *series, cost int64) {
	m.unblended += cost
	m.blended += cost * s.blend / 1000
	m.amortized += cost * s.amortize / 1000
	m.net += cost * s.net / 1000
	m.usage += cost * usageScale / s.price
	if m.units == nil {
		m.units = map[string]bool{}
	}
	m.units[s.unit] = true
}

// get returns metric's amount and unit as Cost Explorer writes them.
func (m *metricValues) get(metric string) (string, string) {
	switch metric {
	case "BlendedCost":
		return formatAmount(m.blended), "USD"
	case "AmortizedCost":
		return formatAmount(m.amortized), "USD"
	case "NetUnblendedCost", "NetAmortizedCost":
		return formatAmount(m.net), "USD"
	case "UsageQuantity", "NormalizedUsageAmount":
		unit := "N/A" // mixed units, as the real service says
		if len(m.units) == 1 {
			for u := range m.units {
				unit = u
			}
		}
		return formatDecimal(m.usage, usageScale), unit
	}
	return formatAmount(m.unblended), "USD"
}

// formatAmount renders 1e-10 USD as a decimal string without trailing zeros.
func formatAmount(v int64) string { return formatDecimal(v, unitScale) }

// formatDecimal renders v units of 1/scale (a power of ten).
func formatDecimal(v, scale int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/scale, 10)
	if frac := v % scale; frac != 0 {
		f := strings.TrimRight(strconv.FormatInt(frac+scale, 10)[1:], "0")
		s += "." + f
	}
	if neg {
		s = "-" + s
	}
	return s
}

// dimension returns s's value for a Cost Explorer dimension key.
func (s *series) dimension(key string) (string, bool) {
	switch key {
	case "SERVICE":
		return s.service, true
	case "LINKED_ACCOUNT":
		return s.account, true
	case "REGION":
		return s.region, true
	case "USAGE_TYPE":
		return s.usageType, true
	}
	return "", false
}
