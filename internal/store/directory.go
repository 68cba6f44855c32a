package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// M365User is a Microsoft 365 (Entra ID) user of a connection's tenant,
// as its latest sync saw it. AssignedLicenses and ExtensionAttributes are
// JSON as Graph sends them ([{"skuId","disabledPlans"}] and
// {"extensionAttributeN": "..."}). DeletedAt is set once a sync no longer
// finds the user; LastSeen then says when it last did.
type M365User struct {
	OrgID, ConnectionID, ObjectID                       string
	DisplayName, CompanyName, Department, GivenName     string
	Surname, JobTitle, State, PostalCode, StreetAddress string
	City, PreferredLanguage, UsageLocation              string
	AssignedLicenses                                    []byte
	UserPrincipalName, OfficeLocation                   string
	ExtensionAttributes                                 []byte
	Country, UserType, Mail                             string
	AccountEnabled                                      bool
	// ManagerID is the manager's object ID ("" none). MFARegistered is
	// "true" or "false" from the registration report, "" unknown; an
	// upsert with "" keeps the stored value.
	ManagerID, MFARegistered string
	FirstSeen, LastSeen      time.Time
	DeletedAt                *time.Time
}

// M365SKU is a subscribed SKU (a licence product) of a connection's
// tenant with its prepaid unit counts by state and its consumed units.
// ServicePlans is Graph's servicePlans JSON.
type M365SKU struct {
	OrgID, ConnectionID, SkuID, SkuPartNumber string
	CapabilityStatus, AppliesTo               string
	PrepaidEnabled, PrepaidSuspended          int64
	PrepaidWarning, PrepaidLockedOut          int64
	ConsumedUnits                             int64
	ServicePlans                              []byte
	FirstSeen, LastSeen                       time.Time
	DeletedAt                                 *time.Time
}

// M365Group is a group of a connection's tenant; GroupTypes is JSON.
type M365Group struct {
	OrgID, ConnectionID, ObjectID, DisplayName string
	Description, Mail                          string
	MailEnabled, SecurityEnabled               bool
	GroupTypes                                 []byte
}

// M365Member is one direct member of a group.
type M365Member struct {
	GroupID, MemberID, MemberType string
}

// DirectorySnapshot is everything one sync read of a tenant. Users are
// always replaced; SKUs and groups only when the sync could read them
// (HasSKUs, HasGroups): without a permission it keeps what is stored
// and says so in a warning.
type DirectorySnapshot struct {
	Users   []M365User
	SKUs    []M365SKU
	Groups  []M365Group
	Members []M365Member
	// HasSKUs and HasGroups: SKUs, and Groups with Members, were read;
	// replace them even when empty.
	HasSKUs, HasGroups bool
}

// ReplaceResult counts what a snapshot replacement changed.
type ReplaceResult struct {
	Users, SKUs, Groups, Members int // rows of the snapshot stored
	UsersDeleted, SKUsDeleted    int // rows newly marked deleted
}

// ReplaceDirectory stores snap as the connection's directory at seenAt,
// all or nothing: users and SKUs in it are inserted or updated (and
// undeleted), those stored but not in it are marked deleted at seenAt;
// groups and members are replaced when snap.HasGroups. Running it again
// with the same snapshot changes nothing but the times.
func (s *Store) ReplaceDirectory(ctx context.Context, orgID, connectionID string, snap DirectorySnapshot, seenAt time.Time) (ReplaceResult, error) {
	var res ReplaceResult
	seenAt = seenAt.UTC().Truncate(time.Microsecond)
	gen := domain.NewID("gen_")
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.GetConnection(ctx, orgID, connectionID); err != nil {
			return err
		}
		var err error
		if res, err = tx.replaceDirectory(ctx, orgID, connectionID, snap, seenAt, gen); err != nil {
			return err
		}
		return nil
	})
	return res, err
}

func (q *Queries) replaceDirectory(ctx context.Context, org, conn string, snap DirectorySnapshot, at time.Time, gen string) (ReplaceResult, error) {
	res := ReplaceResult{Users: len(snap.Users), SKUs: len(snap.SKUs)}
	for _, u := range snap.Users {
		if err := q.upsertM365User(ctx, org, conn, u, at, gen); err != nil {
			return res, err
		}
	}
	for _, k := range snap.SKUs {
		if err := q.upsertM365SKU(ctx, org, conn, k, at, gen); err != nil {
			return res, err
		}
	}
	var err error
	if res.UsersDeleted, err = q.markGone(ctx, "m365_users", org, conn, at, gen); err != nil {
		return res, err
	}
	if snap.HasSKUs {
		if res.SKUsDeleted, err = q.markGone(ctx, "m365_skus", org, conn, at, gen); err != nil {
			return res, err
		}
	}
	if snap.HasGroups {
		res.Groups, res.Members = len(snap.Groups), len(snap.Members)
		err = q.replaceGroups(ctx, org, conn, snap.Groups, snap.Members)
	}
	return res, err
}

