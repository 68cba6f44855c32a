package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
)

// samlSettingsForm reads the SAML fields of the connection form.
func samlSettingsForm(r *http.Request) sso.SAMLSettings {
	v := r.PostFormValue
	return sso.SAMLSettings{MetadataURL: v("metadata_url"), MetadataXML: v("metadata_xml"), IdPEntityID: v("idp_entity_id"),
		SignInURL: v("sign_in_url"), SignOutURL: v("sign_out_url"), PingFederateURL: v("pingfederate_url"),
		Certificates: v("certificates"), SignatureAlgorithm: v("signature_algorithm"), Binding: v("binding"),
		AllowIdPInitiated: v("allow_idp_initiated") == "on", NameIDFormat: v("name_id_format")}
}

// NameIDFormats lists the NameID formats a SAML connection can ask for.
func (SSOPage) NameIDFormats() []struct{ Key, Label, URN string } { return sso.NameIDFormats }

// WarnIdPInitiated is the warning shown beside the IdP-initiated option.
func (SSOPage) WarnIdPInitiated() string { return sso.WarnIdPInitiated }

// HasSPCert reports whether the selected connection has a certificate of
// a use (current, next, previous).
func (p SSOPage) HasSPCert(use string) bool {
	if p.Selected == nil {
		return false
	}
	for _, c := range p.Selected.SPCerts {
		if c.Use == use {
			return true
		}
	}
	return false
}

// spKeySteps are the steps of a SAML key rotation, by the URL's {step}.
var spKeySteps = map[string]struct {
	run  func(*sso.Service, context.Context, *auth.Principal, audit.Actor, string) (sso.Connection, error)
	done string
}{
	"rotate": {(*sso.Service).RotateSPKey,
		"New certificate published in the metadata. Let the identity provider read it, then activate it."},
	"activate": {(*sso.Service).ActivateSPKey,
		"New certificate activated: Canopy signs with it. The old one stays published until you remove it."},
	"remove-previous": {(*sso.Service).RemovePreviousSPKey, "Old certificate removed from the metadata."},
}

// changeSPKey runs a step of a SAML connection's key rotation: rotate
// (publish a next certificate), activate (sign with it), remove-previous.
func (s *Server) changeSPKey(w http.ResponseWriter, r *http.Request) {
	step, ok := spKeySteps[r.PathValue("step")]
	if !ok {
		s.fail(w, r, &domain.Error{Code: domain.CodeNotFound, Message: "unknown certificate step"})
		return
	}
	id := r.PathValue("id")
	_, err := step.run(s.ssoSvc(), r.Context(), principalFrom(r.Context()), actor(r), id)
	switch code := domain.ErrorCode(err); {
	case err == nil:
		s.flash(r, FlashSuccess, step.done)
	case code == domain.CodeConflict || code == domain.CodeInvalid:
		s.flash(r, FlashError, strings.TrimSpace(domain.ErrorMessage(err)))
	default:
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/settings/sso/"+id)
}
