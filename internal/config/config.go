// Package config holds Canopy's one Config struct, filled from CANOPY_*
// environment variables and command-line flags (flags win). No globals.
package config

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is everything a Canopy process needs to start.
type Config struct {
	DB string // sqlite:PATH or postgres://...
	// DBRead is an optional PostgreSQL read replica of DB that the spend
	// explorer's cost queries read from (CANOPY_DATABASE_READ_URL).
	DBRead  string
	Addr    string // listen address
	BaseURL string // public URL used in emails; derived from Addr when empty
	KeyFile string // local key-vault master key; next to the SQLite file by default

	SMTP SMTP

	SessionIdle     time.Duration
	SessionLifetime time.Duration
	SecureCookies   bool // Secure flag on cookies; on unless BaseURL is plain http on loopback

	// TrustedProxies are the reverse proxies (IPs or CIDRs, comma-separated)
	// whose X-Forwarded-For names the client.
	TrustedProxies string

	JobWorkers int // background workers in this process; 0 disables them
	// SyncStaleAfter is how long a running connection sync may go without
	// a heartbeat before it counts as abandoned (its worker died) and is
	// retried from its checkpoint. Default one minute; at least a second.
	SyncStaleAfter time.Duration
	// ImportStaleAfter is the same for an uploaded file's import: on
	// PostgreSQL the job leader sweeps every ImportStaleAfter and queues
	// an abandoned import again for another worker. Default one minute.
	ImportStaleAfter time.Duration
	// NodeID names this process in job attempts and leader election
	// (river_job.attempted_by, river_leader); default host name plus a
	// random suffix.
	NodeID string
	// MaxUploadMiB bounds a billing file uploaded through the UI or API.
	MaxUploadMiB int
	// HeavyRequests bounds how many requests that scan cost data (the
	// explorer, its value lists, exports, budgets, allocation results)
	// this node works on at once; the others wait up to HeavyWait for a
	// slot and are then refused with 503 and Retry-After (internal/shed).
	// Default twice the CPUs (at least 4); 0 removes the bound.
	HeavyRequests int
	HeavyWait     time.Duration
	// QueryCacheMiB bounds the memory of this process's cache of cost
	// query answers (the spend explorer's sums and filter lists); 0
	// turns the cache off. Default 64.
	QueryCacheMiB int
	// AlertsHour is the UTC hour of the daily consumption-alert
	// evaluation (default 23); an organisation may choose its own.
	AlertsHour int
	LogLevel   string
	LogText    bool // human-readable logs instead of JSON

	Clouds Clouds
}

// Clouds is Canopy's own identity towards the clouds it connects to and
// their endpoints (empty: the public clouds). Per-customer values (tenant
// IDs, role ARNs, external IDs) live in each connection instead.
type Clouds struct {
	AzureClientID     string // Canopy's multi-tenant Entra app
	AzureClientSecret string
	AzureAuthority    string // Entra authority host; "" = https://login.microsoftonline.com
	AzureARM          string // Resource Manager; "" = https://management.azure.com
	Graph             string // Microsoft Graph; "" = https://graph.microsoft.com
	ExchangeOnline    string // Exchange Online admin API; "" = https://outlook.office365.com
	PartnerCenter     string // "" = https://api.partnercenter.microsoft.com
	AWSEndpoint       string // one base URL for STS, Cost Explorer and Support; "" = AWS
	AWSAccessKeyID    string // Canopy's AWS principal that assumes customers' roles
	AWSSecretKey      string
	CAFile            string // extra CA certificates (PEM) trusted for these endpoints
	// AzureQueriesPerMinute is the token bucket of Cost Management queries
	// per subscription (Azure allows about 4 a minute per scope); 0 sends
	// without a bucket and relies on Retry-After alone.
	AzureQueriesPerMinute int
}

// SMTP is the outgoing mail server. With no Host, mail is logged (without
// its body) instead of sent.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      string // none, starttls, tls
}

// Default returns the configuration before env and flags.
func Default() Config {
	return Config{
		DB:               "sqlite:./canopy-data/canopy.db",
		Addr:             "127.0.0.1:8080",
		SMTP:             SMTP{Port: 587, From: "Canopy <canopy@localhost>", TLS: "starttls"},
		SessionIdle:      2 * time.Hour,
		SessionLifetime:  12 * time.Hour,
		JobWorkers:       4,
		SyncStaleAfter:   time.Minute,
		ImportStaleAfter: time.Minute,
		MaxUploadMiB:     2048,
		HeavyRequests:    max(4, 2*runtime.NumCPU()),
		HeavyWait:        20 * time.Second,
		QueryCacheMiB:    64,
		LogLevel:         "info",
		AlertsHour:       23,
		Clouds:           Clouds{AzureQueriesPerMinute: 4},
	}
}

