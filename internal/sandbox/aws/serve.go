package awssandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// jsonOp is one awsJson1_1 operation: it gets the caller, the caller's
// account and the raw request document.
type jsonOp func(c *caller, acc *account, body []byte) (any, *apiError)

// jsonService is Cost Explorer or Support: its target prefix, IAM action
// prefix and operations.
type jsonService struct {
	iamPrefix string
	throttle  func() *apiError
	ops       map[string]jsonOp
}

func (a *AWS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if r.Method != http.MethodPost || err != nil {
		writeJSONError(w, errf(http.StatusBadRequest, coralNS, "SerializationException", "requests are POST with a body of at most 1 MiB"))
		return
	}
	svc, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	switch svc {
	case "AWSInsightsIndexService":
		a.serveJSON(w, r, body, a.costExplorer(), op)
	case "AWSSupport_20130415":
		a.serveJSON(w, r, body, a.support(), op)
	case "":
		a.serveSTS(w, r, body)
	default:
		writeJSONError(w, errf(http.StatusBadRequest, coralNS, "UnknownOperationException", ""))
	}
}

func (a *AWS) serveJSON(w http.ResponseWriter, r *http.Request, body []byte, svc jsonService, op string) {
	throttled := a.count(op)
	w.Header().Set("X-Amzn-RequestId", a.requestID(op))
	handle, ok := svc.ops[op]
	if !ok {
		writeJSONError(w, errf(http.StatusBadRequest, coralNS, "UnknownOperationException", ""))
		return
	}
	out, e := a.callJSON(r, body, svc, op, handle, throttled)
	if e != nil {
		writeJSONError(w, e)
		return
	}
	writeJSON(w, out)
}

func (a *AWS) callJSON(r *http.Request, body []byte, svc jsonService, op string, handle jsonOp, throttled bool) (any, *apiError) {
	c, e := a.authenticate(r, body, jsonAuth)
	if e != nil {
		return nil, e
	}
	if sig, _ := parseAuthorization(r.Header.Get("Authorization")); sig.region != "us-east-1" {
		// Cost Explorer and Support have their only endpoint in us-east-1.
		return nil, errf(http.StatusBadRequest, coralNS, "InvalidSignatureException", "Credential should be scoped to a valid region. ")
	}
	if throttled {
		return nil, svc.throttle()
	}
	action := svc.iamPrefix + ":" + op
	if !a.allowed(c, action) {
		res := ""
		if svc.iamPrefix == "ce" {
			res = "arn:aws:ce:us-east-1:" + c.account + ":/" + op
		}
		return nil, errf(http.StatusBadRequest, coralNS, "AccessDeniedException", notAuthorized(c, action, res))
	}
	if !json.Valid(body) {
		return nil, errf(http.StatusBadRequest, coralNS, "SerializationException", "Start of structure or map found where not expected.")
	}
	a.mu.Lock()
	acc := a.accounts[c.account]
	a.mu.Unlock()
	if acc == nil {
		// An account nobody configured: Basic support, Cost Explorer never opened.
		acc = &account{Account: Account{ID: c.account, LinkedAccounts: []string{c.account}}}
	}
	return handle(c, acc, body)
}

func (a *AWS) requestID(op string) string {
	a.mu.Lock()
	n := a.requests[op]
	a.mu.Unlock()
	return sbx.UUID(a.seed, "request", op, strconv.Itoa(n))
}
