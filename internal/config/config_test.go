package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	c := Default()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Bind(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Finish()
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	env := map[string]string{"CANOPY_DB": "postgres://db/x", "CANOPY_ADDR": "127.0.0.1:9000",
		"CANOPY_SESSION_IDLE": "30m", "CANOPY_WORKERS": "0"}
	c, err := load(t, env, "--addr", "127.0.0.1:9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "postgres://db/x" || c.Addr != "127.0.0.1:9100" || c.SessionIdle != 30*time.Minute || c.JobWorkers != 0 {
		t.Fatalf("config: %+v", c)
	}
	if c.BaseURL != "http://127.0.0.1:9100" || c.SecureCookies {
		t.Fatalf("derived base URL: %q secure=%v", c.BaseURL, c.SecureCookies)
	}
}

func TestDerivedDefaults(t *testing.T) {
	c, err := load(t, nil, "--db", "sqlite:/data/x/canopy.db", "--base-url", "https://canopy.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyFile != "/data/x/canopy.key" || !c.SecureCookies || c.BaseURL != "https://canopy.example.com" {
		t.Fatalf("derived: key=%q secure=%v base=%q", c.KeyFile, c.SecureCookies, c.BaseURL)
	}
}

func TestInvalidSettingsNamed(t *testing.T) {
	for _, args := range [][]string{{"--base-url", "ftp://x"}, {"--base-url", "/relative"}, {"--smtp-tls", "maybe"}, {"--alerts-hour", "24"}} {
		_, err := load(t, nil, args...)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: want an error naming the setting, got %v", args, err)
		}
	}
}

func TestAlertsHour(t *testing.T) {
	if c, err := load(t, nil); err != nil || c.AlertsHour != 23 {
		t.Fatalf("default %d %v", c.AlertsHour, err)
	}
	if c, err := load(t, map[string]string{"CANOPY_ALERTS_HOUR": "6"}); err != nil || c.AlertsHour != 6 {
		t.Fatalf("from the environment %d %v", c.AlertsHour, err)
	}
}

func TestScaleOutSettings(t *testing.T) {
	env := map[string]string{"CANOPY_DATABASE_READ_URL": "postgres://replica/x", "CANOPY_NODE_ID": "web1",
		"CANOPY_IMPORT_STALE_AFTER": "30s"}
	c, err := load(t, env, "--node-id", "web2")
	if err != nil {
		t.Fatal(err)
	}
	if c.DBRead != "postgres://replica/x" || c.NodeID != "web2" || c.ImportStaleAfter != 30*time.Second {
		t.Fatalf("config: read %q node %q stale %v", c.DBRead, c.NodeID, c.ImportStaleAfter)
	}
	if c, err := load(t, nil, "--db-read", "postgres://r/y"); err != nil || c.DBRead != "postgres://r/y" || c.ImportStaleAfter != time.Minute {
		t.Fatalf("flag and default: %q %v %v", c.DBRead, c.ImportStaleAfter, err)
	}
	if _, err := load(t, map[string]string{"CANOPY_IMPORT_STALE_AFTER": "10ms"}); err == nil || !strings.Contains(err.Error(), "CANOPY_IMPORT_STALE_AFTER") {
		t.Fatalf("10ms staleness: %v", err)
	}
}

func TestQueryCacheSize(t *testing.T) {
	if c, err := load(t, nil); err != nil || c.QueryCacheMiB != 64 {
		t.Fatalf("default %d %v", c.QueryCacheMiB, err)
	}
	if c, err := load(t, map[string]string{"CANOPY_QUERY_CACHE_MB": "0"}); err != nil || c.QueryCacheMiB != 0 {
		t.Fatalf("off from the environment %d %v", c.QueryCacheMiB, err)
	}
	if c, err := load(t, map[string]string{"CANOPY_QUERY_CACHE_MB": "8"}, "--query-cache-mb", "256"); err != nil || c.QueryCacheMiB != 256 {
		t.Fatalf("flag %d %v", c.QueryCacheMiB, err)
	}
	if _, err := load(t, nil, "--query-cache-mb", "-1"); err == nil || !strings.Contains(err.Error(), "CANOPY_QUERY_CACHE_MB") {
		t.Fatalf("negative size: %v", err)
	}
}
