package audit

import (
	"net"
	"net/http"
)

// ClientIP is where a request came from, as the audit log records it: the
// TCP peer, or the client a trusted proxy named (the app's realIP
// middleware rewrites RemoteAddr before any handler runs).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
