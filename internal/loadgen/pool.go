package loadgen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// pool rotates requests over the nodes as a round-robin load balancer
// does: a node that refuses a connection is left out for downFor and the
// request goes to the next one (a failover, counted), so killing one of
// two nodes costs no request that the other can answer.
type pool struct {
	targets []*url.URL
	client  *http.Client
	next    atomic.Uint64
	mu      sync.Mutex
	down    map[int]time.Time // node index → until when it is left out
	fails   atomic.Int64
}

const downFor = 2 * time.Second

func newPool(targets []string, timeout time.Duration) *pool {
	p := &pool{down: map[int]time.Time{}}
	for _, t := range targets {
		u, err := url.Parse(t)
		if err != nil {
			panic("loadgen: bad target " + t) // checked by the caller's flags
		}
		p.targets = append(p.targets, u)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 1024
	p.client = &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return p
}

func (p *pool) failovers() int64 { return p.fails.Load() }

// result is one answered (or failed) request.
type result struct {
	status   int
	location string
	body     string // read only for unexpected statuses' messages (first 4 KiB)
	cookies  []*http.Cookie
	took     time.Duration
	at       time.Time
	err      error
}

// do sends req (its URL a path) to the next node that is up; a refused
// connection marks the node down and tries the others once each.
func (p *pool) do(ctx context.Context, req *http.Request) result {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	start := int(p.next.Add(1))
	var last result
	for i := range p.targets {
		n := (start + i) % len(p.targets)
		if p.isDown(n) && i < len(p.targets)-1 {
			continue
		}
		last = p.send(ctx, req, n, body)
		if last.err == nil || !refused(last.err) {
			return last
		}
		p.markDown(n)
		if i < len(p.targets)-1 {
			p.fails.Add(1)
		}
	}
	return last
}

func (p *pool) send(ctx context.Context, req *http.Request, n int, body []byte) result {
	r := req.Clone(ctx)
	u := *p.targets[n]
	u.Path, u.RawQuery = req.URL.Path, req.URL.RawQuery
	r.URL, r.Host = &u, u.Host
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	began := time.Now()
	resp, err := p.client.Do(r)
	res := result{at: began}
	if err != nil {
		res.took, res.err = time.Since(began), err
		return res
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		_, err = io.Copy(io.Discard, resp.Body) // the whole page, as a browser reads it
	} else {
		var b []byte
		b, err = io.ReadAll(io.LimitReader(resp.Body, 4096))
		res.body = string(b)
	}
	res.took = time.Since(began)
	res.status, res.location, res.cookies, res.err = resp.StatusCode, resp.Header.Get("Location"), resp.Cookies(), err
	return res
}

func (p *pool) isDown(n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Now().Before(p.down[n])
}

func (p *pool) markDown(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down[n] = time.Now().Add(downFor)
}

// refused reports a connection the node did not accept (it is not
// running): safe to send elsewhere, as the node never saw the request.
func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
