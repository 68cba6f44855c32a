// Package wsfed is the WS-Federation side of enterprise single sign-on
// (ADFS and other security token services, passive requestor profile): the
// sign-in and sign-out URLs, validation of the token the STS posts back
// (wresult: a RequestSecurityTokenResponse holding a SAML 1.1 or SAML 2.0
// assertion, its enveloped signature verified with goxmldsig against the
// configured certificates only) and federation metadata. Like package saml
// it holds no web, API or database code; untrusted XML goes through package
// saml's hardened parser.
package wsfed

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sso/saml"
)

// Actions (the wa parameter) of the passive requestor profile.
const (
	ActionSignIn         = "wsignin1.0"
	ActionSignOut        = "wsignout1.0"
	ActionSignOutCleanup = "wsignoutcleanup1.0"
)

// Defaults and limits.
const (
	DefaultClockSkew      = 90 * time.Second
	MaxClockSkew          = 5 * time.Minute
	DefaultMaxMessageSize = 256 << 10
)

// ReplayCache remembers accepted assertion IDs until they expire; Seen
// records assertionID until the given time and reports whether it was
// there already. It is package saml's interface, so the database cache of
// package sso serves both. Shared implementations must check and record
// atomically.
type ReplayCache = saml.ReplayCache

// STSSettings are what the relying party needs to know about the STS.
type STSSettings struct {
	// EntityID is the STS's issuer (ADFS: http://{host}/adfs/services/trust);
	// when set, the assertion's Issuer must match it.
	EntityID string
	// SignInURL is the passive requestor endpoint (ADFS: https://{host}/adfs/ls/);
	// sign-out uses it too.
	SignInURL string
	// Certificates that may sign tokens; several for certificate rollover.
	Certificates []*x509.Certificate
}

func (s STSSettings) check() error {
	if s.SignInURL == "" {
		return errors.New("wsfed: the STS sign-in URL is required")
	}
	if err := checkHTTPURL(s.SignInURL); err != nil {
		return err
	}
	if len(s.Certificates) == 0 {
		return errors.New("wsfed: at least one STS signing certificate is required")
	}
	return nil
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("wsfed: %q is not an absolute http(s) URL", s)
	}
	return nil
}

// Config configures a RelyingParty.
type Config struct {
	Connection string // Canopy's connection ID
	BaseURL    string // Canopy's public URL
	// Realm is the wtrealm and the audience tokens must name; default
	// urn:canopy:{connection}.
	Realm string
	STS   STSSettings
	// ClockSkew tolerated on every time check; default 90 s, at most 5 min.
	ClockSkew time.Duration
	// MaxMessageSize caps wresult; default 256 KiB.
	MaxMessageSize int
	Replay         ReplayCache // required
	Now            func() time.Time
}

// RelyingParty is one connection's WS-Federation relying party.
type RelyingParty struct{ cfg Config }

