package sbx

import "net/http"

// ServeHTTP2 is Serve with HTTP/2 offered over ALPN (HTTP/1.1 remains).
//
// ARM needs it: the Azure SDK for Go sends some OData filters unencoded
// (armauthorization's role-assignment lists put "$filter=principalId eq
// '...'" into the query verbatim), so over HTTP/1.1 the request line holds
// spaces and net/http's server refuses it with 400 before any handler
// runs. The real ARM front door accepts such requests; over HTTP/2 the
// path is a header and net/http accepts it too. Clients from CA.Client
// negotiate HTTP/2 (the transport is a clone of http.DefaultTransport).
func ServeHTTP2(ca *CA, faults *Faults, service string, errw ErrorWriter, handler http.Handler) (*Server, error) {
	return serve(ca, faults, service, errw, handler, true)
}