// Bind registers the flags that fill c, after applying the environment.
// Call fs.Parse afterwards, then c.Finish.
func (c *Config) Bind(fs *flag.FlagSet, getenv func(string) string) {
	c.applyEnv(getenv)
	fs.StringVar(&c.DB, "db", c.DB, "database: sqlite:PATH or postgres://... (env CANOPY_DB)")
	fs.StringVar(&c.DBRead, "db-read", c.DBRead, "optional PostgreSQL read replica for the spend explorer's cost queries (env CANOPY_DATABASE_READ_URL)")
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env CANOPY_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL for links in emails (env CANOPY_BASE_URL)")
	fs.StringVar(&c.KeyFile, "key-file", c.KeyFile, "master key file for secrets at rest (env CANOPY_KEY_FILE)")
	fs.StringVar(&c.SMTP.Host, "smtp-host", c.SMTP.Host, "SMTP host; empty logs mail instead (env CANOPY_SMTP_HOST)")
	fs.IntVar(&c.SMTP.Port, "smtp-port", c.SMTP.Port, "SMTP port (env CANOPY_SMTP_PORT)")
	fs.StringVar(&c.SMTP.TLS, "smtp-tls", c.SMTP.TLS, "SMTP TLS: none, starttls or tls (env CANOPY_SMTP_TLS)")
	fs.StringVar(&c.SMTP.From, "smtp-from", c.SMTP.From, "sender address (env CANOPY_SMTP_FROM)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client (env CANOPY_TRUSTED_PROXIES)")
	fs.StringVar(&c.NodeID, "node-id", c.NodeID, "name of this process in job attempts and leader election; default host name and a random suffix (env CANOPY_NODE_ID)")
	fs.IntVar(&c.JobWorkers, "workers", c.JobWorkers, "background job workers; 0 = none (env CANOPY_WORKERS)")
	fs.IntVar(&c.AlertsHour, "alerts-hour", c.AlertsHour, "UTC hour (0-23) of the daily consumption-alert evaluation; organisations may choose their own (env CANOPY_ALERTS_HOUR)")
	fs.IntVar(&c.MaxUploadMiB, "max-upload-mib", c.MaxUploadMiB, "largest billing file accepted by upload, in MiB (env CANOPY_MAX_UPLOAD_MIB)")
	fs.IntVar(&c.QueryCacheMiB, "query-cache-mb", c.QueryCacheMiB, "memory for cached cost query answers, in MiB; 0 = no cache (env CANOPY_QUERY_CACHE_MB)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env CANOPY_LOG_LEVEL)")
}

