package sso

import (
	"context"
	"crypto/subtle"
	"net/url"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/store"
)

// BeginWSFed starts a WS-Federation sign-in: the wsignin1.0 URL of the
// connection's STS, with the email as username hint and a state (single
// use, StateTTL, kept in the database) travelling as wctx. The caller keeps
// the state in the browser's session for CompleteWSFed.
func (s *Service) BeginWSFed(ctx context.Context, c store.SSOConnection, email, next, testBy string, who audit.Actor) (string, string, error) {
	if !IsWSFed(c.Kind) {
		return "", "", domain.Errorf(domain.CodeInvalid, "%s does not sign in with WS-Federation.", KindLabel(c.Kind))
	}
	if !c.Enabled && testBy == "" {
		return "", "", &domain.Error{Code: domain.CodeForbidden, Message: "This single sign-on connection is turned off. Ask your administrator."}
	}
	rp, err := s.relyingParty(ctx, c)
	if err != nil {
		return "", "", s.refuser(ctx, c.ID, who)(c.OrgID, "identity provider settings unusable: "+domain.Truncate(err.Error(), 200),
			"Your identity provider could not be reached. Try again in a minute, or ask your administrator.")
	}
	state := randomToken()
	if err := s.Store.AddSSOState(ctx, store.SSOState{StateHash: auth.HashSecretToken(state), OrgID: c.OrgID, ConnectionID: c.ID,
		Next: next, TestBy: testBy, ExpiresAt: domain.Now().Add(StateTTL)}); err != nil {
		return "", "", err
	}
	return rp.SignInURL(wsfed.SignInRequest{Context: state, Username: email, Fresh: testBy != ""}), state, nil
}

// CompleteWSFed finishes a WS-Federation sign-in from the form the STS
// posted (wa, wresult, wctx). The wctx must name a sign-in started in this
// browser (bound) for this connection: there is no unsolicited sign-in.
// Package wsfed checks the token (signature against the STS's
// certificates, wrapping, audience = realm, validity, replay in the
// database); each refusal is audited as user.sso_failed with its reason.
func (s *Service) CompleteWSFed(ctx context.Context, connectionID string, form url.Values, bound string, who audit.Actor) (*Result, error) {
	refuse := s.refuser(ctx, connectionID, who)
	state := form.Get("wctx")
	if state == "" || len(state) > 200 {
		return nil, refuse("", "missing state", "")
	}
	st, err := s.Store.TakeSSOState(ctx, auth.HashSecretToken(state))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, refuse("", "unknown, used or expired state", "This sign-in link has expired or was already used. Start again from the sign-in page.")
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(bound)) != 1 {
		return nil, refuse(st.OrgID, "state not started in this browser", "")
	}
	if st.ConnectionID != connectionID {
		return nil, refuse(st.OrgID, "state belongs to another connection", "")
	}
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, refuse(st.OrgID, "connection deleted", "")
	}
	if err != nil {
		return nil, err
	}
	if !IsWSFed(c.Kind) {
		return nil, refuse(c.OrgID, "not a WS-Federation connection", "")
	}
	if !c.Enabled && st.TestBy == "" {
		return nil, refuse(c.OrgID, "connection disabled", "This single sign-on connection is turned off. Ask your administrator.")
	}
	rp, err := s.relyingParty(ctx, c)
	if err != nil {
		return nil, refuse(c.OrgID, "identity provider settings unusable: "+domain.Truncate(err.Error(), 200),
			"Your identity provider could not be reached. Try again in a minute.")
	}
	res, err := wsfed.ReadSignInResponse(form)
	var a *wsfed.Assertion
	if err == nil {
		a, err = rp.ValidateResponse(ctx, res.Result)
	}
	if err != nil {
		reason := wsfed.ReasonOf(err)
		if reason == "" {
			reason = "invalid response: " + domain.Truncate(err.Error(), 200)
		}
		return nil, refuse(c.OrgID, reason, "")
	}
	out, err := s.finish(ctx, c, a.Claims(), a.Subject(), st, who, refuse)
	if err == nil {
		out.Logout = SessionLogout{ConnectionID: c.ID, Subject: a.Subject()}
	}
	return out, err
}
