package graph

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// maxBatch is Graph's JSON batching limit.
const maxBatch = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// serveBatch answers POST /{ver}/$batch: each inner request runs through
// the same throttling and routing as a direct one, in order, and a request
// whose dependency failed gets 424 Failed Dependency.
func (g *Graph) serveBatch(w http.ResponseWriter, r *http.Request) {
	ver := r.PathValue("ver")
	if ver != "v1.0" && ver != "beta" {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid version: "+ver)
		return
	}
	var in struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&in); err != nil || len(in.Requests) == 0 {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
		return
	}
	if len(in.Requests) > maxBatch {
		writeError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Limit of %d requests exceeded. The batch contains %d requests.", maxBatch, len(in.Requests)))
		return
	}
	if msg := validateBatch(in.Requests); msg != "" {
		writeError(w, r, http.StatusBadRequest, "BadRequest", msg)
		return
	}
	api := g.throttled(g.locked(g.apiMux()))
	status := map[string]int{}
	out := make([]batchResponse, 0, len(in.Requests))
	for _, br := range in.Requests {
		resp := g.runOne(api, r, ver, br, status)
		status[br.ID] = resp.Status
		out = append(out, resp)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"responses": out})
}

func validateBatch(reqs []batchRequest) string {
	seen := map[string]bool{}
	for _, br := range reqs {
		if br.ID == "" || br.Method == "" || br.URL == "" {
			return "Invalid batch payload format. Each request needs an id, a method and a url."
		}
		if seen[br.ID] {
			return "Request Id '" + br.ID + "' is not unique within the batch."
		}
		for _, d := range br.DependsOn {
			if !seen[d] {
				return "Request '" + br.ID + "' depends on '" + d + "', which is not an earlier request of the batch."
			}
		}
		if strings.Contains(br.URL, "://") {
			return "Invalid request URL '" + br.URL + "': batch requests use URLs relative to the version."
		}
		seen[br.ID] = true
	}
	return ""
}

// runOne executes one inner request against api with the outer request's
// token and context.
func (g *Graph) runOne(api http.Handler, outer *http.Request, ver string, br batchRequest, status map[string]int) batchResponse {
	for _, d := range br.DependsOn {
		if s := status[d]; s < 200 || s > 299 {
			return batchResponse{ID: br.ID, Status: http.StatusFailedDependency, Body: map[string]any{
				"error": map[string]string{"code": "FailedDependency", "message": "Request '" + d + "' it depends on failed."}}}
		}
	}
	target := "/" + ver + "/" + strings.TrimPrefix(br.URL, "/")
	req, err := http.NewRequestWithContext(outer.Context(), strings.ToUpper(br.Method), target, bytes.NewReader(br.Body))
	if err != nil {
		return batchResponse{ID: br.ID, Status: http.StatusBadRequest, Body: map[string]any{
			"error": map[string]string{"code": "BadRequest", "message": "Invalid request URL '" + br.URL + "'."}}}
	}
	req.Host, req.TLS = outer.Host, outer.TLS
	for k, v := range br.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", outer.Header.Get("Authorization"))
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	api.ServeHTTP(rec, req)
	return rec.response(br.ID)
}

// recorder captures an inner response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (rc *recorder) Header() http.Header { return rc.header }

func (rc *recorder) WriteHeader(s int) {
	if !rc.wrote {
		rc.status, rc.wrote = s, true
	}
}

func (rc *recorder) Write(b []byte) (int, error) {
	rc.wrote = true
	return rc.body.Write(b)
}

// response renders the captured response as a batch item: JSON bodies
// inline, other bodies base64 as Graph does.
func (rc *recorder) response(id string) batchResponse {
	out := batchResponse{ID: id, Status: rc.status, Headers: map[string]string{}}
	for k, v := range rc.header {
		if len(v) > 0 && !strings.EqualFold(k, "request-id") && !strings.EqualFold(k, "client-request-id") {
			out.Headers[k] = v[0]
		}
	}
	if rc.body.Len() == 0 {
		return out
	}
	if strings.Contains(rc.header.Get("Content-Type"), "json") {
		out.Body = json.RawMessage(bytes.TrimSpace(rc.body.Bytes()))
	} else {
		out.Body = base64.StdEncoding.EncodeToString(rc.body.Bytes())
	}
	return out
}
