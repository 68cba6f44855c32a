// Package loadgen drives virtual users against running Canopy nodes: some
// sign in with a password and browse the web pages, others call the JSON
// API with a bearer token. It measures each route class's latency and
// counts errors. It only speaks HTTP to the base URLs it is given (the
// load and fault suites give it loopback addresses) and stops by itself
// when its duration is over.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Account is one virtual user. With a Token the user calls the API;
// without, it signs in with Email and Password and browses the pages.
type Account struct {
	Email    string
	Password string
	Token    string
}

// Options says what to drive and for how long.
type Options struct {
	Targets  []string  // node base URLs, e.g. http://127.0.0.1:8080; requests rotate over them
	Accounts []Account // one virtual user each
	Duration time.Duration
	// Think is the mean pause of a user between two requests (each pause
	// is uniform in [Think/2, 3·Think/2]); 0 sends back to back.
	Think time.Duration
	// From and To (exclusive) are the charge days the data covers; the
	// explorer's ranges are drawn inside them.
	From, To time.Time
	Seed     uint64
	// Timeout bounds one request (default 60 s).
	Timeout time.Duration
	// Ramp spreads the web users' sign-ins over this time (user i of n
	// starts i·Ramp/n in), as people arrive over a morning rather than in
	// one second; 0 signs everyone in at once.
	Ramp time.Duration
	// Started, if set, is called when the users have signed in and the
	// timed run begins (the fault suite strikes some time after it).
	Started func()
}

// Run drives the users until the duration is over or ctx ends, and
// returns what was measured. Web users sign in first, spread over Ramp
// (the sign-ins are measured as their own class); then every user
// browses for the duration.
func Run(ctx context.Context, o Options) (*Report, error) {
	if len(o.Targets) == 0 || len(o.Accounts) == 0 || o.Duration <= 0 {
		return nil, errors.New("loadgen: need targets, accounts and a duration")
	}
	if !o.From.Before(o.To) {
		return nil, errors.New("loadgen: need a data range From < To")
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	pool := newPool(o.Targets, o.Timeout)
	users := make([]*user, len(o.Accounts))
	rec := make([]*recorder, len(o.Accounts))
	for i, acc := range o.Accounts {
		rec[i] = newRecorder()
		users[i] = &user{acc: acc, pool: pool, rec: rec[i], o: &o,
			rnd: rand.New(rand.NewPCG(o.Seed, uint64(i)+1))}
	}
	if err := signInAll(ctx, users, o.Ramp, max(o.Timeout, signInWithin)+o.Ramp); err != nil {
		return merge(rec, 0, pool.failovers()), err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	began := time.Now()
	if o.Started != nil {
		o.Started()
	}
	var wg sync.WaitGroup
	for _, u := range users {
		u.rec.began = began
		wg.Add(1)
		go func() {
			defer wg.Done()
			u.run(ctx)
		}()
	}
	wg.Wait()
	return merge(rec, time.Since(began), pool.failovers()), nil
}

// signInWithin bounds the sign-in phase: argon2id hashes run one per CPU,
// so 200 sign-ins queue for a while on a small, busy machine.
const signInWithin = 5 * time.Minute

// signInAll signs every web user in, spread over ramp, before the
// browsing starts (argon2id makes sign-ins the slowest request; they are
// measured, but the duration is the browsing time). A failed sign-in is
// an error and is tried again, for at most the given time.
func signInAll(ctx context.Context, users []*user, ramp, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var web []*user
	for _, u := range users {
		if u.acc.Token == "" {
			web = append(web, u)
		}
	}
	var wg sync.WaitGroup
	for i, u := range web {
		u.rec.began = time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			u.pause(ctx, ramp*time.Duration(i)/time.Duration(len(web)))
			for !u.signIn(ctx) && ctx.Err() == nil {
				u.pause(ctx, time.Second)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("loadgen: not every user signed in within %v", timeout)
	}
	return nil
}

// user is one virtual user's loop.
type user struct {
	acc     Account
	pool    *pool
	rec     *recorder
	o       *Options
	rnd     *rand.Rand
	session *http.Cookie
}

func (u *user) run(ctx context.Context) {
	for ctx.Err() == nil {
		if u.acc.Token == "" && u.session == nil {
			if !u.signIn(ctx) {
				u.pause(ctx, time.Second) // do not hammer a failing sign-in
				continue
			}
			u.pause(ctx, u.think())
			continue
		}
		var rt route
		if u.acc.Token != "" {
			rt = apiRoutes.pick(u.rnd)
		} else {
			rt = webRoutes.pick(u.rnd)
		}
		u.visit(ctx, rt)
		u.pause(ctx, u.think())
	}
}

func (u *user) think() time.Duration {
	if u.o.Think <= 0 {
		return 0
	}
	return u.o.Think/2 + time.Duration(u.rnd.Int64N(int64(u.o.Think)+1))
}

func (u *user) pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// visit sends one request of the route and records its outcome. A web
// page answered with a redirect to /signin means the session ended: it
// is counted apart, and the user signs in again.
func (u *user) visit(ctx context.Context, rt route) {
	target := rt.path(u.rnd, u.o.From, u.o.To)
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		u.rec.fail(rt.class, time.Now(), 0, err.Error())
		return
	}
	if u.acc.Token != "" {
		req.Header.Set("Authorization", "Bearer "+u.acc.Token)
	} else {
		req.AddCookie(u.session)
	}
	res := u.pool.do(ctx, req)
	switch {
	case ctx.Err() != nil && res.err != nil:
		return // the run ended during the request
	case res.err != nil:
		u.rec.fail(rt.class, res.at, res.took, res.err.Error())
	case res.status == http.StatusSeeOther && strings.HasPrefix(res.location, "/signin") && u.acc.Token == "":
		u.rec.signedOut(res.at)
		u.session = nil
	case res.status != http.StatusOK:
		if res.status == http.StatusServiceUnavailable {
			u.rec.shed[rt.class]++
		}
		u.rec.fail(rt.class, res.at, res.took, fmt.Sprintf("GET %s: status %d %s", req.URL.Path, res.status, snippet(res.body)))
	default:
		u.rec.ok(rt.class, res.took)
	}
}

const signInClass = "web sign-in (POST /signin/password)"

func (u *user) signIn(ctx context.Context) bool {
	form := "email=" + urlEscape(u.acc.Email) + "&password=" + urlEscape(u.acc.Password)
	req, err := http.NewRequest(http.MethodPost, "/signin/password", strings.NewReader(form))
	if err != nil {
		u.rec.fail(signInClass, time.Now(), 0, err.Error())
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := u.pool.do(ctx, req)
	if ctx.Err() != nil && res.err != nil {
		return false
	}
	if res.err != nil {
		u.rec.fail(signInClass, res.at, res.took, res.err.Error())
		return false
	}
	for _, c := range res.cookies {
		if c.Name == "canopy_session" && c.Value != "" && res.status == http.StatusSeeOther {
			u.session = &http.Cookie{Name: c.Name, Value: c.Value}
			u.rec.ok(signInClass, res.took)
			return true
		}
	}
	u.rec.fail(signInClass, res.at, res.took, fmt.Sprintf("sign in as %s: status %d %s", u.acc.Email, res.status, snippet(res.body)))
	return false
}

func snippet(b string) string {
	b = strings.Join(strings.Fields(b), " ")
	if len(b) > 160 {
		b = b[:160] + "…"
	}
	return b
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted
// durations by the nearest-rank method; 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func sortDurations(d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
}
