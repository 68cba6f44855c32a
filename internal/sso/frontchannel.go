package sso

import (
	"context"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/store"
)

// FrontChannelURL is an OpenID Connect connection's front-channel logout
// URI (OpenID Connect Front-Channel Logout 1.0) to register at the
// provider, which adds iss and sid.
func (s *Service) FrontChannelURL(connectionID string) string {
	return s.BaseURL + "/logout/frontchannel?connection=" + connectionID
}

// FrontChannelLogout ends the Canopy sessions of the provider session sid
// (the person signed out at the provider or another application). iss must
// be the connection's issuer and both must be present (the connection
// requires frontchannel_logout_session_required). The request carries no
// signature — as the specification has it, knowing the sid is what allows
// it — so it only ever ends sessions. It returns the token hashes ended.
func (s *Service) FrontChannelLogout(ctx context.Context, connectionID, iss, sid string, who audit.Actor) ([]string, error) {
	refuse := s.logoutRefuser(ctx, connectionID, who)
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if err != nil {
		return nil, refuse("", "unknown connection")
	}
	if c.Kind != KindOIDC && c.Kind != KindAzureAD {
		return nil, refuse(c.OrgID, "not an OpenID Connect connection")
	}
	if iss == "" || sid == "" || len(sid) > 255 {
		return nil, refuse(c.OrgID, "front-channel logout without iss and sid")
	}
	st, err := settingsOf(c)
	if err != nil {
		return nil, err
	}
	if !issuerOf(c.Kind, st, iss) {
		return nil, refuse(c.OrgID, "wrong issuer")
	}
	var ended []string
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		list, err := tx.EndSSOSessionsBySID(ctx, c.ID, sid)
		if err != nil {
			return err
		}
		for _, x := range list {
			ended = append(ended, x.TokenHash)
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: c.OrgID, Action: "user.sso_logout", TargetType: "sso_connection",
			TargetID: c.ID, Details: map[string]any{"initiated_by": "identity provider (front-channel)", "sid": sid,
				"sessions_ended": len(list)}})
	})
	return ended, err
}

// issuerOf reports whether iss is the connection's issuer: the configured
// one, or for Azure AD its tenant's (an allowed one when multi-tenant).
func issuerOf(kind string, st OIDCSettings, iss string) bool {
	if kind != KindAzureAD {
		return strings.TrimRight(iss, "/") == strings.TrimRight(st.Issuer, "/")
	}
	tmpl := azureIssuerTemplate(st)
	pre, post, _ := strings.Cut(tmpl, "{tenantid}")
	if !strings.HasPrefix(iss, pre) || !strings.HasSuffix(iss, post) || len(iss) <= len(pre)+len(post) {
		return false
	}
	tid := strings.ToLower(iss[len(pre) : len(iss)-len(post)])
	if !st.MultiTenant {
		return tid == st.TenantID
	}
	return guidRE.MatchString(tid) && (len(st.AllowedTenants) == 0 || slices.Contains(st.AllowedTenants, tid))
}
