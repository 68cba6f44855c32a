package sso

import (
	"context"
	"errors"
	"net/url"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/store"
)

// SessionLogout is what single logout needs of a sign-in, carried from the
// callback (in the browser's session, sealed) to the Canopy session it
// starts, where RecordSession keeps it in the database.
type SessionLogout struct {
	ConnectionID    string `json:"c"`
	Subject         string `json:"s"`            // SAML NameID, OpenID Connect sub
	NameIDFormat    string `json:"f,omitempty"`  // SAML
	NameQualifier   string `json:"nq,omitempty"` // SAML
	SPNameQualifier string `json:"sq,omitempty"` // SAML
	SessionIndex    string `json:"i,omitempty"`  // SAML
	SID             string `json:"sid,omitempty"`
	SealedIDToken   string `json:"t,omitempty"` // OpenID Connect: sealed with the key vault
}

func idTokenAAD(orgID, connectionID string) string {
	return "sso-id-token:" + orgID + ":" + connectionID
}

// logoutStateHash keys a sign-out under way in sso_states: a different
// hash from a sign-in's, so neither state can stand for the other.
func logoutStateHash(state string) string { return auth.HashSecretToken("logout:" + state) }

// RecordSession keeps how the Canopy session with tokenHash was signed in.
func (s *Service) RecordSession(ctx context.Context, tokenHash, orgID, userID string, l SessionLogout) error {
	if l.ConnectionID == "" || l.Subject == "" {
		return nil
	}
	return s.Store.RecordSSOSession(ctx, store.SSOSession{TokenHash: tokenHash, OrgID: orgID, UserID: userID,
		ConnectionID: l.ConnectionID, Subject: l.Subject, NameIDFormat: l.NameIDFormat, NameQualifier: l.NameQualifier,
		SPNameQualifier: l.SPNameQualifier, SessionIndex: l.SessionIndex, SID: l.SID, SealedIDToken: l.SealedIDToken,
		CreatedAt: domain.Now()})
}

// Logout is where the browser goes to be signed out at the identity
// provider: RedirectURL, or a form posting Fields to PostURL.
type Logout struct {
	Provider    string
	RedirectURL string
	PostURL     string
	Fields      map[string]string
}

// BeginLogout asks the identity provider to end the session x was signed
// in with. It answers nil (sign out locally only) when the connection is
// gone, its single logout is turned off, or its provider has no sign-out
// endpoint; reason then says why, for the audit log. A new kind plugs in
// here with its own case.
func (s *Service) BeginLogout(ctx context.Context, x store.SSOSession) (out *Logout, reason string, err error) {
	c, err := s.Store.FindSSOConnection(ctx, x.ConnectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, "connection deleted", nil
	}
	if err != nil {
		return nil, "", err
	}
	switch {
	case isSAML(c.Kind):
		out, reason, err = s.samlLogout(ctx, c, x)
	case c.Kind == KindOIDC || c.Kind == KindAzureAD:
		out, reason, err = s.oidcLogout(ctx, c, x)
	case IsWSFed(c.Kind):
		out, reason, err = s.wsfedLogout(ctx, c)
	default:
		return nil, KindLabel(c.Kind) + " sign-out is not available", nil
	}
	if out != nil {
		out.Provider = c.Name
	}
	return out, reason, err
}

// addLogoutState keeps a sign-out under way (single use, StateTTL); nonce
// is the SAML LogoutRequest ID its response must answer.
func (s *Service) addLogoutState(ctx context.Context, c store.SSOConnection, nonce string) (string, error) {
	state := randomToken()
	return state, s.Store.AddSSOState(ctx, store.SSOState{StateHash: logoutStateHash(state), OrgID: c.OrgID,
		ConnectionID: c.ID, Nonce: nonce, ExpiresAt: domain.Now().Add(StateTTL)})
}

