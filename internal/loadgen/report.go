package loadgen

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"time"
)

// maxSamples caps the error messages kept (per user and in the report).
const maxSamples = 20

// recorder is one user's measurements; users do not share one, so
// recording takes no lock.
type recorder struct {
	began   time.Time
	took    map[string][]time.Duration
	errs    map[string]int
	shed    map[string]int // of errs: 503 answers (the node shed the request)
	samples []string
	lastErr time.Time
	outs    int
	lastOut time.Time
}

func newRecorder() *recorder {
	return &recorder{took: map[string][]time.Duration{}, errs: map[string]int{}, shed: map[string]int{}}
}

func (r *recorder) ok(class string, d time.Duration) { r.took[class] = append(r.took[class], d) }

func (r *recorder) fail(class string, at time.Time, d time.Duration, msg string) {
	r.errs[class]++
	if d > 0 {
		r.took[class] = append(r.took[class], d)
	}
	if at.After(r.lastErr) {
		r.lastErr = at
	}
	if len(r.samples) < maxSamples {
		r.samples = append(r.samples, fmt.Sprintf("+%.1fs %s", at.Sub(r.began).Seconds(), msg))
	}
}

func (r *recorder) signedOut(at time.Time) {
	r.outs++
	if at.After(r.lastOut) {
		r.lastOut = at
	}
}

// Class is one route class's figures.
type Class struct {
	Name          string
	Requests      int // answered or failed
	Errors        int
	Shed          int // of Errors: answered 503 (shed by the node's heavy-request bound)
	P50, P95, P99 time.Duration
	Max           time.Duration
}

// Report is a run's result.
type Report struct {
	Elapsed   time.Duration
	Users     int
	Classes   []Class
	Requests  int       // during the run: the sign-ins before it are not counted here
	Errors    int       // including failed sign-ins
	Shed      int       // of Errors: 503 answers
	Samples   []string  // some error messages, with their offset from the start
	LastError time.Time // zero when there was none
	// SignedOut counts pages answered with a redirect to /signin (the
	// session had ended; the user signed in again); LastSignedOut is the
	// latest.
	SignedOut     int
	LastSignedOut time.Time
	Failovers     int64 // requests sent to another node after a refused connection
}

func merge(recs []*recorder, elapsed time.Duration, failovers int64) *Report {
	rep := &Report{Elapsed: elapsed, Users: len(recs), Failovers: failovers}
	took, errs, shed := map[string][]time.Duration{}, map[string]int{}, map[string]int{}
	for _, r := range recs {
		for c, n := range r.shed {
			shed[c] += n
			rep.Shed += n
		}
		for c, d := range r.took {
			took[c] = append(took[c], d...)
		}
		for c, n := range r.errs {
			errs[c] += n
			rep.Errors += n
		}
		if len(rep.Samples) < maxSamples {
			rep.Samples = append(rep.Samples, r.samples[:min(len(r.samples), maxSamples-len(rep.Samples))]...)
		}
		if r.lastErr.After(rep.LastError) {
			rep.LastError = r.lastErr
		}
		rep.SignedOut += r.outs
		if r.lastOut.After(rep.LastSignedOut) {
			rep.LastSignedOut = r.lastOut
		}
	}
	names := make([]string, 0, len(took))
	for c := range took {
		names = append(names, c)
	}
	for c := range errs {
		if _, ok := took[c]; !ok {
			names = append(names, c)
		}
	}
	sort.Strings(names)
	for _, c := range names {
		d := took[c]
		sortDurations(d)
		n := len(d)
		if n < errs[c] { // failures without an answer have no duration
			n = errs[c]
		}
		cl := Class{Name: c, Requests: n, Errors: errs[c], Shed: shed[c], P50: Percentile(d, 50), P95: Percentile(d, 95), P99: Percentile(d, 99)}
		if len(d) > 0 {
			cl.Max = d[len(d)-1]
		}
		rep.Classes = append(rep.Classes, cl)
		if c != signInClass { // before the run: not in its throughput
			rep.Requests += n
		}
	}
	return rep
}

// Class returns the named class's figures (zero when none ran).
func (r *Report) Class(name string) Class {
	for _, c := range r.Classes {
		if c.Name == name {
			return c
		}
	}
	return Class{Name: name}
}

// Throughput is answered requests per second over the run.
func (r *Report) Throughput() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Write prints the report as a table.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "users: %d, elapsed %.1f s, requests %d (%.1f req/s), errors %d (of which shed with 503: %d), signed out %d, failovers %d\n",
		r.Users, r.Elapsed.Seconds(), r.Requests, r.Throughput(), r.Errors, r.Shed, r.SignedOut, r.Failovers)
	fmt.Fprintf(w, "%-40s %8s %7s %9s %9s %9s %9s %7s %5s\n", "route class", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "shed")
	for _, c := range r.Classes {
		fmt.Fprintf(w, "%-40s %8d %7.2f %9.1f %9.1f %9.1f %9.1f %7d %5d\n", c.Name, c.Requests, float64(c.Requests)/r.Elapsed.Seconds(),
			msf(c.P50), msf(c.P95), msf(c.P99), msf(c.Max), c.Errors, c.Shed)
	}
	for _, s := range r.Samples {
		fmt.Fprintln(w, "error:", s)
	}
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func urlEscape(s string) string { return url.QueryEscape(s) }
