package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/canopyhq/canopy/internal/api"
	"github.com/canopyhq/canopy/internal/costs/costcache"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/shed"
	"github.com/canopyhq/canopy/internal/svcaccount"
	"github.com/canopyhq/canopy/internal/web"
)

// Handler builds the whole HTTP surface: UI, API, health and metrics, with
// the cross-cutting middleware.
func (a *App) Handler() (http.Handler, error) {
	renderer, err := web.NewRenderer()
	if err != nil {
		return nil, err
	}
	renderer.SetLogger(a.Log)
	mux := http.NewServeMux()
	ui := &web.Server{Auth: a.Auth, Imports: a.Imports, Connections: a.Connections, Allocation: a.Allocation, Budgets: a.Budgets, Notify: a.Notify,
		Alerts: a.Alerts, Spend: a.Spend, R: renderer, Log: a.Log,
		Sessions: web.NewSessionManager(a.Store, a.Cfg.SessionIdle, a.Cfg.SessionLifetime, a.Cfg.SecureCookies)}
	ui.TagSync, ui.Chargebacks, ui.Recommendations, ui.Marketplace = a.TagSync, a.Chargebacks, a.Recommendations, a.Marketplace
	ui.Inventory = a.Inventory
	// One bound for the node's cost scans, UI and API together.
	heavy := shed.New(a.Cfg.HeavyRequests, a.Cfg.HeavyWait)
	ui.Heavy = heavy
	apiSrv := api.New(a.Auth, a.Log).WithSpend(a.Spend).WithImports(a.Imports).WithConnections(a.Connections).WithAllocation(a.Allocation).WithChargebacks(a.Chargebacks).WithTagSync(a.TagSync).WithBudgets(a.Budgets, a.Notify).
		WithAlerts(a.Alerts).WithMarketplace(a.Marketplace).
		WithRecommendations(a.Recommendations).WithServiceAccounts(a.Collector).WithHeavyLimiter(heavy).WithInventory(a.Inventory)
	ui.ServiceAccounts = &svcaccount.Service{Store: a.Store, Keys: a.Collector}
	ui.Delegation = apiSrv.Delegation()
	ui.Routes(mux)
	apiSrv.Routes(mux)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_heavy_requests_running", Help: "Requests scanning cost data now (bounded by CANOPY_HEAVY_REQUESTS)."},
			func() float64 { return float64(heavy.Stats().Running) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_heavy_requests_waiting", Help: "Requests waiting for a heavy-request slot."},
			func() float64 { return float64(heavy.Stats().Waiting) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_heavy_requests_shed_total", Help: "Requests refused with 503 after waiting CANOPY_HEAVY_WAIT for a slot."},
			func() float64 { return float64(heavy.Stats().Shed) }))
	if cache, ok := a.Spend.Costs.(*costcache.Querier); ok {
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_cost_cache_hits_total", Help: "Cost questions answered from the cost query cache."},
				func() float64 { return float64(cache.Stats().Hits) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canopy_cost_cache_misses_total", Help: "Cost questions the cost query cache had to run."},
				func() float64 { return float64(cache.Stats().Misses) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canopy_cost_cache_bytes", Help: "Estimated memory of the cost query cache (bounded by CANOPY_QUERY_CACHE_MB)."},
				func() float64 { return float64(cache.Stats().Bytes) }))
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", a.ready)
	proxies, err := parseProxies(a.Cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	// Identity providers post SAML responses from their own origin. That
	// post only answers with a page re-posting it from Canopy's origin; the
	// response's signature, InResponseTo (bound to the browser session) and
	// the replay cache protect the sign-in itself.
	cop.AddInsecureBypassPattern("POST /login/callback")
	// They post SAML logout messages too: a LogoutRequest is checked by its
	// signature, issuer, destination, age and the replay cache, and a
	// LogoutResponse must answer a sign-out under way (single-use state);
	// neither acts on the browser's session.
	cop.AddInsecureBypassPattern("POST /logout/callback")
	h := cop.Handler(securityHeaders(mux))
	return realIP(proxies, a.observe(m, recoverer(a, h))), nil
}

// ready reports whether the database answers.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		a.Log.Warn("readiness: database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

func recoverer(a *App, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Serve listens on the configured address until ctx ends, then shuts down
// gracefully: in-flight requests finish, jobs stop.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	h, err := a.Handler()
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if cerr := a.Close(sctx); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return err
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "canopy_http_requests_total",
			Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "canopy_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe logs each request (method, route, status, duration, never query
// strings or bodies, which may hold tokens) and counts it.
func (a *App) observe(m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		reqID := domain.NewID("req_")
		w.Header().Set("X-Request-ID", reqID)
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(route).Observe(d.Seconds())
		a.Log.Debug("request", "id", reqID, "method", r.Method, "route", route, "status", rec.status, "ms", d.Milliseconds())
	})
}
