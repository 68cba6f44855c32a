package sbx

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Fault makes matching requests of one service misbehave. Faults that
// concern identity (expired, revoked or incomplete tokens, missing roles)
// are state of the identity service instead; these are the transport-level
// ones every service shares.
type Fault struct {
	// Path restricts the fault to request paths starting with it ("" = all).
	Path string `json:"path,omitempty"`
	// Status answers with this HTTP status (429, 500, 503 ...) and a body in
	// the service's error format; 0 leaves the answer alone.
	Status int `json:"status,omitempty"`
	// RetryAfter is sent as Retry-After (whole seconds) with Status.
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// Delay holds the request this long before it is answered.
	Delay time.Duration `json:"delay,omitempty"`
	// Truncate cuts the response body after this many bytes (a half-written page).
	Truncate int `json:"truncate,omitempty"`
	// Times is how many requests the fault applies to; 0 means until cleared.
	Times int `json:"times,omitempty"`
}

// ErrorWriter writes an error body in a service's own format.
type ErrorWriter func(w http.ResponseWriter, status int, code, message string)

// Faults holds the active faults and request counts of every service.
type Faults struct {
	mu     sync.Mutex
	active map[string][]*Fault
	counts map[string]int
}

// NewFaults returns an empty fault registry.
func NewFaults() *Faults {
	return &Faults{active: map[string][]*Fault{}, counts: map[string]int{}}
}

// Add activates f for service.
func (fs *Faults) Add(service string, f Fault) {
	fs.mu.Lock()
	fs.active[service] = append(fs.active[service], &f)
	fs.mu.Unlock()
}

// Clear removes every fault of service ("" = of all services).
func (fs *Faults) Clear(service string) {
	fs.mu.Lock()
	if service == "" {
		fs.active = map[string][]*Fault{}
	} else {
		delete(fs.active, service)
	}
	fs.mu.Unlock()
}

// Count returns how many requests service received whose path starts with
// prefix ("" = all); tests use it to prove that a client does not retry
// in a storm.
func (fs *Faults) Count(service, prefix string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := 0
	for k, c := range fs.counts {
		s, p, _ := strings.Cut(k, " ")
		if s == service && strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// ResetCounts forgets all request counts.
func (fs *Faults) ResetCounts() {
	fs.mu.Lock()
	fs.counts = map[string]int{}
	fs.mu.Unlock()
}

// take counts the request and returns the fault that applies to it, if any.
func (fs *Faults) take(service, path string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.counts[service+" "+path]++
	list := fs.active[service]
	for i, f := range list {
		if f.Path != "" && !strings.HasPrefix(path, f.Path) {
			continue
		}
		got := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				fs.active[service] = append(list[:i:i], list[i+1:]...)
			}
		}
		return &got
	}
	return nil
}

// Middleware applies the service's faults to next. errw writes injected
// error statuses in the service's own error format.
func (fs *Faults) Middleware(service string, errw ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := fs.take(service, r.URL.Path)
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.Status != 0 {
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
			}
			errw(w, f.Status, faultCode(f.Status), "injected by the sandbox's fault controls")
			return
		}
		if f.Truncate > 0 {
			w = &truncWriter{ResponseWriter: w, left: f.Truncate}
		}
		next.ServeHTTP(w, r)
	})
}

func faultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	}
	return "InternalServerError"
}

// truncWriter drops everything after the first left bytes of the body, so
// the client sees a response that ends mid-document.
type truncWriter struct {
	http.ResponseWriter
	left int
}

func (t *truncWriter) WriteHeader(status int) {
	t.ResponseWriter.Header().Del("Content-Length")
	t.ResponseWriter.WriteHeader(status)
}

func (t *truncWriter) Write(b []byte) (int, error) {
	n := len(b)
	if t.left <= 0 {
		return n, nil
	}
	if len(b) > t.left {
		b = b[:t.left]
	}
	t.left -= len(b)
	_, err := t.ResponseWriter.Write(b)
	return n, err
}

// ControlHandler serves the fault controls over HTTP, for the demo and for
// browser tests: POST {"service":..., "fault":{...}} adds, DELETE
// ?service=... clears, GET ?service=...&path=... returns the request count.
func (fs *Faults) ControlHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			var in struct {
				Service string `json:"service"`
				Fault   Fault  `json:"fault"`
			}
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil || in.Service == "" {
				http.Error(w, "body must be {\"service\":..., \"fault\":{...}}", http.StatusBadRequest)
				return
			}
			fs.Add(in.Service, in.Fault)
			w.WriteHeader(http.StatusNoContent)
		case http.MethodDelete:
			fs.Clear(r.URL.Query().Get("service"))
			w.WriteHeader(http.StatusNoContent)
		case http.MethodGet:
			q := r.URL.Query()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]int{"count": fs.Count(q.Get("service"), q.Get("path"))})
		default:
			w.Header().Set("Allow", "GET, POST, DELETE")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}
