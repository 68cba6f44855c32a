package azbilling

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// ActionAdvisorRead authorizes listing Advisor recommendations (Reader has it).
const ActionAdvisorRead = "Microsoft.Advisor/recommendations/read"

// Real Advisor recommendation type IDs.
const (
	RecRightSizeVM   = "e10b1381-5f0a-47ff-8c7b-37bd13d7c974" // right-size or shut down underutilised VMs
	RecUnattachedDsk = "48eda464-1485-4dcf-a674-d0905df5054a" // review disks not attached to a VM
	RecBuyVMRI       = "84b1a508-fc21-49da-979e-96894f1665df" // buy VM reserved instances
)

var advisorFilter = regexp.MustCompile(`(?i)^\s*category\s+eq\s+'(\w+)'\s*(?:and\s+resourceGroup\s+eq\s+'([^']+)'\s*)?$`)

func (b *Billing) serveAdvisor(w http.ResponseWriter, r *http.Request, rt routed) {
	if _, ok := b.authorize(w, r, rt.scope(), ActionAdvisorRead); !ok {
		return
	}
	sub, ok := b.subscription(rt.sub)
	if !ok {
		sbx.WriteARMError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+rt.sub+"' could not be found.")
		return
	}
	category, rg := "Cost", ""
	if f := r.URL.Query().Get("$filter"); f != "" {
		m := advisorFilter.FindStringSubmatch(f)
		if m == nil {
			sbx.WriteARMError(w, http.StatusBadRequest, "BadRequest", "The $filter '"+f+"' is not supported; use Category eq '<category>' [and ResourceGroup eq '<name>'].")
			return
		}
		category, rg = m[1], m[2]
	}
	var recs []map[string]any
	if strings.EqualFold(category, "Cost") {
		recs = b.recommendations(sub, rg)
	}
	b.writeAdvisorPage(w, r, recs)
}

func (b *Billing) writeAdvisorPage(w http.ResponseWriter, r *http.Request, recs []map[string]any) {
	size := 100
	if top, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && top > 0 {
		size = top
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	offset = min(max(offset, 0), len(recs))
	end := min(offset+size, len(recs))
	out := map[string]any{"value": append([]map[string]any{}, recs[offset:end]...)}
	if end < len(recs) {
		out["nextLink"] = nextLink(r, strconv.Itoa(end))
	}
	writeJSON(w, http.StatusOK, out)
}

// recommendations are sub's cost recommendations: some VMs to right-size,
// some disks left unattached, and one reservation purchase.
func (b *Billing) recommendations(sub Subscription, rg string) []map[string]any {
	var out []map[string]any
	vms := 0
	for _, res := range b.src.Resources(sub.ID) {
		if rg != "" && !strings.EqualFold(res.ResourceGroup, rg) {
			continue
		}
		id := strings.ToLower(res.ID)
		switch strings.ToLower(res.Type) {
		case "microsoft.compute/virtualmachines":
			vms++
			if hashN(b.seed, 100, "rightsize", id) < 60 {
				out = append(out, b.rightSize(sub, res))
			}
		case "microsoft.compute/disks":
			if hashN(b.seed, 100, "unattached", id) < 50 {
				out = append(out, b.unattachedDisk(sub, res))
			}
		}
	}
	if vms > 0 && rg == "" {
		out = append(out, b.buyReservation(sub))
	}
	return out
}

// savings returns a monthly saving (micro-units) in [lo, hi) units.
func (b *Billing) savings(key string, lo, hi int64) int64 {
	return (lo+hashN(b.seed, hi-lo, "save", key))*microPerUnit + hashN(b.seed, 100, "cents", key)*10_000
}

func (b *Billing) recommendation(sub Subscription, target, typeID, impact, field, value, problem, solution string, ext map[string]string) map[string]any {
	name := uuid(b.seed, "advisor", typeID, strings.ToLower(target))
	updated := day(b.clock.Now()).Add(-time.Duration(hashN(b.seed, 20, "upd", name)+4) * time.Hour)
	return map[string]any{
		"id":   target + "/providers/Microsoft.Advisor/recommendations/" + name,
		"name": name, "type": "Microsoft.Advisor/recommendations",
		"properties": map[string]any{
			"category": "Cost", "impact": impact, "impactedField": field, "impactedValue": value,
			"lastUpdated": updated.Format(time.RFC3339Nano), "recommendationTypeId": typeID,
			"shortDescription":   map[string]string{"problem": problem, "solution": solution},
			"extendedProperties": ext,
			"resourceMetadata": map[string]any{"resourceId": target,
				"source": target + "/providers/Microsoft.Advisor/recommendations/" + name},
		},
	}
}

func (b *Billing) rightSize(sub Subscription, vm Resource) map[string]any {
	monthly := b.savings(vm.ID, 20, 200)
	target := "Standard_B2s"
	ext := map[string]string{
		"currentSku": vmSKU(vm), "targetSku": target, "recommendationType": "SkuChange",
		"savingsAmount": formatMicro(monthly), "annualSavingsAmount": formatMicro(monthly * 12),
		"savingsCurrency": sub.currency(), "regionId": strings.ToLower(vm.Location), "subscriptionId": sub.ID,
		"MaxCpuP95": fmt.Sprint(2 + hashN(b.seed, 8, "cpu", vm.ID)), "MaxMemoryP95": fmt.Sprint(10 + hashN(b.seed, 30, "mem", vm.ID)),
		"lookbackPeriod": "7",
	}
	return b.recommendation(sub, vm.ID, RecRightSizeVM, "High", "Microsoft.Compute/virtualMachines", vm.Name,
		"Right-size or shutdown underutilized virtual machines", "Right-size or shutdown underutilized virtual machines", ext)
}

func (b *Billing) unattachedDisk(sub Subscription, disk Resource) map[string]any {
	monthly := b.savings(disk.ID, 5, 40)
	ext := map[string]string{
		"savingsAmount": formatMicro(monthly), "annualSavingsAmount": formatMicro(monthly * 12),
		"savingsCurrency": sub.currency(), "diskSku": "Premium_LRS", "regionId": strings.ToLower(disk.Location),
	}
	return b.recommendation(sub, disk.ID, RecUnattachedDsk, "Medium", "Microsoft.Compute/disks", disk.Name,
		"Review disks that aren't attached to a VM and evaluate if you still need the disks",
		"Review disks that aren't attached to a VM and evaluate if you still need the disks", ext)
}

func (b *Billing) buyReservation(sub Subscription) map[string]any {
	annual := b.savings(sub.ID+"ri", 300, 3000) * 12
	ext := map[string]string{
		"savingsAmount": formatMicro(annual / 12), "annualSavingsAmount": formatMicro(annual),
		"savingsCurrency": sub.currency(), "reservedResourceType": "virtualmachines", "term": "P1Y",
		"lookbackPeriod": "30", "qty": "2", "scope": "Single", "vmSize": "Standard_D2s_v3",
		"displaySKU": "Standard_D2s_v3", "region": "westeurope", "subId": sub.ID,
	}
	target := "/subscriptions/" + sub.ID
	return b.recommendation(sub, target, RecBuyVMRI, "Medium", "Microsoft.Subscriptions/subscriptions", sub.ID,
		"Buy virtual machine reserved instances to save money over pay-as-you-go costs",
		"Buy virtual machine reserved instances to save money over pay-as-you-go costs", ext)
}
