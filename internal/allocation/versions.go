package allocation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

func versionOf(v store.AllocVersion) (Version, error) {
	out := Version{OrgID: v.OrgID, Number: v.Version, Note: v.Note, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt,
		Affects: v.Affects, ChangedFrom: v.ChangedFrom, ChangedTo: v.ChangedTo}
	if err := json.Unmarshal(v.Ruleset, &out.Ruleset); err != nil {
		return out, fmt.Errorf("allocation version %d: %w", v.Version, err)
	}
	return out, nil
}

// current is the latest version, or version 0 with no rules when the
// organisation has saved none.
func (s *Service) current(ctx context.Context, orgID string) (Version, error) {
	return s.version(ctx, orgID, 0)
}

func (s *Service) version(ctx context.Context, orgID string, n int) (Version, error) {
	v, err := s.Store.GetAllocVersion(ctx, orgID, n)
	if n <= 0 && domain.ErrorCode(err) == domain.CodeNotFound {
		return Version{OrgID: orgID, Ruleset: Ruleset{Rules: []Rule{}, Splits: []Split{}}}, nil
	}
	if err != nil {
		return Version{}, err
	}
	return versionOf(v)
}

// Version returns a saved version (0: the current one).
func (s *Service) Version(ctx context.Context, p *auth.Principal, n int) (Version, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return Version{}, err
	}
	return s.version(ctx, p.Org.ID, n)
}

// Versions lists the saved versions, newest first.
func (s *Service) Versions(ctx context.Context, p *auth.Principal) ([]Version, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return nil, err
	}
	list, err := s.Store.ListAllocVersions(ctx, p.Org.ID, 500)
	if err != nil {
		return nil, err
	}
	out := make([]Version, 0, len(list))
	for _, v := range list {
		x, err := versionOf(v)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// Saved is the outcome of saving a rule set: the new version and the
// months recomputed for it (the others read earlier results).
type Saved struct {
	Version    Version     `json:"version"`
	Recomputed []time.Time `json:"recomputed_months"`
}

// SaveRuleset validates rs and saves it as the next version when it
// differs from the current one; base is the version the editor started
// from (0: do not check), so two people's edits never overwrite each
// other silently. The months the change affects are recomputed now.
func (s *Service) SaveRuleset(ctx context.Context, p *auth.Principal, who audit.Actor, base int, rs Ruleset, note string) (Saved, error) {
	if err := p.Require(auth.PermAllocationWrite); err != nil {
		return Saved{}, err
	}
	groups, err := s.groupMap(ctx, p.Org.ID)
	if err != nil {
		return Saved{}, err
	}
	if err := rs.Validate(groups); err != nil {
		return Saved{}, err
	}
	prev, err := s.current(ctx, p.Org.ID)
	if err != nil {
		return Saved{}, err
	}
	if base > 0 && base != prev.Number {
		return Saved{}, domain.Errorf(domain.CodeConflict, "the rules changed since you opened them (now version %d, you edited version %d); reload and apply your change again", prev.Number, base)
	}
	ch := diff(&prev.Ruleset, &rs)
	body, _ := json.Marshal(rs)
	sv := store.AllocVersion{OrgID: p.Org.ID, Ruleset: body, Note: note, CreatedBy: p.User.Email, Affects: ch.affects,
		ChangedFrom: ch.from, ChangedTo: ch.to}
	var out Saved
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		computed, err := tx.AllocMonths(ctx, p.Org.ID, prev.Number)
		if err != nil {
			return err
		}
		var keep []time.Time
		for m := range computed {
			if !ch.touches(m) {
				keep = append(keep, m)
			} else {
				out.Recomputed = append(out.Recomputed, m)
			}
		}
		if sv, err = tx.CreateAllocVersion(ctx, sv, keep); err != nil {
			return err
		}
		out.Version, err = versionOf(sv)
		return err
	})
	if err != nil {
		return Saved{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "allocation.rules.save", TargetType: "allocation_version",
		TargetID: fmt.Sprint(out.Version.Number), Details: map[string]any{"rules": len(rs.Rules), "splits": len(rs.Splits),
			"note": note, "recomputed_months": len(out.Recomputed)}})
	sortMonths(out.Recomputed)
	return out, s.compute(ctx, p.Org.ID, out.Version, out.Recomputed)
}
