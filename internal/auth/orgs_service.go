package auth

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// CreateOrg creates an organisation with ownerID as its owner (used by the
// CLI and the demo). An empty ownerID creates it without members, for the
// CLI to add its first member.
func (s *Service) CreateOrg(ctx context.Context, name, ownerID string, who audit.Actor) (domain.Org, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return domain.Org{}, domain.FieldError("name", "An organisation needs a name of 1 to 200 characters.")
	}
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: name, ReportingCurrency: domain.DefaultReportingCurrency,
		CreatedAt: now, UpdatedAt: now}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOrg(ctx, org); err != nil {
			return err
		}
		if ownerID != "" {
			if err := tx.AddMember(ctx, org.ID, ownerID, []domain.RoleGrant{{Role: RoleOwner}}, now); err != nil {
				return err
			}
		}
		details := map[string]any{"name": name}
		if ownerID != "" {
			details["owner"] = ownerID
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: org.ID, Action: "org.create", TargetType: "org",
			TargetID: org.ID, Details: details})
	})
	return org, err
}

// OrgSettings are the settings an admin can change.
type OrgSettings struct {
	Name              string
	MFARequired       bool
	ReportingCurrency string // "" keeps the current one
}

// UpdateOrgSettings saves the org's settings.
func (s *Service) UpdateOrgSettings(ctx context.Context, p *Principal, in OrgSettings, who audit.Actor) (domain.Org, error) {
	if err := p.Require(PermSettingsManage); err != nil {
		return domain.Org{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		return domain.Org{}, domain.FieldError("name", "An organisation needs a name of 1 to 200 characters.")
	}
	org := p.Org
	before := map[string]any{"name": org.Name, "mfa_required": org.MFARequired, "reporting_currency": org.ReportingCurrency}
	cur, err := s.reportingCurrency(p, in.ReportingCurrency)
	if err != nil {
		return domain.Org{}, err
	}
	org.Name, org.MFARequired, org.ReportingCurrency, org.UpdatedAt = in.Name, in.MFARequired, cur, domain.Now()
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateOrg(ctx, org); err != nil {
			return err
		}
		after := map[string]any{"name": org.Name, "mfa_required": org.MFARequired, "reporting_currency": org.ReportingCurrency}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: org.ID, Action: "org.settings_update", TargetType: "org",
			TargetID: org.ID, Details: map[string]any{"before": before, "after": after}})
	})
	return org, err
}

// reportingCurrency validates a new reporting currency; changing it also
// needs currency.manage, since every report's numbers change with it.
func (s *Service) reportingCurrency(p *Principal, code string) (domain.Currency, error) {
	if code == "" || domain.Currency(code) == p.Org.ReportingCurrency {
		return p.Org.ReportingCurrency, nil
	}
	c, err := domain.ParseCurrency(code)
	if err != nil {
		return "", &domain.Error{Code: domain.CodeInvalid, Field: "reporting_currency", Message: domain.ErrorMessage(err)}
	}
	if c != p.Org.ReportingCurrency {
		if err := p.Require(PermCurrencyManage); err != nil {
			return "", err
		}
	}
	return c, nil
}

// ListOrgs returns the orgs the principal can switch to.
func (s *Service) ListOrgs(ctx context.Context, userID string) ([]domain.Org, error) {
	return s.Store.ListUserOrgs(ctx, userID)
}

// SystemPrincipal acts as an owner of an org for the command line, which
// runs with the database's own authority. Its audit entries name it.
func (s *Service) SystemPrincipal(ctx context.Context, orgID string) (*Principal, error) {
	org, err := s.Store.GetOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	grants := []Grant{{Role: RoleOwner}}
	return &Principal{User: domain.User{Name: "Canopy command line", Email: "cli"}, Org: org, Grants: grants,
		Perms: OrgPermissions(grants)}, nil
}

// FindOrg finds an organisation by ID or exact name.
func (s *Service) FindOrg(ctx context.Context, idOrName string) (domain.Org, error) {
	if o, err := s.Store.GetOrg(ctx, idOrName); err == nil || domain.ErrorCode(err) != domain.CodeNotFound {
		return o, err
	}
	return s.Store.GetOrgByName(ctx, idOrName)
}
