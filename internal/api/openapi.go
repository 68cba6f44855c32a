package api

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The OpenAPI 3.1 document is written by hand (openapi_ops.go and
// openapi_schemas.go), independently of the route table, so a test can
// catch a route that is served but not documented, or documented but not
// served, and a view whose fields drift from its schema.

type document struct {
	OpenAPI    string                           `json:"openapi"`
	Info       info                             `json:"info"`
	Servers    []server                         `json:"servers"`
	Security   []securityRequirement            `json:"security"`
	Tags       []tag                            `json:"tags"`
	Paths      map[string]map[string]*operation `json:"paths"`
	Components components                       `json:"components"`
}

type info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type server struct {
	URL string `json:"url"`
}

type tag struct {
	Name string `json:"name"`
}

type securityRequirement map[string][]string

type operation struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description,omitempty"`
	Tags        []string               `json:"tags"`
	Parameters  []parameter            `json:"parameters,omitempty"`
	RequestBody *requestBody           `json:"requestBody,omitempty"`
	Responses   map[string]*response   `json:"responses"`
	Security    *[]securityRequirement `json:"security,omitempty"` // set to &[] on public operations
	Permission  string                 `json:"x-canopy-permission"`
}

type parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description"`
	Required    bool    `json:"required"`
	Schema      *schema `json:"schema"`
}

type requestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema *schema `json:"schema"`
}

type response struct {
	Description string               `json:"description"`
	Headers     map[string]header    `json:"headers,omitempty"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

type header struct {
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
}

type components struct {
	Schemas         map[string]*schema        `json:"schemas"`
	SecuritySchemes map[string]securityScheme `json:"securitySchemes"`
}

type securityScheme struct {
	Type         string `json:"type"`
	Scheme       string `json:"scheme"`
	BearerFormat string `json:"bearerFormat"`
	Description  string `json:"description"`
}

// schema is the JSON Schema subset the document uses. Type is a string or,
// for nullable values, a list such as ["string", "null"].
type schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 any                `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Description          string             `json:"description,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Minimum              *int               `json:"minimum,omitempty"`
	Maximum              *int               `json:"maximum,omitempty"`
	Items                *schema            `json:"items,omitempty"`
	Properties           map[string]*schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *bool              `json:"additionalProperties,omitempty"`
}

func buildDocument() document {
	doc := document{
		OpenAPI: "3.1.0",
		Info: info{Title: "Canopy API", Version: "1",
			Description: "Canopy's JSON API. Authenticate with an API token: \"Authorization: Bearer cnp_...\". " +
				"Each operation's x-canopy-permission names the permission it needs (\"any\": any signed-in member, " +
				"\"public\": no token). Errors are {\"error\":{\"code\",\"message\",\"field\"}}."},
		Servers:  []server{{URL: "/"}},
		Security: []securityRequirement{{"bearerToken": {}}},
		Paths:    map[string]map[string]*operation{},
		Components: components{Schemas: schemas(), SecuritySchemes: map[string]securityScheme{"bearerToken": {
			Type: "http", Scheme: "bearer", BearerFormat: "cnp_ API token",
			Description: "An API token created in the web UI (Profile → API tokens) or with POST /api/v1/tokens."}}},
	}
	seen := map[string]bool{}
	for _, o := range operations() {
		if doc.Paths[o.path] == nil {
			doc.Paths[o.path] = map[string]*operation{}
		}
		doc.Paths[o.path][strings.ToLower(o.method)] = o.op
		for _, t := range o.op.Tags {
			if !seen[t] {
				seen[t] = true
				doc.Tags = append(doc.Tags, tag{Name: t})
			}
		}
	}
	return doc
}

// mustMarshalDocument encodes the document; it is static, so failing here
// is a programming error caught by every test that builds the API.
func mustMarshalDocument() []byte {
	b, err := json.MarshalIndent(buildDocument(), "", "  ")
	if err != nil {
		panic("api: OpenAPI document: " + err.Error())
	}
	return append(b, '\n')
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request, _ *call) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.doc)
	return nil
}
