package vendor

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func call(t *testing.T, srv *httptest.Server, method, path, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// The ordering system wants its key, answers a resent order with the
// same reference, takes decisions (Go and HTTP control, scripts) and an
// answer only while querying.
func TestVendorOrderingSystem(t *testing.T) {
	v := New("k")
	srv := httptest.NewServer(v.Handler())
	defer srv.Close()
	order := `{"order_id":"ORD-1","lines":[{"sku":"S1","quantity":2}]}`
	if st, _ := call(t, srv, "POST", "/v1/orders", "wrong", order); st != http.StatusUnauthorized {
		t.Fatalf("wrong key: %d", st)
	}
	if st, _ := call(t, srv, "POST", "/v1/orders", "k", `{"order_id":"ORD-2","lines":[]}`); st != http.StatusBadRequest {
		t.Fatalf("no lines: %d", st)
	}
	st1, b1 := call(t, srv, "POST", "/v1/orders", "k", order)
	st2, b2 := call(t, srv, "POST", "/v1/orders", "k", order)
	if st1 != http.StatusCreated || st2 != http.StatusOK || !strings.Contains(b1, `"ref":"VO-000001"`) || !strings.Contains(b2, `"ref":"VO-000001"`) {
		t.Fatalf("send twice: %d %s / %d %s", st1, b1, st2, b2)
	}
	if o, _ := v.Get("ORD-1"); o.Sends != 2 || o.State != StateProcessing {
		t.Fatalf("order %+v", o)
	}
	if st, _ := call(t, srv, "POST", "/v1/orders/VO-000001/answer", "k", `{"answer":"x"}`); st != http.StatusConflict {
		t.Fatalf("answer while processing: %d", st)
	}
	if st, _ := call(t, srv, "POST", ControlPath+"/ORD-1", "", `{"state":"querying","message":"Which tenant?"}`); st != http.StatusNoContent {
		t.Fatalf("control: %d", st)
	}
	if _, b := call(t, srv, "GET", "/v1/orders/VO-000001", "k", ""); !strings.Contains(b, `"state":"querying"`) || !strings.Contains(b, "Which tenant?") {
		t.Fatalf("status %s", b)
	}
	if st, _ := call(t, srv, "POST", "/v1/orders/VO-000001/answer", "k", `{"answer":"contoso"}`); st != http.StatusNoContent {
		t.Fatalf("answer: %d", st)
	}
	v.Script("S1", Decision{State: StateFailed, Message: "suspended"})
	if _, b := call(t, srv, "GET", "/v1/orders/VO-000001", "k", ""); !strings.Contains(b, `"state":"failed"`) {
		t.Fatalf("scripted: %s", b)
	}
	if err := v.Decide("ORD-1", Decision{State: StateCompleted}); err == nil {
		t.Fatal("a failed order was decided again")
	}
	if st, _ := call(t, srv, "GET", "/v1/orders/VO-999999", "k", ""); st != http.StatusNotFound {
		t.Fatalf("unknown order: %d", st)
	}
}
