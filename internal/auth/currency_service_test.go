package auth

import (
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

func TestReportingCurrency(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		owner := f.createUser("owner@fx.example", goodPassword)
		org, err := f.svc.CreateOrg(f.ctx, "FX", owner.ID, who(owner))
		if err != nil || org.ReportingCurrency != "USD" {
			t.Fatalf("a new org reports in USD: %+v %v", org, err)
		}
		p := f.principal(owner, org)
		_, err = f.svc.UpdateOrgSettings(f.ctx, p, OrgSettings{Name: "FX", ReportingCurrency: "EURO"}, who(owner))
		wantCode(t, err, domain.CodeInvalid, "unknown currency")
		if domain.ErrorField(err) != "reporting_currency" {
			t.Fatalf("error field: %q", domain.ErrorField(err))
		}
		got, err := f.svc.UpdateOrgSettings(f.ctx, p, OrgSettings{Name: "FX", ReportingCurrency: "eur"}, who(owner))
		if err != nil || got.ReportingCurrency != "EUR" {
			t.Fatalf("set EUR: %+v %v", got, err)
		}
		if stored, _ := f.st.GetOrg(f.ctx, org.ID); stored.ReportingCurrency != "EUR" {
			t.Fatalf("stored: %+v", stored)
		}
		// An admin may edit settings; changing the currency needs
		// currency.manage, which admins hold too. A settings-only role
		// without it would be refused: simulate with a bare grant set.
		limited := f.principal(owner, org)
		limited.Org.ReportingCurrency = "EUR"
		limited.Perms = NewPermissionSet(PermSettingsManage)
		_, err = f.svc.UpdateOrgSettings(f.ctx, limited, OrgSettings{Name: "FX", ReportingCurrency: "GBP"}, who(owner))
		wantCode(t, err, domain.CodeForbidden, "currency change without currency.manage")
		if _, err := f.svc.UpdateOrgSettings(f.ctx, limited, OrgSettings{Name: "FX2"}, who(owner)); err != nil {
			t.Fatalf("renaming keeps the currency and needs no currency.manage: %v", err)
		}
	})
}
