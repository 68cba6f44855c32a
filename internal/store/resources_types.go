package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Resource sources: how a resource entered the inventory.
const (
	ResourceFromSync    = "sync"    // listed by a connection's sync (Azure Resource Manager)
	ResourceFromCosts   = "costs"   // named by imported cost data only
	ResourceFromVirtual = "virtual" // created in Canopy, with a recurring cost
)

// Resource is one row of the resource inventory (migration 00011 explains
// the three tag sets). Key is the cloud's resource ID lowercased, or
// "virtual:"+ID.
type Resource struct {
	OrgID, ID, Provider, Key, ResourceID string
	Name, Type, Region                   string
	SubAccount, ResourceGroup            string
	ConnectionID                         string // "" when no sync saw it
	Source                               string // ResourceFrom*
	CloudTags, BaseTags                  map[string]string
	CanopyTags                           map[string]string // nil: no pending edit
	TagsSyncedAt                         *time.Time
	VirtualAmount, VirtualCurrency       string // exact decimal text; virtual only
	VirtualFrom, VirtualTo               *time.Time
	Description                          string
	FirstSeen, LastSeen                  time.Time
	DeletedAt                            *time.Time
}

// EffectiveTags are the tags the resource has as far as Canopy is
// concerned: Canopy's pending edit when there is one, else the cloud's.
func (r Resource) EffectiveTags() map[string]string {
	if r.CanopyTags != nil {
		return r.CanopyTags
	}
	return r.CloudTags
}

const resourceCols = `org_id, id, provider, resource_key, resource_id, name, type, region, sub_account, resource_group,
	connection_id, source, cloud_tags, base_tags, canopy_tags, tags_synced_at, virtual_amount, virtual_currency,
	virtual_from, virtual_to, description, first_seen, last_seen, deleted_at`

func scanResource(s scanner) (Resource, error) {
	var r Resource
	var conn, canopy, vAmount, vCur sql.NullString
	var cloud, base string
	var synced, vFrom, vTo, deleted sql.NullTime
	err := s.Scan(&r.OrgID, &r.ID, &r.Provider, &r.Key, &r.ResourceID, &r.Name, &r.Type, &r.Region, &r.SubAccount,
		&r.ResourceGroup, &conn, &r.Source, &cloud, &base, &canopy, &synced, &vAmount, &vCur, &vFrom, &vTo,
		&r.Description, &r.FirstSeen, &r.LastSeen, &deleted)
	if err != nil {
		return r, err
	}
	r.ConnectionID, r.VirtualAmount, r.VirtualCurrency = conn.String, vAmount.String, vCur.String
	r.TagsSyncedAt, r.VirtualFrom, r.VirtualTo, r.DeletedAt = timePtr(synced), timePtr(vFrom), timePtr(vTo), timePtr(deleted)
	r.FirstSeen, r.LastSeen = r.FirstSeen.UTC(), r.LastSeen.UTC()
	if r.CloudTags, err = tagsJSON(cloud); err != nil {
		return r, fmt.Errorf("resource %s cloud tags: %w", r.ID, err)
	}
	if r.BaseTags, err = tagsJSON(base); err != nil {
		return r, fmt.Errorf("resource %s base tags: %w", r.ID, err)
	}
	if canopy.Valid {
		if r.CanopyTags, err = tagsJSON(canopy.String); err != nil {
			return r, fmt.Errorf("resource %s canopy tags: %w", r.ID, err)
		}
	}
	return r, nil
}

// tagsJSON decodes a stored tag set; an empty text is no tags.
func tagsJSON(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

// tagsText encodes a tag set for storage (nil is "{}").
func tagsText(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map[string]string always encodes
	return string(b)
}
