package connect

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/canopyhq/canopy/internal/config"
)

// Env is what connectors need from the installation rather than from a
// connection: Canopy's own identities towards the clouds, their endpoints
// (the public clouds by default; the sandbox cloud in the demo and tests),
// the HTTP client to reach them and Canopy's public URL (OAuth redirects).
type Env struct {
	Clouds     config.Clouds
	HTTPClient *http.Client
	PublicURL  string
}

// NewEnv builds the Env of a configuration: the HTTP client trusts the
// system's certificate authorities plus Clouds.CAFile, if set.
func NewEnv(cfg config.Config) (Env, error) {
	env := Env{Clouds: cfg.Clouds, PublicURL: cfg.BaseURL, HTTPClient: &http.Client{Timeout: 2 * time.Minute}}
	if cfg.Clouds.CAFile == "" {
		return env, nil
	}
	pem, err := os.ReadFile(cfg.Clouds.CAFile)
	if err != nil {
		return env, fmt.Errorf("cloud CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return env, fmt.Errorf("cloud CA file %s: no PEM certificate in it", cfg.Clouds.CAFile)
	}
	env.HTTPClient = ClientTrusting(pool)
	return env, nil
}

// ClientTrusting returns an HTTP client that trusts only pool.
func ClientTrusting(pool *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConfig(pool)
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

func tlsConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}
