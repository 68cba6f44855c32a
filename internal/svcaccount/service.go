package svcaccount

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// PublicKeys gives the collector's active public key, making the key pair
// on first need. It is implemented by svcaccount/collector; this package
// only ever sees the public half.
type PublicKeys interface {
	ActivePublic(ctx context.Context) (store.CollectorKey, error)
}

// JWK is the collector's public key as browsers and API clients use it.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// KeyBytes is the size of the RSA modulus (and of an encrypted key).
func (k JWK) KeyBytes() int {
	n := len(k.N) * 6 / 8 // base64url without padding
	return n
}

// Account is a service account as it is shown: never the secret.
type Account struct {
	ConnectionID string     `json:"connection_id"`
	Username     string     `json:"username"`
	KID          string     `json:"kid"`
	SetAt        time.Time  `json:"set_at"`
	SetBy        string     `json:"set_by"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	State        string     `json:"state"`
	Detail       string     `json:"detail"`
	CheckedAt    *time.Time `json:"checked_at"`
}

// Input sets a service account.
type Input struct {
	Username    string `json:"username"`
	PasswordJWE string `json:"password_jwe"`
}

// Service sets, shows and removes service accounts.
type Service struct {
	Store *store.Store
	Keys  PublicKeys
}

// PublicKey returns the collector's active public key (made on first need).
func (s *Service) PublicKey(ctx context.Context, p *auth.Principal) (JWK, error) {
	if err := p.Require(auth.PermConnectionsRead); err != nil {
		return JWK{}, err
	}
	return s.publicKey(ctx)
}

func (s *Service) publicKey(ctx context.Context) (JWK, error) {
	if s.Keys == nil {
		return JWK{}, domain.Errorf(domain.CodeInternal, "no collector key source configured")
	}
	k, err := s.Keys.ActivePublic(ctx)
	if err != nil {
		return JWK{}, err
	}
	var j JWK
	if err := json.Unmarshal(k.PublicJWK, &j); err != nil {
		return JWK{}, domain.Errorf(domain.CodeInternal, "collector key %s: stored JWK does not parse: %v", k.KID, err)
	}
	return j, nil
}

// Get returns a connection's service account (not found when none is set).
func (s *Service) Get(ctx context.Context, p *auth.Principal, connectionID string) (Account, error) {
	if err := p.Require(auth.PermConnectionsRead); err != nil {
		return Account{}, err
	}
	if _, err := s.m365Connection(ctx, s.Store, p.Org.ID, connectionID); err != nil {
		return Account{}, err
	}
	a, err := s.Store.GetM365ServiceAccount(ctx, p.Org.ID, connectionID)
	if err != nil {
		return Account{}, err
	}
	return view(a), nil
}

// upnRE is a user principal name: local part @ a domain.
var upnRE = regexp.MustCompile(`^[A-Za-z0-9._%+'\-]{1,64}@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)

// Set stores a connection's service account: the username in clear and
// the password as the JWE given, after checking its structure (it is not
// decrypted here). It replaces an earlier account and is audited without
// any secret.
func (s *Service) Set(ctx context.Context, p *auth.Principal, who audit.Actor, connectionID string, in Input) (Account, error) {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return Account{}, err
	}
	if _, err := s.m365Connection(ctx, s.Store, p.Org.ID, connectionID); err != nil {
		return Account{}, err
	}
	in.Username = strings.TrimSpace(in.Username)
	if len(in.Username) > 113 || !upnRE.MatchString(in.Username) {
		return Account{}, domain.FieldError("username", "Enter the service account's user principal name, such as reports@contoso.onmicrosoft.com.")
	}
	key, err := s.publicKey(ctx)
	if err != nil {
		return Account{}, err
	}
	info, err := ValidateJWE(strings.TrimSpace(in.PasswordJWE), key.Kid, key.KeyBytes())
	if err != nil {
		return Account{}, err
	}
	var out store.M365ServiceAccount
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.m365Connection(ctx, &tx.Queries, p.Org.ID, connectionID)
		if err != nil {
			return err
		}
		out, err = tx.PutM365ServiceAccount(ctx, store.M365ServiceAccount{OrgID: p.Org.ID, ConnectionID: c.ID,
			Username: in.Username, PasswordJWE: strings.TrimSpace(in.PasswordJWE), KID: info.KID, SetBy: p.User.Email})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, entry(c, "m365.service_account.set", map[string]any{"username": in.Username, "kid": info.KID}))
	})
	return view(out), err
}

// Delete removes a connection's service account.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, who audit.Actor, connectionID string) error {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.m365Connection(ctx, &tx.Queries, p.Org.ID, connectionID)
		if err != nil {
			return err
		}
		a, err := tx.GetM365ServiceAccount(ctx, p.Org.ID, c.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteM365ServiceAccount(ctx, p.Org.ID, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, entry(c, "m365.service_account.delete", map[string]any{"username": a.Username}))
	})
}

// connectionGetter is a Store or a Tx.
type connectionGetter interface {
	GetConnection(ctx context.Context, orgID, id string) (store.Connection, error)
}

func (s *Service) m365Connection(ctx context.Context, q connectionGetter, orgID, id string) (store.Connection, error) {
	c, err := q.GetConnection(ctx, orgID, id)
	if err != nil {
		return c, err
	}
	if c.Kind != "m365" {
		return c, domain.Errorf(domain.CodeNotFound, "no Microsoft 365 connection %s", id)
	}
	return c, nil
}

func entry(c store.Connection, action string, details map[string]any) audit.Entry {
	details["connection"] = c.Name
	return audit.Entry{OrgID: c.OrgID, Action: action, TargetType: "connection", TargetID: c.ID, Details: details}
}

func view(a store.M365ServiceAccount) Account {
	return Account{ConnectionID: a.ConnectionID, Username: a.Username, KID: a.KID, SetAt: a.SetAt, SetBy: a.SetBy,
		LastUsedAt: a.LastUsedAt, State: a.CheckState, Detail: a.CheckDetail, CheckedAt: a.CheckedAt}
}
