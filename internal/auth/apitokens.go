package auth

import (
	"context"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// APITokenPrefix starts every API token, so leaked tokens are easy to scan
// for.
const APITokenPrefix = "cnp_"

// ErrBadToken answers a missing, unknown, expired or revoked token.
var ErrBadToken = &domain.Error{Code: domain.CodeUnauthenticated, Message: "The API token is missing, invalid, expired or revoked."}

// CreateAPIToken issues a token for the principal in its org. The plain
// token is returned once and only its hash is kept. ttl 0 = no expiry.
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, name string, ttl time.Duration, who audit.Actor) (string, domain.APIToken, error) {
	if err := p.Require(PermTokensManage); err != nil {
		return "", domain.APIToken{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", domain.APIToken{}, domain.FieldError("name", "Give the token a name of 1 to 100 characters.")
	}
	if ttl < 0 || ttl > 3*365*24*time.Hour {
		return "", domain.APIToken{}, domain.FieldError("expires_in_days", "A token can live at most 3 years.")
	}
	plain, hash := NewSecretToken(APITokenPrefix)
	now := domain.Now()
	t := domain.APIToken{ID: domain.NewID(domain.PrefixToken), OrgID: p.Org.ID, UserID: p.User.ID, Name: name,
		Prefix: TokenDisplayPrefix(plain), CreatedAt: now}
	if ttl > 0 {
		exp := now.Add(ttl)
		t.ExpiresAt = &exp
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAPIToken(ctx, t, hash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "token.create", TargetType: "token",
			TargetID: t.ID, Details: map[string]any{"name": name, "expires_at": t.ExpiresAt}})
	})
	return plain, t, err
}

// ListAPITokens lists the principal's tokens in its org.
func (s *Service) ListAPITokens(ctx context.Context, p *Principal) ([]domain.APIToken, error) {
	if err := p.Require(PermTokensManage); err != nil {
		return nil, err
	}
	return s.Store.ListAPITokens(ctx, p.Org.ID, p.User.ID)
}

// RevokeAPIToken revokes one of the principal's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, p *Principal, id string, who audit.Actor) error {
	if err := p.Require(PermTokensManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeAPIToken(ctx, p.Org.ID, p.User.ID, id, domain.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "token.revoke", TargetType: "token", TargetID: id})
	})
}

// AuthenticateToken resolves a bearer token to its principal: the token's
// user in the token's org, with the user's current permissions there.
func (s *Service) AuthenticateToken(ctx context.Context, plain string) (*Principal, error) {
	if !strings.HasPrefix(plain, APITokenPrefix) || len(plain) > 200 {
		return nil, ErrBadToken
	}
	t, err := s.Store.GetAPITokenByHash(ctx, HashSecretToken(plain))
	if domain.ErrorCode(err) == domain.CodeNotFound || (err == nil && !t.Active(domain.Now())) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	p, err := s.LoadPrincipal(ctx, t.UserID, t.OrgID)
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.CodeNotFound || code == domain.CodeForbidden {
			return nil, ErrBadToken
		}
		return nil, err
	}
	if p.User.Status != domain.UserActive {
		return nil, ErrBadToken
	}
	p.TokenID = t.ID
	if t.LastUsedAt == nil || time.Since(*t.LastUsedAt) > time.Minute {
		// Best effort and brief: on SQLite a running cost import holds the
		// one writer for minutes, and a request must not wait for it just
		// to note when its token was last used.
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		_ = s.Store.TouchAPIToken(tctx, t.ID, domain.Now())
		cancel()
	}
	return p, nil
}
