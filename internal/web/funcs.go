package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/budgets"
)

// TimeLayout is how the UI shows instants; always in UTC so what people
// see matches the audit log and exports whatever their time zone.
const TimeLayout = "2 Jan 2006 15:04 UTC"

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"asset":       AssetURL,
		"fmtTime":     fmtTime,
		"sizeBytes":   sizeBytes,
		"deref":       deref,
		"pngDataURL":  pngDataURL,
		"shortUA":     shortUA,
		"mailto":      mailto,
		"join":        strings.Join,
		"lower":       strings.ToLower,
		"money":       mktMoney,
		"helpLinks":   helpLinks,
		"budgetState": budgets.StateLabel,
		"bar":         budgets.Bar,
		"scopeLabel":  budgets.ScopeLabel,
		"metricLabel": budgets.MetricLabel,
	}
}

// helpPath finds the in-product help pages a sync's message names.
var helpPath = regexp.MustCompile(`/help/[a-z0-9]+(?:-[a-z0-9]+)*`)

// helpLinks escapes a sync's error or warning text and makes the help
// pages it names (/help/{slug}) links.
func helpLinks(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range helpPath.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		path := text[m[0]:m[1]]
		b.WriteString(`<a href="` + path + `">` + path + `</a>`)
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String()) //nolint:gosec // escaped above; the link is a fixed /help/ path
}

// fmtTime formats a time.Time or *time.Time in UTC; zero or nil is "—".
func fmtTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(TimeLayout)
}

// deref follows a pointer for templates; a nil pointer yields nil, which
// {{with}} and {{if}} treat as empty.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return v
	}
	if rv.IsNil() {
		return nil
	}
	return rv.Elem().Interface()
}

// pngDataURL embeds PNG bytes (the MFA QR code) as an image URL.
// html/template rejects data: URLs from plain strings, so this returns a
// template.URL; it is safe because the scheme and media type are fixed
// here and base64 cannot break out of the attribute.
func pngDataURL(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

// mailto returns a mailto: link for a valid address and "" otherwise, so
// contact entries that are names rather than addresses render as text.
func mailto(contact string) template.URL {
	addr, err := mail.ParseAddress(contact)
	if err != nil {
		return ""
	}
	return template.URL((&url.URL{Scheme: "mailto", Opaque: addr.Address}).String())
}

// shortUA turns a User-Agent header into "Firefox on Windows"; unknown
// agents are cut to a readable length instead.
func shortUA(ua string) string {
	browser, os := uaBrowser(ua), uaOS(ua)
	switch {
	case browser != "" && os != "":
		return browser + " on " + os
	case browser != "":
		return browser
	case strings.TrimSpace(ua) == "":
		return "Unknown device"
	}
	if r := []rune(ua); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return ua
}

// uaBrowser checks tokens in an order that matters: Edge and Opera also
// claim Chrome, and Chrome also claims Safari.
func uaBrowser(ua string) string {
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Go-http-client/", "Go client"}, {"python-requests/", "Python requests"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	return ""
}

func uaOS(ua string) string {
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return o.name
		}
	}
	return ""
}

// sizeBytes shows a byte count in binary units ("1.5 GiB").
func sizeBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v, i = v/1024, i+1
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
