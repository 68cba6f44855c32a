package connect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// Test probes a connection that is not saved: the kind, settings and
// secret as entered, with the adapter's Probe. Nothing is stored; the
// secret is dropped afterwards.
func (s *Service) Test(ctx context.Context, p *auth.Principal, in Input) ([]Check, error) {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return nil, err
	}
	if !in.Kind.Valid() {
		return nil, domain.FieldError("kind", "Choose azure, aws, m365 or partnercenter.")
	}
	if in.Settings == nil {
		in.Settings = []byte("{}")
	}
	if err := s.validSettings(in.Kind, in.Settings); err != nil {
		return nil, err
	}
	conn, err := s.Connectors.Lookup(in.Kind)
	if err != nil {
		return nil, &domain.Error{Code: domain.CodeInvalid, Field: "kind", Message: err.Error()}
	}
	c := Connection{ID: "con_test", OrgID: p.Org.ID, Kind: string(in.Kind), Settings: compactJSON(in.Settings), Enabled: true}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	checks, err := conn.Probe(ctx, s.Env, c, in.Secret)
	if err != nil {
		// A probe that cannot run at all is one failed check, as the doctor shows it.
		return []Check{{Feature: "Connection", Needs: "Valid credentials and network access", Detail: err.Error()}}, nil
	}
	return checks, nil
}

// consentTTL bounds an admin consent from its start to the callback.
const consentTTL = 30 * time.Minute

// SealState seals v (an onboarding in progress) into an OAuth state for a
// consent a program started through the API: the admin's browser comes
// back without the program's session, so the state itself carries the
// onboarding, encrypted and bound to the organisation.
func (s *Service) SealState(orgID string, v any) (string, error) {
	raw, err := json.Marshal(sealedState{V: v, Until: s.Now().Add(consentTTL)})
	if err != nil {
		return "", err
	}
	sealed, err := s.Vault.Seal(raw, stateAAD(orgID))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// OpenState opens a state SealState made for orgID into v; a state of
// another organisation, a forged or an expired one is refused.
func (s *Service) OpenState(orgID, state string, v any) error {
	refused := &domain.Error{Code: domain.CodeInvalid, Message: "This answer from Microsoft does not belong to a connection started for this organisation, or it took more than 30 minutes. Start again."}
	sealed, err := base64.RawURLEncoding.DecodeString(state)
	if err != nil || len(sealed) == 0 {
		return refused
	}
	raw, err := s.Vault.Open(sealed, stateAAD(orgID))
	if err != nil {
		return refused
	}
	st := sealedState{V: v}
	if json.Unmarshal(raw, &st) != nil || s.Now().After(st.Until) {
		return refused
	}
	return nil
}

type sealedState struct {
	V     any       `json:"v"`
	Until time.Time `json:"until"`
}

func stateAAD(orgID string) []byte { return []byte("connection-consent-state:" + orgID) }

// RandomToken is 24 random bytes, URL-safe: OAuth states, external IDs.
func RandomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
