package web_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/shed"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// While the node's heavy-request limiter is saturated the explorer answers
// the busy page (503, Retry-After) after waiting, other pages answer as
// usual, and a browser without a session is sent to sign in first.
func TestSpendPageIsShedWhenTheNodeIsSaturated(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importCosts("A")
		l := shed.New(1, 30*time.Millisecond)
		f.ui.Heavy = l
		owner := f.client("owner-a@example.com")
		if code, _ := f.do(owner, "GET", "/spend?"+spendRange, nil); code != http.StatusOK {
			t.Fatalf("GET /spend with a free slot: %d", code)
		}
		hold, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		res, err := owner.Get(f.srv.URL + "/spend?" + spendRange)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" ||
			!strings.Contains(string(body), "Canopy is busy") || !strings.Contains(string(body), "Try again in 5 seconds") {
			t.Fatalf("saturated GET /spend: %d, Retry-After %q, body %.300s", res.StatusCode, res.Header.Get("Retry-After"), body)
		}
		if code, _ := f.do(owner, "GET", "/spend/imports", nil); code != http.StatusOK {
			t.Errorf("a cheap page while saturated: %d", code)
		}
		anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err = anon.Get(f.srv.URL + "/spend?" + spendRange)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
			t.Errorf("no session while saturated: %d to %q, want the sign-in redirect", res.StatusCode, res.Header.Get("Location"))
		}
		hold()
		if code, _ := f.do(owner, "GET", "/spend?"+spendRange, nil); code != http.StatusOK {
			t.Fatalf("GET /spend after the slot is free: %d", code)
		}
	})
}

func TestHeavyUIRoutes(t *testing.T) {
	want := []string{"GET /allocation", "GET /budgets", "GET /spend", "GET /spend/consumption", "GET /spend/export.csv", "GET /spend/lines.csv"}
	var got []string
	for _, rt := range newFixture(t, storetest.Open(t, store.SQLite)).ui.RouteList() {
		if rt.Heavy {
			got = append(got, rt.Pattern)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("heavy UI routes %v, want %v", got, want)
	}
}
