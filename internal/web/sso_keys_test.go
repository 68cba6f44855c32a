package web_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

var closingCert = regexp.MustCompile(`</(\w+:)?X509Certificate>`)

// Rotating Canopy's SAML certificate from the settings page: rotate
// publishes a second certificate in the metadata, activate switches, remove
// drops the old one; the page offers the next step each time. Viewers are
// refused and another organisation's owner does not find the connection.
func TestSAMLKeyRotationPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f, _ := newSAMLFixture(t, db)
		owner, viewer, ownerB := f.client("owner-a@example.com"), f.client("viewer-a@example.com"), f.client("owner-b@example.com")
		base := "/settings/sso/" + f.saml.ID
		certs := func() int {
			t.Helper()
			resp, err := http.Get(f.srv.URL + "/login/metadata?connection=" + f.saml.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return len(closingCert.FindAllString(string(b), -1))
		}
		if n := certs(); n != 1 {
			t.Fatalf("metadata before rotation: %d certificates", n)
		}
		code, body := f.do(owner, http.MethodGet, base, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-sp-rotate"`) || strings.Contains(body, `id="sso-sp-activate"`) ||
			!strings.Contains(body, `data-confirm="Create a new signing certificate?`) || strings.Count(body, `<dt data-use=`) != 1 {
			t.Fatalf("page before rotation: %d %s", code, body)
		}
		if code, _ := f.do(viewer, http.MethodPost, base+"/sp-key/rotate", nil); code != http.StatusForbidden {
			t.Fatalf("viewer rotates: %d", code)
		}
		if code, _ := f.do(ownerB, http.MethodPost, base+"/sp-key/rotate", nil); code != http.StatusNotFound {
			t.Fatalf("other organisation rotates: %d", code)
		}
		if code, _ := f.do(owner, http.MethodPost, base+"/sp-key/explode", nil); code != http.StatusNotFound {
			t.Fatalf("unknown step: %d", code)
		}
		if n := certs(); n != 1 {
			t.Fatalf("refused rotations changed the metadata: %d certificates", n)
		}

		if code, _ := f.do(owner, http.MethodPost, base+"/sp-key/rotate", nil); code != http.StatusSeeOther {
			t.Fatalf("rotate: %d", code)
		}
		_, body = f.do(owner, http.MethodGet, base, nil)
		if !strings.Contains(body, `id="sso-sp-activate"`) || strings.Contains(body, `id="sso-sp-rotate"`) ||
			!strings.Contains(body, `<dt data-use="next">`) || !strings.Contains(body, "New certificate published") || certs() != 2 {
			t.Fatalf("page after rotation (%d certificates): %s", certs(), body)
		}
		if code, _ := f.do(owner, http.MethodPost, base+"/sp-key/activate", nil); code != http.StatusSeeOther {
			t.Fatalf("activate: %d", code)
		}
		_, body = f.do(owner, http.MethodGet, base, nil)
		if !strings.Contains(body, `<dt data-use="previous">`) || !strings.Contains(body, `id="sso-sp-remove"`) || certs() != 2 {
			t.Fatalf("page after activation: %s", body)
		}
		// A sign-in works once the IdP has read the new metadata.
		md, err := f.owner.SPMetadata(context.Background(), f.saml.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.idp.Register(t, md)
		c := f.client("")
		action, fields := f.viaSAML(c, "sam@saml.test")
		if code, loc, _ := f.postBack(c, action, fields); code != http.StatusSeeOther || loc != "/settings" {
			t.Fatalf("sign-in after activation: %d %s", code, loc)
		}
		if code, _ := f.do(owner, http.MethodPost, base+"/sp-key/remove-previous", nil); code != http.StatusSeeOther {
			t.Fatalf("remove: %d", code)
		}
		_, body = f.do(owner, http.MethodGet, base, nil)
		if strings.Count(body, `<dt data-use=`) != 1 || strings.Contains(body, `id="sso-sp-remove"`) || certs() != 1 {
			t.Fatalf("page after removal: %s", body)
		}
		// A step out of order is explained, not an error page.
		if code, _ := f.do(owner, http.MethodPost, base+"/sp-key/remove-previous", nil); code != http.StatusSeeOther {
			t.Fatalf("remove again: %d", code)
		}
		if _, body = f.do(owner, http.MethodGet, base, nil); !strings.Contains(body, "There is no previous certificate to remove.") {
			t.Fatalf("no explanation: %s", body)
		}
	})
}
