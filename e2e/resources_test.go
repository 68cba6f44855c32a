package e2e

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var compliantOf = regexp.MustCompile(`\((\d+) of (\d+)\)`)

// compliance reads the overall "(compliant of total)" of the virtual
// resources' coverage (the demo's syncs add cloud resources meanwhile).
func (b *tab) compliance() (compliant, total int) {
	b.t.Helper()
	if st := b.open("/resources/coverage?source=virtual"); st != http.StatusOK {
		b.fatalf("coverage: status %d", st)
	}
	m := compliantOf.FindStringSubmatch(b.textOf("#coverage-overall"))
	if m == nil {
		b.fatalf("coverage shows no resource counts: %q", b.textOf("#coverage-overall"))
	}
	compliant, _ = strconv.Atoi(m[1])
	total, _ = strconv.Atoi(m[2])
	return compliant, total
}

// In the demo, a FinOps user creates a virtual resource, tags it in bulk
// through the filter and its confirmation, sees the tag on the resource
// and the coverage of the required CostCenter tag rise by one resource.
func TestResourcesVirtualBulkTagAndCoverage(t *testing.T) {
	t.Parallel()
	demo := startDemo(t, filepath.Join(t.TempDir(), "demo"))
	b := newTab(t, demo.url)
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	b.signIn(demo.email, demo.pwd)
	if st := b.submit(`#sidenav a[href="/resources"]`); st != http.StatusOK {
		b.fatalf("Resources: status %d", st)
	}
	b.mustSee("Refresh from cost data", "Missing: CostCenter")
	if st := b.open("/resources?source=virtual"); st != http.StatusOK {
		b.fatalf("virtual resources: status %d", st)
	}
	b.mustSee("Support contract")

	if st := b.open("/resources/virtual/new"); st != http.StatusOK {
		b.fatalf("new virtual resource: status %d", st)
	}
	b.fill("#v-name", "Shared platform fee")
	b.fill("#v-amount", "1200.00")
	b.fill("#v-currency", "USD")
	b.do("first month", evalVoid(`document.querySelector("#v-from").value = "2026-01"`))
	if st := b.submit(`#virtual-form button[type=submit]`); st != http.StatusOK {
		b.fatalf("save virtual resource: status %d", st)
	}
	b.mustSee("Shared platform fee", "1200.00 USD from 2026-01, open-ended", "CostCenter")
	resourcePath := b.path()
	before, total := b.compliance()

	if st := b.open("/resources?source=virtual&missing=CostCenter"); st != http.StatusOK {
		b.fatalf("filtered inventory: status %d", st)
	}
	b.mustSee("Shared platform fee")
	b.mustNotSee("Support contract") // it has its CostCenter
	b.fill("#bulk-set", "CostCenter=CC-2000")
	if st := b.submit(`#bulk button[type=submit]`); st != http.StatusOK {
		b.fatalf("review the bulk edit: status %d", st)
	}
	if got := b.textOf(`#bulk-confirm [data-matching]`); got != "1 resource" {
		b.fatalf("the confirmation counts %q, want 1 resource", got)
	}
	b.shot("bulk-confirm")
	if st := b.submit(`#bulk button[type=submit]`); st != http.StatusOK {
		b.fatalf("apply the bulk edit: status %d", st)
	}
	b.mustSee("Tags changed on 1 of the 1 resources")

	if st := b.open(resourcePath); st != http.StatusOK {
		b.fatalf("resource page: status %d", st)
	}
	if got := b.textOf(`#resource-tags tr[data-tag="CostCenter"]`); !strings.Contains(got, "CC-2000") {
		b.fatalf("the resource's CostCenter row reads %q", got)
	}
	after, total2 := b.compliance()
	if total2 != total || after != before+1 {
		b.fatalf("coverage went from %d of %d to %d of %d, want one more compliant resource", before, total, after, total2)
	}
	b.shot("coverage")
	for _, p := range []string{resourcePath, "/resources/coverage", "/resources/virtual/new", "/settings/tags", "/resources"} {
		noHorizontalScroll(b, p)
	}
	b.shot("inventory")
}
