package inventory

import (
	"context"
	"maps"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// maxTagValue is Azure's limit on a tag value's length.
const maxTagValue = 256

// Resolution is how a person settles a tag conflict: Kind is
// store.ResolveKeepCloud, ResolveKeepCanopy or ResolveCustom (with Value).
type Resolution struct {
	Kind  string
	Value string
}

// Conflicts lists the organisation's open tag conflicts, oldest first.
func (t *TagSync) Conflicts(ctx context.Context, p *auth.Principal) ([]store.TagConflict, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return nil, err
	}
	return t.Store.OpenTagConflicts(ctx, p.Org.ID)
}

// Conflict returns one tag conflict of the organisation.
func (t *TagSync) Conflict(ctx context.Context, p *auth.Principal, id string) (store.TagConflict, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return store.TagConflict{}, err
	}
	return t.Store.TagConflict(ctx, p.Org.ID, id)
}

// ResolveConflict settles an open conflict. Keeping the cloud's value
// makes the edit take it (or drop the key when the cloud has none);
// keeping Canopy's, or another value, leaves the edit pending with that
// value. Either way the key's base becomes the cloud's value, so the next
// write-back proceeds. When the resource has no open conflict left and
// the edit equals the cloud's tags, the edit is cleared. Audited.
func (t *TagSync) ResolveConflict(ctx context.Context, p *auth.Principal, who audit.Actor, id string, res Resolution) (store.TagConflict, error) {
	if err := p.Require(auth.PermTagsWrite); err != nil {
		return store.TagConflict{}, err
	}
	if err := validResolution(res); err != nil {
		return store.TagConflict{}, err
	}
	err := t.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.TagConflict(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if c.Status != store.ConflictOpen {
			return &domain.Error{Code: domain.CodeConflict, Message: "This tag conflict is already resolved."}
		}
		resolved, err := t.settle(ctx, tx, c, res)
		if err != nil {
			return err
		}
		if err := tx.ResolveTagConflict(ctx, p.Org.ID, id, res.Kind, resolved, who.Email, t.Now()); err != nil {
			return err
		}
		if err := t.clearIfSettled(ctx, tx, p.Org.ID, c.ResourceID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "tags.conflict.resolve", TargetType: "tag_conflict",
			TargetID: id, Details: map[string]any{"resource": c.ResourceRef, "key": c.Key, "resolution": res.Kind, "value": resolved}})
	})
	if err != nil {
		return store.TagConflict{}, err
	}
	return t.Store.TagConflict(ctx, p.Org.ID, id)
}

func validResolution(res Resolution) error {
	switch res.Kind {
	case store.ResolveKeepCloud, store.ResolveKeepCanopy:
		return nil
	case store.ResolveCustom:
		if !utf8.ValidString(res.Value) || utf8.RuneCountInString(res.Value) > maxTagValue {
			return domain.FieldError("value", "A tag value is at most %d characters.", maxTagValue)
		}
		return nil
	}
	return domain.FieldError("resolution", "Choose cloud (keep the cloud's value), canopy (keep Canopy's) or custom (with a value).")
}

// settle applies the resolution to the resource's edit and base and
// returns the value the key ends with (nil: absent).
func (t *TagSync) settle(ctx context.Context, tx *store.Tx, c store.TagConflict, res Resolution) (*string, error) {
	r, err := tx.GetResourceForUpdate(ctx, c.OrgID, c.ResourceID)
	if err != nil {
		return nil, err
	}
	var cloud *string
	if v, ok := r.CloudTags[c.Key]; ok {
		cloud = &v
	}
	edit := r.CanopyTags
	if edit == nil {
		edit = maps.Clone(r.CloudTags)
	}
	var resolved *string
	switch res.Kind {
	case store.ResolveKeepCloud:
		resolved = cloud
	case store.ResolveKeepCanopy:
		if v, ok := edit[c.Key]; ok {
			resolved = &v
		}
	case store.ResolveCustom:
		resolved = &res.Value
	}
	edit = store.SetTagValue(edit, c.Key, resolved)
	base := store.SetTagValue(r.BaseTags, c.Key, cloud)
	return resolved, tx.SaveTagState(ctx, c.OrgID, r.ID, r.CloudTags, base, edit, nil)
}

// clearIfSettled drops a resource's edit once nothing is in conflict and
// it equals the cloud's tags.
func (t *TagSync) clearIfSettled(ctx context.Context, tx *store.Tx, orgID, resourceID string) error {
	open, err := tx.OpenConflictKeys(ctx, orgID, resourceID)
	if err != nil || len(open) > 0 {
		return err
	}
	r, err := tx.GetResourceForUpdate(ctx, orgID, resourceID)
	if err != nil || r.CanopyTags == nil || !maps.Equal(r.CanopyTags, r.CloudTags) {
		return err
	}
	return tx.SaveTagState(ctx, orgID, r.ID, r.CloudTags, r.CloudTags, nil, nil)
}
