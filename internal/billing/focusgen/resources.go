package focusgen

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// resource is one billed cloud resource with its fixed attributes
// pre-rendered as CSV fields, so writing a line is only appends.
type resource struct {
	acct    *account
	accIdx  int
	sub     *subAccount
	svc     *service
	region  region
	id      string // CSV field
	rg      string
	sku     string
	meter   string
	desc    string // CSV field
	tags    string // CSV field (quoted JSON) or ""
	list    int64  // unit prices in 1e-8 of the billing currency
	contr   int64
	eff     int64
	covered bool // usage covered by a reservation or savings plan
}

// seat is a Microsoft 365 licence line with a stable seat count.
type seat struct {
	idx   int
	seats int64
	desc  string
}

func buildResources(rng *rand.Rand, n int) []resource {
	var byKind [3][]int
	for i, s := range services {
		byKind[s.kind] = append(byKind[s.kind], i)
	}
	out := make([]resource, n)
	for i := range out {
		// AWS 55%, Azure EUR 30%, Azure GBP 15%.
		ai := 0
		if u := rng.IntN(20); u >= 17 {
			ai = 2
		} else if u >= 11 {
			ai = 1
		}
		out[i] = newResource(rng, ai, byKind[accounts[ai].kind])
	}
	return out
}

func newResource(rng *rand.Rand, ai int, svcIdx []int) resource {
	a := &accounts[ai]
	svc := &services[svcIdx[rng.IntN(len(svcIdx))]]
	rs := regions[a.kind]
	reg := rs[min(rng.IntN(len(rs)), rng.IntN(len(rs)))] // the first regions carry most spend
	app, env := tagApps[rng.IntN(len(tagApps))], tagEnvs[rng.IntN(len(tagEnvs))]
	r := resource{acct: a, accIdx: ai, sub: &a.subs[rng.IntN(len(a.subs))], svc: svc, region: reg}
	mi := rng.IntN(len(svc.meters))
	r.meter = svc.meters[mi]
	r.sku = skuID(rng, a.kind, svc, mi)
	r.desc = csvField(r.meter)
	if a.kind == kindAzure {
		r.rg = "rg-" + app + "-" + env
		r.id = csvField(azureID(rng, r.sub.id, r.rg, svc, app, env))
	} else {
		r.id = csvField(awsARN(rng, reg.id, r.sub.id, svc, app, env))
	}
	r.tags = tagsField(rng, app, env)
	r.list = (svc.priceLo + rng.Int64N(svc.priceHi-svc.priceLo+1)) * a.fx / 10000
	discount := []int64{0, 0, 500, 1500, 2200}[rng.IntN(5)] // negotiated (EA/EDP) rates
	r.contr = r.list * (10000 - discount) / 10000
	r.eff = r.contr
	if svc.unit == "Hours" || svc.unit == "Hrs" {
		if r.covered = rng.IntN(5) == 0; r.covered {
			r.eff = r.contr * 6200 / 10000
		}
	}
	return r
}

func azureID(rng *rand.Rand, sub, rg string, svc *service, app, env string) string {
	name := svc.abbr + "-" + app + "-" + strconv.Itoa(1+rng.IntN(40))
	prov, child, nested := strings.Cut(svc.typ, "/")
	path := "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/" + prov + "/"
	if first, second, ok := strings.Cut(child, "/"); nested && ok {
		return path + first + "/" + svc.abbr + "-" + app + "-" + env + "/" + second + "/" + name
	}
	return path + child + "/" + name
}

func awsARN(rng *rand.Rand, reg, acct string, svc *service, app, env string) string {
	svcName, typ, _ := strings.Cut(svc.typ, ":")
	name := app + "-" + env + "-" + hex(rng, 6)
	if strings.HasSuffix(svc.abbr, "-") || svc.abbr == "E" {
		name = svc.abbr + hex(rng, 17)
	}
	switch svcName {
	case "s3":
		return "arn:aws:s3:::" + name
	case "kms":
		return "arn:aws:kms:" + reg + ":" + acct + ":key/" + hex(rng, 8) + "-" + hex(rng, 4) + "-" + hex(rng, 4) + "-" + hex(rng, 4) + "-" + hex(rng, 12)
	case "bedrock":
		return "arn:aws:bedrock:" + reg + "::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
	case "rds", "lambda", "sqs", "redshift":
		return "arn:aws:" + svcName + ":" + reg + ":" + acct + ":" + strings.TrimSuffix(typ+":"+name, ":")
	case "logs":
		return "arn:aws:logs:" + reg + ":" + acct + ":log-group:/aws/lambda/" + app + "-" + env
	}
	return "arn:aws:" + svcName + ":" + reg + ":" + acct + ":" + typ + "/" + name
}

func skuID(rng *rand.Rand, kind int, svc *service, meter int) string {
	// A SKU is stable per service and meter: derive it from their
	// positions, not from the stream, so every resource shares it.
	r := rand.New(rand.NewPCG(uint64(len(svc.name)), uint64(meter)<<8|uint64(svc.priceLo)))
	if kind == kindAzure {
		return strings.ToUpper(base36(r, 12)) + "/" + strconv.Itoa(1000 + r.IntN(9000))[1:]
	}
	return strings.ToUpper(base36(r, 16))
}

func tagsField(rng *rand.Rand, app, env string) string {
	if rng.IntN(20) == 0 {
		return "" // untagged resource
	}
	var parts []string
	if rng.IntN(10) != 0 {
		parts = append(parts, `"env":"`+env+`"`)
	}
	if rng.IntN(5) != 0 {
		parts = append(parts, `"team":"`+tagTeams[rng.IntN(len(tagTeams))]+`"`)
	}
	if rng.IntN(10) >= 3 {
		parts = append(parts, `"cost-center":"CC-`+strconv.Itoa(1001+rng.IntN(12))+`"`)
	}
	if rng.IntN(20) >= 3 {
		parts = append(parts, `"app":"`+app+`"`)
	}
	return csvField("{" + strings.Join(parts, ",") + "}")
}

func buildSeats(rng *rand.Rand) []seat {
	out := make([]seat, len(licences))
	for i, l := range licences {
		n := l.seatsLo + rng.Int64N(l.seatsHi-l.seatsLo+1)
		out[i] = seat{idx: i, seats: n, desc: csvField(l.name + " - " + strconv.FormatInt(n, 10) + " licences, monthly term billed daily")}
	}
	return out
}

const hexDigits = "0123456789abcdef"

func hex(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[rng.IntN(16)]
	}
	return string(b)
}

func base36(rng *rand.Rand, n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rng.IntN(36)]
	}
	return string(b)
}

// csvField quotes s when CSV needs it (RFC 4180).
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