// oidcLogout is RP-initiated logout: the discovery document's
// end_session_endpoint with id_token_hint, post_logout_redirect_uri and
// state.
func (s *Service) oidcLogout(ctx context.Context, c store.SSOConnection, x store.SSOSession) (*Logout, string, error) {
	st, err := settingsOf(c)
	if err != nil {
		return nil, "", err
	}
	if st.SingleLogout != nil && !*st.SingleLogout {
		return nil, "single logout turned off", nil
	}
	p, _, err := s.provider(ctx, c)
	if err != nil {
		return nil, "discovery failed: " + domain.Truncate(err.Error(), 200), nil
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil || meta.EndSession == "" {
		return nil, "the identity provider has no end_session_endpoint", nil
	}
	u, err := url.Parse(meta.EndSession)
	if err != nil || checkURL(u.Scheme+"://"+u.Host) != nil {
		return nil, "the identity provider's end_session_endpoint is not usable", nil
	}
	state, err := s.addLogoutState(ctx, c, "")
	if err != nil {
		return nil, "", err
	}
	q := u.Query()
	if x.SealedIDToken != "" {
		raw, err := keyvault.OpenString(s.Vault, x.SealedIDToken, idTokenAAD(c.OrgID, c.ID))
		if err != nil {
			return nil, "", err
		}
		q.Set("id_token_hint", raw)
	}
	q.Set("client_id", st.ClientID)
	q.Set("post_logout_redirect_uri", s.SignedOutURL())
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return &Logout{RedirectURL: u.String()}, "", nil
}

// samlLogout is a signed LogoutRequest in the connection's binding (the
// other one when the provider offers only that) to its SLO URL.
func (s *Service) samlLogout(ctx context.Context, c store.SSOConnection, x store.SSOSession) (*Logout, string, error) {
	st, err := samlSettings(c)
	if err != nil {
		return nil, "", err
	}
	if st.SingleLogout != nil && !*st.SingleLogout {
		return nil, "single logout turned off", nil
	}
	sp, _, err := s.serviceProvider(ctx, c)
	if err != nil {
		return nil, "identity provider settings unusable: " + domain.Truncate(err.Error(), 200), nil
	}
	binding := samlBinding(st, sp.IdP())
	if binding == "" {
		return nil, "the identity provider has no single logout URL", nil
	}
	state := randomToken()
	out, err := sp.LogoutRequestFor(binding, saml.NameID{Value: x.Subject, Format: x.NameIDFormat,
		NameQualifier: x.NameQualifier, SPNameQualifier: x.SPNameQualifier}, x.SessionIndex, state)
	if err != nil {
		return nil, "", err
	}
	if err := s.Store.AddSSOState(ctx, store.SSOState{StateHash: logoutStateHash(state), OrgID: c.OrgID,
		ConnectionID: c.ID, Nonce: out.ID, ExpiresAt: domain.Now().Add(StateTTL)}); err != nil {
		return nil, "", err
	}
	return &Logout{RedirectURL: out.RedirectURL, PostURL: out.PostURL, Fields: out.Fields}, "", nil
}

// samlBinding picks the binding of messages to the identity provider's
// SLO service: the connection's, else the one it offers; "" without one.
func samlBinding(st SAMLSettings, idp saml.IdPSettings) string {
	redirect, post := idp.SLORedirectURL != "", idp.SLOPostURL != ""
	switch {
	case st.Binding == SAMLBindingPost && post, !redirect && post:
		return saml.BindingHTTPPost
	case redirect:
		return saml.BindingHTTPRedirect
	}
	return ""
}

// SignedOutURL is where identity providers send people back after signing
// them out (OpenID Connect post_logout_redirect_uri, WS-Federation wreply).
func (s *Service) SignedOutURL() string { return s.BaseURL + "/signed-out" }

// SLOURL is a SAML connection's single logout service.
func (s *Service) SLOURL(connectionID string) string {
	return s.BaseURL + "/logout/callback?connection=" + url.QueryEscape(connectionID)
}

// FinishOIDCLogout takes the state an OpenID provider (or a WS-Federation
// STS, in the wreply) sent back to the signed-out page and returns the provider's name ("" for a state that
// names no sign-out under way: the page then only says Canopy signed out).
func (s *Service) FinishOIDCLogout(ctx context.Context, state string) (string, error) {
	if state == "" || len(state) > 200 {
		return "", nil
	}
	st, err := s.Store.TakeSSOState(ctx, logoutStateHash(state))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	c, err := s.Store.FindSSOConnection(ctx, st.ConnectionID)
	if err != nil || st.Nonce != "" {
		return "", nil
	}
	return c.Name, nil
}

// LogoutRefusal is a logout message Canopy did not accept; Reason goes to
// the audit log (user.sso_logout_failed).
type LogoutRefusal struct {
	Reason string
}

func (r *LogoutRefusal) Error() string { return "single logout refused: " + r.Reason }

// logoutRefuser audits a refused logout message and returns it as a
// *LogoutRefusal.
func (s *Service) logoutRefuser(ctx context.Context, connectionID string, who audit.Actor) func(orgID, reason string) error {
	return func(orgID, reason string) error {
		if err := audit.Record(ctx, s.Store, who, audit.Entry{OrgID: orgID, Action: "user.sso_logout_failed",
			TargetType: "sso_connection", TargetID: connectionID, Details: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		return &LogoutRefusal{Reason: reason}
	}
}

// samlReason is the audited reason of a package saml error.
func samlReason(err error) string {
	if r := saml.ReasonOf(err); r != "" {
		return r
	}
	return "invalid message: " + domain.Truncate(err.Error(), 200)
}

// samlConnection finds a SAML connection and its service provider for a
// logout message.
func (s *Service) samlConnection(ctx context.Context, connectionID string, refuse func(orgID, reason string) error) (store.SSOConnection, *saml.ServiceProvider, error) {
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return c, nil, refuse("", "unknown connection")
	}
	if err != nil {
		return c, nil, err
	}
	if !isSAML(c.Kind) {
		return c, nil, refuse(c.OrgID, "not a SAML connection")
	}
	sp, _, err := s.serviceProvider(ctx, c)
	if err != nil {
		return c, nil, refuse(c.OrgID, "identity provider settings unusable: "+domain.Truncate(err.Error(), 200))
	}
	return c, sp, nil
}

// CompleteSAMLLogout validates the identity provider's LogoutResponse to
// the LogoutRequest Canopy sent at sign-out: the RelayState must name a
// sign-out under way of this connection (single use, so a replayed
// response is refused), and the response must be signed by the provider
// and answer that request (InResponseTo) with Success. The Canopy session
// ended before; this only tells the person whether the provider ended
// its own. It returns the provider's name.
func (s *Service) CompleteSAMLLogout(ctx context.Context, connectionID, binding, value, relayState string, who audit.Actor) (string, error) {
	refuse := s.logoutRefuser(ctx, connectionID, who)
	var st store.SSOState
	if relayState != "" && len(relayState) <= 200 {
		got, err := s.Store.TakeSSOState(ctx, logoutStateHash(relayState))
		if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
			return "", err
		}
		st = got
	}
	c, sp, err := s.samlConnection(ctx, connectionID, refuse)
	if err != nil {
		return c.Name, err
	}
	if st.StateHash == "" {
		return c.Name, refuse(c.OrgID, "unknown, used or expired sign-out state")
	}
	if st.ConnectionID != c.ID {
		return c.Name, refuse(c.OrgID, "state belongs to another connection")
	}
	if err := sp.ValidateLogoutResponse(binding, value, st.Nonce); err != nil {
		return c.Name, refuse(c.OrgID, samlReason(err))
	}
	return c.Name, audit.Record(ctx, s.Store, who, audit.Entry{OrgID: c.OrgID, Action: "user.sso_logout",
		TargetType: "sso_connection", TargetID: c.ID, Details: map[string]any{"initiated_by": "canopy", "status": "success"}})
}

// IdPLogout handles a LogoutRequest of the identity provider (the person
// signed out elsewhere): signature against the provider's certificates,
// issuer, destination, freshness, NotOnOrAfter and replay are checked by
// package saml; then every Canopy session of that NameID from this
// connection (of the given session indexes, when any) ends in the
// database, so on every node. The answer is Canopy's signed LogoutResponse
// for the browser to carry back; ended lists the token hashes of the
// sessions that ended. relayState is the POST binding's RelayState field
// (the redirect binding's is read from value, where it is signed).
func (s *Service) IdPLogout(ctx context.Context, connectionID, binding, value, relayState string, who audit.Actor) (out *Logout, ended []string, err error) {
	refuse := s.logoutRefuser(ctx, connectionID, who)
	c, sp, err := s.samlConnection(ctx, connectionID, refuse)
	if err != nil {
		return nil, nil, err
	}
	info, err := sp.ValidateLogoutRequest(ctx, binding, value)
	if err != nil {
		return nil, nil, refuse(c.OrgID, samlReason(err))
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		list, err := tx.EndSSOSessions(ctx, c.ID, info.NameID, info.SessionIndexes)
		if err != nil {
			return err
		}
		users := map[string]bool{}
		for _, x := range list {
			users[x.UserID] = true
			ended = append(ended, x.TokenHash)
		}
		details := map[string]any{"initiated_by": "identity provider", "name_id": info.NameID,
			"session_indexes": info.SessionIndexes, "sessions_ended": len(ended), "users": len(users)}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: c.OrgID, Action: "user.sso_logout",
			TargetType: "sso_connection", TargetID: c.ID, Details: details})
	})
	if err != nil {
		return nil, nil, err
	}
	st, _ := samlSettings(c)
	answer := info.Binding
	if (answer == saml.BindingHTTPPost && sp.IdP().SLOPostURL == "") || (answer == saml.BindingHTTPRedirect && sp.IdP().SLORedirectURL == "") {
		answer = samlBinding(st, sp.IdP())
	}
	if answer == "" {
		return nil, ended, errors.New("sso: the identity provider has no single logout URL to answer to")
	}
	if binding == saml.BindingHTTPRedirect || len(relayState) > 80 {
		relayState = info.RelayState // SAML bindings cap RelayState at 80 bytes
	}
	msg, err := sp.LogoutResponse(answer, info.ID, relayState)
	if err != nil {
		return nil, ended, err
	}
	return &Logout{Provider: c.Name, RedirectURL: msg.RedirectURL, PostURL: msg.PostURL, Fields: msg.Fields}, ended, nil
}
