package web

import (
	"net/http"
	"testing"
	"time"
)

func TestNavMarksActiveArea(t *testing.T) {
	l := Layout{Active: NavSettingsAudit, Can: map[string]bool{"audit.read": true}}
	got := map[string]string{}
	for _, n := range l.Nav() {
		got[n.URL] = n.AriaCurrent
	}
	if got["/settings"] != "true" || got["/"] != "" || len(got) != 12 {
		t.Errorf("nav = %v", got)
	}
	sub := l.SettingsNav()
	if len(sub) != 2 || sub[1].URL != "/settings/audit" || sub[1].AriaCurrent != "page" {
		t.Errorf("settings nav = %+v", sub)
	}
}

func TestAreaCatalogue(t *testing.T) {
	cards := NewAreaCards(NavSpend)
	if len(cards) != 10 || cards[0].Key != NavSpend || !cards[0].Available || cards[1].Available {
		t.Errorf("cards = %+v", cards)
	}
	if _, ok := NewAreaPage("nope"); ok {
		t.Error("unknown area accepted")
	}
	p, ok := NewAreaPage(NavM365)
	if !ok || p.Area != "Microsoft 365" || p.Active != NavM365 || p.Description == "" {
		t.Errorf("area page = %+v", p)
	}
}

func TestErrorPageHeading(t *testing.T) {
	if h := NewErrorPage(http.StatusForbidden).Heading(); h != "You do not have permission" {
		t.Errorf("403 heading %q", h)
	}
	if h := (ErrorPage{Status: http.StatusTeapot}).Heading(); h != "I'm a teapot" {
		t.Errorf("fallback heading %q", h)
	}
	if h := (ErrorPage{}).Heading(); h != "Something went wrong" {
		t.Errorf("zero heading %q", h)
	}
}

func TestSecretGroupsAndInitial(t *testing.T) {
	if got := (MFASetupPage{Secret: "JBSWY3DPEHPK3PXPAB"}).SecretGroups(); got != "JBSW Y3DP EHPK 3PXP AB" {
		t.Errorf("SecretGroups = %q", got)
	}
	if got := (UserView{Name: "émile"}).Initial(); got != "É" {
		t.Errorf("Initial = %q", got)
	}
	if got := (UserView{}).Initial(); got != "?" {
		t.Errorf("empty Initial = %q", got)
	}
}

func TestTokenStatus(t *testing.T) {
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	cases := []struct {
		tok  TokenView
		want string
	}{
		{TokenView{}, "Active"},
		{TokenView{ExpiresAt: &future}, "Active"},
		{TokenView{ExpiresAt: &past}, "Expired"},
		{TokenView{ExpiresAt: &future, Revoked: true}, "Revoked"},
	}
	for _, c := range cases {
		if got := c.tok.Status(); got != c.want {
			t.Errorf("Status() = %q, want %q", got, c.want)
		}
	}
}

func TestAuditURLs(t *testing.T) {
	p := AuditPage{Filter: AuditFilter{Actor: "a&b@example.com"}, NextCursor: "abc"}
	if got := p.CSVURL(); got != "/settings/audit.csv?actor=a%26b%40example.com" {
		t.Errorf("CSVURL = %q", got)
	}
	if got := p.OlderURL(); got != "/settings/audit?actor=a%26b%40example.com&cursor=abc" {
		t.Errorf("OlderURL = %q", got)
	}
	if got := (AuditPage{}).CSVURL(); got != "/settings/audit.csv" {
		t.Errorf("empty CSVURL = %q", got)
	}
}

func TestStrengthValsIsJSON(t *testing.T) {
	v := NewPasswordView{Email: `a"b@example.com`}
	if got := v.StrengthVals(); got != `{"email":"a\"b@example.com"}` {
		t.Errorf("StrengthVals = %s", got)
	}
	if (NewPasswordView{}).StrengthVals() != "" {
		t.Error("vals sent without an email")
	}
}
