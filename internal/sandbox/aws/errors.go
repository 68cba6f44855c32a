package awssandbox

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
)

// apiError is a refusal in protocol-neutral form; the JSON services and STS
// render it in their own wire format.
type apiError struct {
	status  int
	code    string
	message string
	// namespace is the Smithy/Coral namespace of __type: authentication
	// errors come from Coral, modeled errors from the service's model.
	namespace string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

const coralNS = "com.amazon.coral.service"

func errf(status int, ns, code, msg string) *apiError {
	return &apiError{status: status, code: code, message: msg, namespace: ns}
}

// Cost Explorer and Support errors. They all answer 400 like the real
// services, except server-side faults.
func ceError(code, msg string) *apiError {
	return errf(http.StatusBadRequest, "com.amazonaws.costexplorer", code, msg)
}

func supportError(code, msg string) *apiError {
	return errf(http.StatusBadRequest, "com.amazonaws.support", code, msg)
}

func validation(msg string) *apiError {
	return errf(http.StatusBadRequest, coralNS, "ValidationException", msg)
}

// writeJSONError writes an awsJson1_1 error: X-Amzn-ErrorType names the
// code and the body carries __type and message, as the Coral front end
// sends them.
func writeJSONError(w http.ResponseWriter, e *apiError) {
	ns := e.namespace
	if ns == "" {
		ns = coralNS
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	if ns == coralNS {
		h.Set("X-Amzn-ErrorType", e.code+":http://internal.amazon.com/coral/"+ns+"/")
	} else {
		h.Set("X-Amzn-ErrorType", e.code)
	}
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": ns + "#" + e.code, "message": e.message})
}

// ErrorWriter writes the fault middleware's injected statuses as a JSON
// service would: 429 ThrottlingException, 503 ServiceUnavailable, other
// 5xx InternalServerError. Pass it to sbx.Serve. (STS requests hit by a
// fault get the same JSON body; the SDK still sees the status and retries.)
func ErrorWriter(w http.ResponseWriter, status int, _, message string) {
	code := "InternalServerError"
	switch status {
	case http.StatusTooManyRequests:
		code = "ThrottlingException"
	case http.StatusServiceUnavailable:
		code = "ServiceUnavailable"
	}
	writeJSONError(w, &apiError{status: status, code: code, message: message, namespace: coralNS})
}

// stsErrorResponse is awsQuery's error document.
type stsErrorResponse struct {
	XMLName   xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func writeSTSError(w http.ResponseWriter, e *apiError, requestID string) {
	kind := "Sender"
	if e.status >= 500 {
		kind = "Receiver"
	}
	writeXML(w, e.status, stsErrorResponse{Type: kind, Code: e.code, Message: e.message, RequestID: requestID})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(v)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}
