package shed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

func TestAtMostCapacityRunAtOnce(t *testing.T) {
	l := New(3, time.Minute)
	var mu sync.Mutex
	running, peak := 0, 0
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			release, err := l.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			release()
		})
	}
	wg.Wait()
	if peak != 3 {
		t.Fatalf("peak %d requests at once, want the capacity 3", peak)
	}
	if st := l.Stats(); st.Running != 0 || st.Waiting != 0 || st.Shed != 0 || st.Capacity != 3 {
		t.Fatalf("stats after the burst: %+v", st)
	}
}

func TestRefusedAfterWaitingWithUnavailable(t *testing.T) {
	l := New(1, 20*time.Millisecond)
	hold, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Acquire(context.Background())
	if domain.ErrorCode(err) != domain.CodeUnavailable || domain.HTTPStatus(err) != 503 {
		t.Fatalf("saturated: %v, want unavailable (503)", err)
	}
	if st := l.Stats(); st.Shed != 1 || st.Waiting != 0 || st.Running != 1 {
		t.Fatalf("stats: %+v", st)
	}
	hold()
	hold() // a second release must not free a slot it does not hold
	a, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if _, err := l.Acquire(context.Background()); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("a double release freed a second slot: %v", err)
	}
	a()
}

func TestAGoneClientLeavesTheQueue(t *testing.T) {
	l := New(1, time.Hour)
	hold, _ := l.Acquire(context.Background())
	defer hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := l.Acquire(ctx)
		done <- err
	}()
	for l.Stats().Waiting != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("cancelled wait: %v, want context.Canceled", err)
	}
	if st := l.Stats(); st.Waiting != 0 || st.Shed != 0 {
		t.Fatalf("stats: %+v (a client that left is not shed)", st)
	}
}

func TestNilDoesNotLimit(t *testing.T) {
	var l *Limiter
	if New(0, time.Second) != nil {
		t.Fatal("New(0) limits")
	}
	for range 100 {
		if _, err := l.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if l.Stats() != (Stats{}) {
		t.Fatal("nil stats")
	}
}

// Serve runs the handler with a slot and frees it after; a refused request
// is failed with Busy; one whose client left gets neither.
func TestServe(t *testing.T) {
	l := New(1, 20*time.Millisecond)
	var failed []error
	fail := func(w http.ResponseWriter, r *http.Request, err error) { failed = append(failed, err) }
	ran := 0
	req := httptest.NewRequest("GET", "/spend", nil)
	l.Serve(httptest.NewRecorder(), req, fail, func() {
		ran++
		if st := l.Stats(); st.Running != 1 {
			t.Errorf("running %d inside the handler, want 1", st.Running)
		}
	})
	if ran != 1 || len(failed) != 0 || l.Stats().Running != 0 {
		t.Fatalf("free slot: ran %d, failed %v, running after %d", ran, failed, l.Stats().Running)
	}
	hold, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l.Serve(httptest.NewRecorder(), req, fail, func() { ran++ })
	if ran != 1 || len(failed) != 1 || domain.ErrorCode(failed[0]) != domain.CodeUnavailable {
		t.Fatalf("saturated: ran %d, failed %v; want Busy and no run", ran, failed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.Serve(httptest.NewRecorder(), req.WithContext(ctx), fail, func() { ran++ })
	if ran != 1 || len(failed) != 1 {
		t.Fatalf("client gone: ran %d, failed %v; want nothing", ran, failed)
	}
	hold()
	var none *Limiter // no bound
	none.Serve(httptest.NewRecorder(), req, fail, func() { ran++ })
	if ran != 2 {
		t.Fatal("a nil limiter did not run the handler")
	}
}
