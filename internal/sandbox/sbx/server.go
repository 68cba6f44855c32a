package sbx

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server is one sandbox service listening on a loopback port over TLS.
type Server struct {
	// URL is the service's base URL, e.g. https://127.0.0.1:41234.
	URL string
	srv *http.Server
	ln  net.Listener
}

// Serve starts handler on 127.0.0.1 (a free port) with a certificate from ca.
// Faults of service apply to every request.
func Serve(ca *CA, faults *Faults, service string, errw ErrorWriter, handler http.Handler) (*Server, error) {
	return serve(ca, faults, service, errw, handler, false)
}

func serve(ca *CA, faults *Faults, service string, errw ErrorWriter, handler http.Handler, h2 bool) (*Server, error) {
	cfg, err := ca.ServerConfig()
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: faults.Middleware(service, errw, handler), ReadHeaderTimeout: 10 * time.Second}
	if h2 {
		cfg.NextProtos = []string{"h2", "http/1.1"}
		srv.TLSConfig = cfg
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "https://" + ln.Addr().String(), srv: srv, ln: tls.NewListener(ln, cfg)}
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under us; Close reports nothing more useful
		}
	}()
	return s, nil
}

// Close stops the server, waiting up to five seconds for requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
