// Package vendor emulates a software vendor's ordering system, the other
// end of Canopy's marketplace vendor adapter: orders are placed with an
// API key, answered with a vendor reference, and move from processing to
// completed, failed or querying (the vendor needs something from the
// buyer) when the vendor decides. Tests and the demo decide through Go
// (Decide, Script) or over HTTP (ControlPath); AutoComplete completes
// every order at its first status check, as the demo wants.
package vendor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Order states, as the vendor API spells them.
const (
	StateProcessing = "processing"
	StateCompleted  = "completed"
	StateFailed     = "failed"
	StateQuerying   = "querying"
)

// ControlPath is where the decision control is served:
// POST {ControlPath}/{order_id} with {"state": ..., "message": ...}.
const ControlPath = "/_sandbox/vendor/orders"

// Order is an order as the vendor holds it.
type Order struct {
	Ref     string          `json:"ref"`
	OrderID string          `json:"order_id"`
	State   string          `json:"state"`
	Message string          `json:"message,omitempty"`
	Answers []string        `json:"answers,omitempty"`
	Request json.RawMessage `json:"request"`
	// Sends counts how often the order was sent (retries are not new orders).
	Sends int `json:"-"`
}

// Decision is what the vendor does next with an order.
type Decision struct {
	State   string `json:"state"`
	Message string `json:"message,omitempty"`
}

// Vendor is the emulated ordering system.
type Vendor struct {
	// APIKey must be presented as "Authorization: Bearer <APIKey>".
	APIKey string
	// AutoComplete completes an order without a decision at its first
	// status check.
	AutoComplete bool

	mu      sync.Mutex
	byRef   map[string]*Order
	byOrder map[string]*Order
	scripts map[string][]Decision // by SKU: decisions taken in turn at status checks
	next    int
}

// New returns a vendor accepting apiKey.
func New(apiKey string) *Vendor {
	return &Vendor{APIKey: apiKey, byRef: map[string]*Order{}, byOrder: map[string]*Order{}, scripts: map[string][]Decision{}}
}

// Decide sets the next state of an order (by Canopy's order ID).
func (v *Vendor) Decide(orderID string, d Decision) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.byOrder[orderID]
	if !ok {
		return fmt.Errorf("vendor: no order %s", orderID)
	}
	if o.State == StateCompleted || o.State == StateFailed {
		return fmt.Errorf("vendor: order %s is %s", orderID, o.State)
	}
	o.State, o.Message = d.State, d.Message
	return nil
}

// Script makes orders with a line of sku take these decisions, one per
// status check, before AutoComplete applies.
func (v *Vendor) Script(sku string, ds ...Decision) {
	v.mu.Lock()
	v.scripts[sku] = append(v.scripts[sku], ds...)
	v.mu.Unlock()
}

// Get returns a copy of an order (by Canopy's order ID).
func (v *Vendor) Get(orderID string) (Order, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.byOrder[orderID]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Handler serves the vendor API and the decision control.
func (v *Vendor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/orders", v.auth(v.place))
	mux.HandleFunc("GET /v1/orders/{ref}", v.auth(v.status))
	mux.HandleFunc("POST /v1/orders/{ref}/answer", v.auth(v.answer))
	mux.HandleFunc("POST "+ControlPath+"/{order}", v.control)
	return mux
}

func (v *Vendor) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+v.APIKey {
			WriteError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong API key")
			return
		}
		h(w, r)
	}
}

// WriteError writes the vendor API's error body.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type placed struct {
	OrderID string `json:"order_id"`
	Lines   []struct {
		SKU      string `json:"sku"`
		Quantity int64  `json:"quantity"`
	} `json:"lines"`
}

// place accepts an order; the same order ID again returns the same
// reference (a retried send).
func (v *Vendor) place(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	var p placed
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&raw); err != nil || json.Unmarshal(raw, &p) != nil {
		WriteError(w, http.StatusBadRequest, "bad_request", "the body is not an order")
		return
	}
	if p.OrderID == "" || len(p.Lines) == 0 {
		WriteError(w, http.StatusBadRequest, "bad_request", "an order needs order_id and lines")
		return
	}
	v.mu.Lock()
	o, ok := v.byOrder[p.OrderID]
	if !ok {
		v.next++
		o = &Order{Ref: fmt.Sprintf("VO-%06d", v.next), OrderID: p.OrderID, State: StateProcessing, Request: raw}
		v.byRef[o.Ref], v.byOrder[o.OrderID] = o, o
	}
	o.Sends++
	out := *o
	v.mu.Unlock()
	status := http.StatusCreated
	if ok {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
}

// status answers an order's state, taking a scripted or automatic
// decision first.
func (v *Vendor) status(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	o, ok := v.byRef[r.PathValue("ref")]
	if ok && o.State == StateProcessing {
		v.decideLocked(o)
	}
	var out Order
	if ok {
		out = *o
	}
	v.mu.Unlock()
	if !ok {
		WriteError(w, http.StatusNotFound, "not_found", "no such order")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (v *Vendor) decideLocked(o *Order) {
	var p placed
	_ = json.Unmarshal(o.Request, &p)
	for _, l := range p.Lines {
		if ds := v.scripts[l.SKU]; len(ds) > 0 {
			o.State, o.Message = ds[0].State, ds[0].Message
			v.scripts[l.SKU] = ds[1:]
			return
		}
	}
	if v.AutoComplete {
		o.State, o.Message = StateCompleted, ""
	}
}

func (v *Vendor) answer(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Answer string `json:"answer"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || strings.TrimSpace(body.Answer) == "" {
		WriteError(w, http.StatusBadRequest, "bad_request", "an answer is required")
		return
	}
	v.mu.Lock()
	o, ok := v.byRef[r.PathValue("ref")]
	state := ""
	if ok {
		state = o.State
		if state == StateQuerying {
			o.Answers = append(o.Answers, body.Answer)
			o.State, o.Message = StateProcessing, ""
		}
	}
	v.mu.Unlock()
	switch {
	case !ok:
		WriteError(w, http.StatusNotFound, "not_found", "no such order")
	case state != StateQuerying:
		WriteError(w, http.StatusConflict, "not_querying", "the order is "+state+", not waiting for an answer")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (v *Vendor) control(w http.ResponseWriter, r *http.Request) {
	var d Decision
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&d); err != nil {
		WriteError(w, http.StatusBadRequest, "bad_request", "the body is not a decision")
		return
	}
	switch d.State {
	case StateCompleted, StateFailed, StateQuerying, StateProcessing:
	default:
		WriteError(w, http.StatusBadRequest, "bad_request", "state must be completed, failed, querying or processing")
		return
	}
	if err := v.Decide(r.PathValue("order"), d); err != nil {
		WriteError(w, http.StatusConflict, "conflict", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
