package sso

import (
	"context"
	"net/url"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/store"
)

// wsfedLogout is a wsignout1.0 request to the STS. Its wreply is Canopy's
// signed-out page with a sign-out state (single use, like OpenID Connect's),
// so the page can tell that the STS sent the browser back.
func (s *Service) wsfedLogout(ctx context.Context, c store.SSOConnection) (*Logout, string, error) {
	st, err := wsfedSettings(c)
	if err != nil {
		return nil, "", err
	}
	if st.SingleLogout != nil && !*st.SingleLogout {
		return nil, "single logout turned off", nil
	}
	rp, err := s.relyingParty(ctx, c)
	if err != nil {
		return nil, "identity provider settings unusable: " + domain.Truncate(err.Error(), 200), nil
	}
	state, err := s.addLogoutState(ctx, c, "")
	if err != nil {
		return nil, "", err
	}
	return &Logout{RedirectURL: rp.SignOutURL(s.SignedOutURL() + "?state=" + url.QueryEscape(state))}, "", nil
}

// WSFedSignOut handles a wsignoutcleanup1.0 or wsignout1.0 request of the
// STS: the person signed out there (ADFS loads each relying party's reply
// URL with wa=wsignoutcleanup1.0 in a frame). The request carries no
// signature — anyone can make a browser load it — so it acts only on the
// browser it comes from: tokenHash is the hash of the Canopy session cookie
// that came with it. When that session was signed in through this
// connection, every Canopy session of the same subject through this
// connection ends, in the database (so on every node), and is audited. A
// browser without a single sign-on session ends nothing (after a sign-out
// started in Canopy the session is already gone; a password session is left
// alone); one signed in through another connection is refused and audited.
// It returns the token hashes ended and the connection's name.
func (s *Service) WSFedSignOut(ctx context.Context, connectionID string, msg wsfed.SignOutMessage, tokenHash string,
	who audit.Actor) (ended []string, provider string, err error) {
	refuse := s.logoutRefuser(ctx, connectionID, who)
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, "", refuse("", "unknown connection")
	}
	if err != nil {
		return nil, "", err
	}
	if !IsWSFed(c.Kind) {
		return nil, c.Name, refuse(c.OrgID, "not a WS-Federation connection")
	}
	if tokenHash == "" {
		return nil, c.Name, nil
	}
	x, err := s.Store.GetSSOSession(ctx, tokenHash)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return nil, c.Name, nil
	case err != nil:
		return nil, c.Name, err
	case x.ConnectionID != c.ID || x.OrgID != c.OrgID:
		return nil, c.Name, refuse(c.OrgID, "the browser's session was not signed in through this connection")
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		list, err := tx.EndSSOSessions(ctx, c.ID, x.Subject, nil)
		if err != nil {
			return err
		}
		for _, e := range list {
			ended = append(ended, e.TokenHash)
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: c.OrgID, Action: "user.sso_logout", TargetType: "sso_connection",
			TargetID: c.ID, Details: map[string]any{"initiated_by": "identity provider (" + msg.Action + ")",
				"subject": x.Subject, "user": x.UserID, "sessions_ended": len(list)}})
	})
	return ended, c.Name, err
}