func (q *Queries) upsertM365User(ctx context.Context, org, conn string, u M365User, at time.Time, gen string) error {
	_, err := q.w().exec(ctx, `INSERT INTO m365_users (org_id, connection_id, object_id, display_name, company_name,
		department, given_name, surname, job_title, state, postal_code, street_address, city, preferred_language,
		usage_location, assigned_licenses, user_principal_name, office_location, extension_attributes, country, user_type,
		account_enabled, mail, manager_id, mfa_registered, first_seen, last_seen, deleted_at, sync_gen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
		ON CONFLICT (connection_id, object_id) DO UPDATE SET display_name = excluded.display_name,
		company_name = excluded.company_name, department = excluded.department, given_name = excluded.given_name,
		surname = excluded.surname, job_title = excluded.job_title, state = excluded.state,
		postal_code = excluded.postal_code, street_address = excluded.street_address, city = excluded.city,
		preferred_language = excluded.preferred_language, usage_location = excluded.usage_location,
		assigned_licenses = excluded.assigned_licenses, user_principal_name = excluded.user_principal_name,
		office_location = excluded.office_location, extension_attributes = excluded.extension_attributes,
		country = excluded.country, user_type = excluded.user_type, account_enabled = excluded.account_enabled,
		mail = excluded.mail, manager_id = excluded.manager_id,
		mfa_registered = CASE WHEN excluded.mfa_registered = '' THEN m365_users.mfa_registered ELSE excluded.mfa_registered END,
		last_seen = excluded.last_seen, deleted_at = NULL, sync_gen = excluded.sync_gen`,
		org, conn, u.ObjectID, u.DisplayName, u.CompanyName, u.Department, u.GivenName, u.Surname, u.JobTitle, u.State,
		u.PostalCode, u.StreetAddress, u.City, u.PreferredLanguage, u.UsageLocation, jsonOr(u.AssignedLicenses, "[]"),
		u.UserPrincipalName, u.OfficeLocation, jsonOr(u.ExtensionAttributes, "{}"), u.Country, u.UserType,
		u.AccountEnabled, u.Mail, u.ManagerID, u.MFARegistered, at, at, gen)
	return err
}

func (q *Queries) upsertM365SKU(ctx context.Context, org, conn string, k M365SKU, at time.Time, gen string) error {
	_, err := q.w().exec(ctx, `INSERT INTO m365_skus (org_id, connection_id, sku_id, sku_part_number, capability_status,
		applies_to, prepaid_enabled, prepaid_suspended, prepaid_warning, prepaid_locked_out, consumed_units,
		service_plans, first_seen, last_seen, deleted_at, sync_gen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
		ON CONFLICT (connection_id, sku_id) DO UPDATE SET sku_part_number = excluded.sku_part_number,
		capability_status = excluded.capability_status, applies_to = excluded.applies_to,
		prepaid_enabled = excluded.prepaid_enabled, prepaid_suspended = excluded.prepaid_suspended,
		prepaid_warning = excluded.prepaid_warning, prepaid_locked_out = excluded.prepaid_locked_out,
		consumed_units = excluded.consumed_units, service_plans = excluded.service_plans,
		last_seen = excluded.last_seen, deleted_at = NULL, sync_gen = excluded.sync_gen`,
		org, conn, k.SkuID, k.SkuPartNumber, k.CapabilityStatus, k.AppliesTo, k.PrepaidEnabled, k.PrepaidSuspended,
		k.PrepaidWarning, k.PrepaidLockedOut, k.ConsumedUnits, jsonOr(k.ServicePlans, "[]"), at, at, gen)
	return err
}

// markGone marks the rows of table that this sync (gen) did not see as
// deleted at; rows already marked keep their first deletion time.
func (q *Queries) markGone(ctx context.Context, table, org, conn string, at time.Time, gen string) (int, error) {
	res, err := q.w().exec(ctx, `UPDATE `+table+` SET deleted_at = ? WHERE org_id = ? AND connection_id = ?
		AND sync_gen <> ? AND deleted_at IS NULL`, at, org, conn, gen)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (q *Queries) replaceGroups(ctx context.Context, org, conn string, groups []M365Group, members []M365Member) error {
	for _, table := range []string{"m365_group_members", "m365_groups"} {
		if _, err := q.w().exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND connection_id = ?`, org, conn); err != nil {
			return err
		}
	}
	for _, g := range groups {
		if _, err := q.w().exec(ctx, `INSERT INTO m365_groups (org_id, connection_id, object_id, display_name, description,
			mail, mail_enabled, security_enabled, group_types) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, org, conn, g.ObjectID,
			g.DisplayName, g.Description, g.Mail, g.MailEnabled, g.SecurityEnabled, jsonOr(g.GroupTypes, "[]")); err != nil {
			return err
		}
	}
	for _, m := range members {
		if _, err := q.w().exec(ctx, `INSERT INTO m365_group_members (org_id, connection_id, group_id, member_id, member_type)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, org, conn, m.GroupID, m.MemberID, m.MemberType); err != nil {
			return err
		}
	}
	return nil
}

// jsonOr stores b as text, or def when b is empty or not JSON.
func jsonOr(b []byte, def string) string {
	if len(b) == 0 || !json.Valid(b) {
		return def
	}
	return string(b)
}
