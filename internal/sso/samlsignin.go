package sso

import (
	"context"
	"crypto/subtle"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/store"
)

// IsSAML reports whether a kind signs in with SAML 2.0 (saml, pingfederate).
func IsSAML(kind string) bool { return isSAML(kind) }

// BeginSAML starts a SAML sign-in: a signed AuthnRequest in the
// connection's binding, whose ID stays in the database with the state
// (single use, StateTTL). The state travels as RelayState; the caller keeps
// it in the browser's session for CompleteSAML.
func (s *Service) BeginSAML(ctx context.Context, c store.SSOConnection, next, testBy string, who audit.Actor) (*saml.Outbound, string, error) {
	if !isSAML(c.Kind) {
		return nil, "", domain.Errorf(domain.CodeInvalid, "%s does not sign in with SAML.", KindLabel(c.Kind))
	}
	if !c.Enabled && testBy == "" {
		return nil, "", &domain.Error{Code: domain.CodeForbidden, Message: "This single sign-on connection is turned off. Ask your administrator."}
	}
	sp, st, err := s.serviceProvider(ctx, c)
	if err != nil {
		reason := "identity provider settings unusable: " + domain.Truncate(err.Error(), 200)
		return nil, "", s.refuser(ctx, c.ID, who)(c.OrgID, reason,
			"Your identity provider could not be reached. Try again in a minute, or ask your administrator.")
	}
	binding := saml.BindingHTTPRedirect
	if st.Binding == SAMLBindingPost {
		binding = saml.BindingHTTPPost
	}
	state := randomToken()
	out, err := sp.AuthnRequest(binding, state)
	if err != nil {
		return nil, "", err
	}
	if err := s.Store.AddSSOState(ctx, store.SSOState{StateHash: auth.HashSecretToken(state), OrgID: c.OrgID, ConnectionID: c.ID,
		Nonce: out.ID, Next: next, TestBy: testBy, ExpiresAt: domain.Now().Add(StateTTL)}); err != nil {
		return nil, "", err
	}
	return out, state, nil
}

// CompleteSAML finishes a SAML sign-in from the response posted to the
// callback. A RelayState naming a sign-in started here must have been
// started in this browser (bound) and gives the expected InResponseTo;
// without one the response is IdP-initiated, accepted only where the
// connection allows it. Package saml checks signature, audience,
// recipient, validity, InResponseTo and replay (in the database); each
// refusal is audited as user.sso_failed with the package's reason code.
func (s *Service) CompleteSAML(ctx context.Context, connectionID, samlResponse, relayState, bound string, who audit.Actor) (*Result, error) {
	refuse := s.refuser(ctx, connectionID, who)
	var st store.SSOState
	if relayState != "" && len(relayState) <= 200 {
		got, err := s.Store.TakeSSOState(ctx, auth.HashSecretToken(relayState))
		switch {
		case err == nil:
			if subtle.ConstantTimeCompare([]byte(relayState), []byte(bound)) != 1 {
				return nil, refuse(got.OrgID, "state not started in this browser", "")
			}
			if got.ConnectionID != connectionID {
				return nil, refuse(got.OrgID, "state belongs to another connection", "")
			}
			st = got
		case domain.ErrorCode(err) != domain.CodeNotFound:
			return nil, err
		}
		// A RelayState that names no sign-in under way is the identity
		// provider's own (IdP-initiated); the response decides.
	}
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, refuse(st.OrgID, "unknown connection", "")
	}
	if err != nil {
		return nil, err
	}
	if !isSAML(c.Kind) {
		return nil, refuse(c.OrgID, "not a SAML connection", "")
	}
	if !c.Enabled && st.TestBy == "" {
		return nil, refuse(c.OrgID, "connection disabled", "This single sign-on connection is turned off. Ask your administrator.")
	}
	sp, _, err := s.serviceProvider(ctx, c)
	if err != nil {
		return nil, refuse(c.OrgID, "identity provider settings unusable: "+domain.Truncate(err.Error(), 200),
			"Your identity provider could not be reached. Try again in a minute.")
	}
	a, err := sp.ValidateResponse(ctx, samlResponse, st.Nonce)
	if err != nil {
		reason := saml.ReasonOf(err)
		if reason == "" {
			reason = "invalid response: " + domain.Truncate(err.Error(), 200)
		}
		return nil, refuse(c.OrgID, reason, "")
	}
	claims := map[string]any{claimNameID: a.NameID}
	for name, vals := range a.Attributes {
		if name != claimNameID {
			claims[name] = vals
		}
	}
	res, err := s.finish(ctx, c, claims, a.NameID, st, who, refuse)
	if err == nil {
		res.Logout = SessionLogout{ConnectionID: c.ID, Subject: a.NameID, NameIDFormat: a.NameIDFormat,
			NameQualifier: a.NameQualifier, SPNameQualifier: a.SPNameQualifier, SessionIndex: a.SessionIndex}
	}
	return res, err
}