func (c *Config) applyEnv(getenv func(string) string) {
	str := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	num := func(key string, dst *int) {
		if n, err := strconv.Atoi(getenv(key)); err == nil {
			*dst = n
		}
	}
	dur := func(key string, dst *time.Duration) {
		if d, err := time.ParseDuration(getenv(key)); err == nil {
			*dst = d
		}
	}
	str("CANOPY_DB", &c.DB)
	str("CANOPY_DATABASE_READ_URL", &c.DBRead)
	str("CANOPY_ADDR", &c.Addr)
	str("CANOPY_BASE_URL", &c.BaseURL)
	str("CANOPY_KEY_FILE", &c.KeyFile)
	str("CANOPY_SMTP_HOST", &c.SMTP.Host)
	num("CANOPY_SMTP_PORT", &c.SMTP.Port)
	str("CANOPY_SMTP_USERNAME", &c.SMTP.Username)
	str("CANOPY_SMTP_PASSWORD", &c.SMTP.Password)
	str("CANOPY_SMTP_FROM", &c.SMTP.From)
	str("CANOPY_SMTP_TLS", &c.SMTP.TLS)
	dur("CANOPY_SESSION_IDLE", &c.SessionIdle)
	dur("CANOPY_SESSION_LIFETIME", &c.SessionLifetime)
	num("CANOPY_WORKERS", &c.JobWorkers)
	dur("CANOPY_SYNC_STALE_AFTER", &c.SyncStaleAfter)
	dur("CANOPY_IMPORT_STALE_AFTER", &c.ImportStaleAfter)
	str("CANOPY_NODE_ID", &c.NodeID)
	num("CANOPY_MAX_UPLOAD_MIB", &c.MaxUploadMiB)
	num("CANOPY_HEAVY_REQUESTS", &c.HeavyRequests)
	dur("CANOPY_HEAVY_WAIT", &c.HeavyWait)
	num("CANOPY_QUERY_CACHE_MB", &c.QueryCacheMiB)
	num("CANOPY_ALERTS_HOUR", &c.AlertsHour)
	num("CANOPY_AZURE_QUERIES_PER_MINUTE", &c.Clouds.AzureQueriesPerMinute)
	str("CANOPY_TRUSTED_PROXIES", &c.TrustedProxies)
	str("CANOPY_LOG_LEVEL", &c.LogLevel)
	c.LogText = getenv("CANOPY_LOG_FORMAT") == "text"
	for name, dst := range map[string]*string{
		"CANOPY_AZURE_CLIENT_ID": &c.Clouds.AzureClientID, "CANOPY_AZURE_CLIENT_SECRET": &c.Clouds.AzureClientSecret,
		"CANOPY_AZURE_AUTHORITY": &c.Clouds.AzureAuthority, "CANOPY_AZURE_ARM": &c.Clouds.AzureARM,
		"CANOPY_GRAPH_URL": &c.Clouds.Graph, "CANOPY_PARTNER_CENTER_URL": &c.Clouds.PartnerCenter,
		"CANOPY_AWS_ENDPOINT": &c.Clouds.AWSEndpoint, "CANOPY_AWS_ACCESS_KEY_ID": &c.Clouds.AWSAccessKeyID,
		"CANOPY_AWS_SECRET_ACCESS_KEY": &c.Clouds.AWSSecretKey, "CANOPY_CLOUD_CA_FILE": &c.Clouds.CAFile,
	} {
		str(name, dst)
	}
}

// Finish derives defaults that depend on other settings and validates.
func (c *Config) Finish() error {
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base-url %q (CANOPY_BASE_URL): must be an absolute http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.SecureCookies = u.Scheme == "https"
	if c.KeyFile == "" {
		c.KeyFile = defaultKeyFile(c.DB)
	}
	if c.SyncStaleAfter < time.Second {
		return fmt.Errorf("CANOPY_SYNC_STALE_AFTER %s: must be at least 1s", c.SyncStaleAfter)
	}
	if c.ImportStaleAfter < time.Second {
		return fmt.Errorf("CANOPY_IMPORT_STALE_AFTER %s: must be at least 1s", c.ImportStaleAfter)
	}
	if c.Clouds.AzureQueriesPerMinute < 0 {
		return fmt.Errorf("CANOPY_AZURE_QUERIES_PER_MINUTE %d: must be 0 (no bucket) or more", c.Clouds.AzureQueriesPerMinute)
	}
	if c.AlertsHour < 0 || c.AlertsHour > 23 {
		return fmt.Errorf("alerts-hour %d (CANOPY_ALERTS_HOUR): must be 0 to 23 (UTC)", c.AlertsHour)
	}
	if c.HeavyRequests < 0 {
		return fmt.Errorf("CANOPY_HEAVY_REQUESTS %d: must be 0 (no bound) or more", c.HeavyRequests)
	}
	if c.HeavyRequests > 0 && c.HeavyWait < 0 {
		return fmt.Errorf("CANOPY_HEAVY_WAIT %s: must not be negative", c.HeavyWait)
	}
	if c.MaxUploadMiB < 1 {
		return fmt.Errorf("max-upload-mib %d (CANOPY_MAX_UPLOAD_MIB): must be at least 1", c.MaxUploadMiB)
	}
	if c.QueryCacheMiB < 0 {
		return fmt.Errorf("query-cache-mb %d (CANOPY_QUERY_CACHE_MB): must be 0 (no cache) or more", c.QueryCacheMiB)
	}
	switch c.SMTP.TLS {
	case "none", "starttls", "tls":
	default:
		return fmt.Errorf("smtp-tls %q (CANOPY_SMTP_TLS): use none, starttls or tls", c.SMTP.TLS)
	}
	return nil
}

// defaultKeyFile keeps the key next to a SQLite database, and in the
// user's config folder for PostgreSQL (several nodes must share it: set
// CANOPY_KEY_FILE to a shared path or a secret mount).
func defaultKeyFile(db string) string {
	if path, ok := strings.CutPrefix(db, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(path), "canopy.key")
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "canopy", "canopy.key")
	}
	return "canopy.key"
}
