package notify_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func setup(t *testing.T, db *store.DB) (*notify.Service, *auth.Principal, context.Context) {
	t.Helper()
	ctx := context.Background()
	st := store.New(db)
	if err := jobs.Migrate(ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.NewLocal(domain.RandomBytes(keyvault.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("notify"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleAdmin}}
	p := &auth.Principal{User: domain.User{ID: "usr_a", Email: "a@x.test"}, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
	svc := notify.New(st, kv, "http://canopy.test", nil)
	svc.RetryBase, svc.RetryMax = 10*time.Millisecond, 40*time.Millisecond
	reg := jobs.NewRegistry()
	svc.Register(reg)
	r, err := jobs.New(string(db.Engine), db.W, jobs.Options{Registry: reg, FetchPollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(c)
	})
	svc.Jobs = r
	return svc, p, ctx
}

// "Send test event" reaches a disabled endpoint too, signed with the
// secret given; 410 Gone stops the retries; the log shows each attempt;
// the secret never appears in what the service returns.
func TestWebhookTestEventAndDeliveryLog(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		svc, p, ctx := setup(t, db)
		var mu sync.Mutex
		var got []string
		status := []int{http.StatusBadGateway, http.StatusNoContent}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if err := notify.Verify("s3cret", r.Header.Get(notify.SignatureHeader), body, time.Now(), time.Minute); err != nil {
				t.Errorf("signature: %v", err)
			}
			got = append(got, r.Header.Get("Canopy-Event")+" "+string(body))
			w.WriteHeader(status[min(len(got)-1, len(status)-1)])
		}))
		t.Cleanup(srv.Close)
		off := false
		who := audit.Actor{Email: "a@x.test"}
		hook, secret, err := svc.CreateWebhook(ctx, p, who, notify.WebhookInput{Name: "test", URL: srv.URL, Secret: "s3cret", Enabled: &off})
		if err != nil || secret != "s3cret" || hook.Enabled {
			t.Fatalf("create %+v %q %v", hook, secret, err)
		}
		if _, err := svc.SendTest(ctx, p, who, hook.ID); err != nil {
			t.Fatal(err)
		}
		var log []notify.Delivery
		for deadline := time.Now().Add(30 * time.Second); len(log) < 2; time.Sleep(20 * time.Millisecond) {
			if log, err = svc.Deliveries(ctx, p, hook.ID); err != nil || time.Now().After(deadline) {
				t.Fatalf("deliveries %+v %v", log, err)
			}
		}
		if log[1].StatusCode != 502 || log[1].OK || log[0].StatusCode != 204 || !log[0].OK || log[0].EventKind != notify.KindTest {
			t.Fatalf("log %+v", log)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 2 || !strings.HasPrefix(got[0], "test {") || !strings.Contains(got[0], `"link":"http://canopy.test/settings/webhooks"`) {
			t.Fatalf("received %q", got)
		}
	})
}

// Bad endpoints are refused naming the field; members without
// settings.manage and other organisations cannot see endpoints.
func TestWebhookValidationAndAccess(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		svc, p, ctx := setup(t, db)
		who := audit.Actor{Email: "a@x.test"}
		for field, in := range map[string]notify.WebhookInput{
			"name":   {URL: "https://h.example/x"},
			"url":    {Name: "x", URL: "ftp://h.example/x"},
			"events": {Name: "x", URL: "https://h.example/x", Events: []string{"nope"}},
		} {
			if _, _, err := svc.CreateWebhook(ctx, p, who, in); domain.ErrorField(err) != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		hook, secret, err := svc.CreateWebhook(ctx, p, who, notify.WebhookInput{Name: "ok", URL: "https://h.example/x"})
		if err != nil || !strings.HasPrefix(secret, "whsec_") || !hook.Enabled {
			t.Fatalf("%+v %q %v", hook, secret, err)
		}
		g := []auth.Grant{{Role: auth.RoleFinOps}}
		fin := &auth.Principal{User: domain.User{ID: "usr_f"}, Org: p.Org, Grants: g, Perms: auth.OrgPermissions(g)}
		if _, err := svc.Webhooks(ctx, fin); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("finops listed webhooks: %v", err)
		}
		other := *p
		other.Org.ID = "org_other"
		if _, err := svc.Webhook(ctx, &other, hook.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("other org: %v", err)
		}
		if err := svc.DeleteWebhook(ctx, &other, who, hook.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("other org delete: %v", err)
		}
	})
}

func TestVerifyRefusesTamperingAndReplays(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	at := time.Unix(1_800_000_000, 0)
	h := notify.Sign("k", at, body)
	if err := notify.Verify("k", h, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if notify.Verify("k", h, []byte(`{"id":"evt_2"}`), at, 5*time.Minute) == nil || notify.Verify("other", h, body, at, 5*time.Minute) == nil ||
		notify.Verify("k", h, body, at.Add(time.Hour), 5*time.Minute) == nil {
		t.Fatal("a tampered body, wrong secret or old timestamp verified")
	}
}