// New checks cfg and returns the relying party; errors name the field.
func New(cfg Config) (*RelyingParty, error) {
	if cfg.Connection == "" || url.QueryEscape(cfg.Connection) != cfg.Connection {
		return nil, errors.New("wsfed: the connection must be a non-empty URL-safe ID")
	}
	if err := checkHTTPURL(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("wsfed: base URL: %w", err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Realm = strings.TrimSpace(cfg.Realm); cfg.Realm == "" {
		cfg.Realm = "urn:canopy:" + cfg.Connection
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.ClockSkew < 0 || cfg.ClockSkew > MaxClockSkew {
		return nil, fmt.Errorf("wsfed: clock skew %s is outside 0-%s", cfg.ClockSkew, MaxClockSkew)
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.Replay == nil {
		return nil, errors.New("wsfed: a replay cache is required")
	}
	if err := cfg.STS.check(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &RelyingParty{cfg: cfg}, nil
}

// Realm is the wtrealm and the audience of accepted tokens.
func (rp *RelyingParty) Realm() string { return rp.cfg.Realm }

// ReplyURL is where the STS posts the token: {base}/login/callback?connection={id}.
func (rp *RelyingParty) ReplyURL() string {
	return rp.cfg.BaseURL + "/login/callback?connection=" + rp.cfg.Connection
}

func (rp *RelyingParty) now() time.Time { return rp.cfg.Now().UTC() }

// SignInRequest are the optional parts of a sign-in request.
type SignInRequest struct {
	// Context travels as wctx and comes back with the token: the caller's
	// state, binding the answer to the sign-in it started.
	Context string
	// Username is a hint for the STS's sign-in form (ADFS and Entra ID read
	// the username parameter).
	Username string
	// HomeRealm (whr) names the account's identity provider at an STS that
	// federates several.
	HomeRealm string
	// Fresh (wfresh=0) asks the STS to authenticate again, for tests.
	Fresh bool
}

// SignInURL is the URL to send the browser to: wa=wsignin1.0, wtrealm,
// wreply, wctx, wct and the optional hints, added to the STS URL's own
// query.
func (rp *RelyingParty) SignInURL(req SignInRequest) string {
	q := url.Values{"wa": {ActionSignIn}, "wtrealm": {rp.Realm()}, "wreply": {rp.ReplyURL()},
		"wct": {rp.now().Format(time.RFC3339)}}
	if req.Context != "" {
		q.Set("wctx", req.Context)
	}
	if req.Username != "" {
		q.Set("username", req.Username)
	}
	if req.HomeRealm != "" {
		q.Set("whr", req.HomeRealm)
	}
	if req.Fresh {
		q.Set("wfresh", "0")
	}
	return withQuery(rp.cfg.STS.SignInURL, q)
}

// SignOutURL is the wsignout1.0 URL ending the session at the STS; the STS
// then sends the browser to reply (optional, an absolute URL of Canopy).
func (rp *RelyingParty) SignOutURL(reply string) string {
	q := url.Values{"wa": {ActionSignOut}, "wtrealm": {rp.Realm()}}
	if reply != "" {
		q.Set("wreply", reply)
	}
	return withQuery(rp.cfg.STS.SignInURL, q)
}

func withQuery(base string, q url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base // checked in New
	}
	all := u.Query()
	for k, v := range q {
		all[k] = v
	}
	u.RawQuery = all.Encode()
	return u.String()
}

// SignInResponse is what the STS posts to the reply URL.
type SignInResponse struct {
	Result  string // wresult: the RequestSecurityTokenResponse XML
	Context string // wctx as sent with the request
}

// ReadSignInResponse takes wa, wresult and wctx from the posted form. A
// post that is not a sign-in response (no wresult, another action) is
// ReasonMalformed.
func ReadSignInResponse(form url.Values) (SignInResponse, error) {
	if wa := form.Get("wa"); wa != ActionSignIn {
		return SignInResponse{}, fail(ReasonMalformed, "wa is %q, want %s", wa, ActionSignIn)
	}
	res := SignInResponse{Result: form.Get("wresult"), Context: form.Get("wctx")}
	if strings.TrimSpace(res.Result) == "" {
		if e := form.Get("wresultptr"); e != "" {
			return res, fail(ReasonUnsupported, "wresultptr (token by reference) is not supported")
		}
		return res, fail(ReasonMalformed, "no wresult")
	}
	return res, nil
}

// SignOutMessage is a sign-out message the STS sends to the relying party.
type SignOutMessage struct {
	// Action is ActionSignOutCleanup (the STS ends our session, usually
	// from an image or iframe) or ActionSignOut (a sign-out started at
	// another relying party).
	Action string
	// Reply is the wreply the STS asked for. It is untrusted: follow it
	// only when it is Canopy's own URL.
	Reply string
}

// ReadSignOut recognises a wsignoutcleanup1.0 or wsignout1.0 request on the
// reply URL (query or form); ok is false for anything else.
func ReadSignOut(q url.Values) (SignOutMessage, bool) {
	switch wa := q.Get("wa"); wa {
	case ActionSignOutCleanup, ActionSignOut:
		return SignOutMessage{Action: wa, Reply: q.Get("wreply")}, true
	}
	return SignOutMessage{}, false
}
