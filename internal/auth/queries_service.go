package auth

import (
	"context"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// ListMembers lists the org's members.
func (s *Service) ListMembers(ctx context.Context, p *Principal, f store.MemberFilter) (domain.Page[domain.Member], error) {
	if err := p.Require(PermUsersRead); err != nil {
		return domain.Page[domain.Member]{}, err
	}
	return s.Store.ListMembers(ctx, p.Org.ID, f)
}

// GetMember returns one member of the org.
func (s *Service) GetMember(ctx context.Context, p *Principal, userID string) (domain.Member, error) {
	if userID != p.User.ID {
		if err := p.Require(PermUsersRead); err != nil {
			return domain.Member{}, err
		}
	}
	return s.Store.GetMember(ctx, p.Org.ID, userID)
}

// ListSessions lists a user's sessions: one's own, or a member's for an
// admin of the org.
func (s *Service) ListSessions(ctx context.Context, p *Principal, userID string) ([]domain.SessionInfo, error) {
	if err := s.canManageUser(ctx, p, userID); err != nil {
		return nil, err
	}
	return s.Store.ListSessions(ctx, userID)
}

// RevokeSession ends one session of a user (own, or a member's for an
// admin).
func (s *Service) RevokeSession(ctx context.Context, p *Principal, userID, sessionID string, who audit.Actor) error {
	if err := s.canManageUser(ctx, p, userID); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeSession(ctx, userID, sessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "session.revoke", TargetType: "user",
			TargetID: userID, Details: map[string]any{"session": sessionID}})
	})
}

// RevokeOtherSessions ends all of the principal's sessions but keep.
func (s *Service) RevokeOtherSessions(ctx context.Context, p *Principal, keep string, who audit.Actor) (int, error) {
	n, err := s.Store.RevokeUserSessions(ctx, p.User.ID, keep)
	if err == nil {
		err = audit.Record(ctx, s.Store, who, audit.Entry{Action: "session.revoke_others", TargetType: "user",
			TargetID: p.User.ID, Details: map[string]any{"count": n}})
	}
	return n, err
}

func (s *Service) canManageUser(ctx context.Context, p *Principal, userID string) error {
	if userID == p.User.ID {
		return nil
	}
	if err := p.Require(PermUsersManage); err != nil {
		return err
	}
	_, err := s.Store.GetMember(ctx, p.Org.ID, userID)
	return err
}

// ListAudit lists the org's audit entries.
func (s *Service) ListAudit(ctx context.Context, p *Principal, f store.AuditFilter) (domain.Page[domain.AuditEvent], error) {
	if err := p.Require(PermAuditRead); err != nil {
		return domain.Page[domain.AuditEvent]{}, err
	}
	return s.Store.ListAudit(ctx, p.Org.ID, f)
}

// UpdateProfile changes the principal's display name.
func (s *Service) UpdateProfile(ctx context.Context, p *Principal, name string, who audit.Actor) error {
	if len(name) > 200 {
		return domain.FieldError("name", "A name can be at most 200 characters.")
	}
	if err := s.Store.SetUserName(ctx, p.User.ID, name, domain.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, s.Store, who, audit.Entry{Action: "user.profile_update", TargetType: "user", TargetID: p.User.ID})
}
