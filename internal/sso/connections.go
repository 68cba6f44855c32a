package sso

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// OIDCSettings are the settings of the oidc and azure-ad kinds.
type OIDCSettings struct {
	// oidc: the issuer; discovery reads {issuer}/.well-known/openid-configuration.
	Issuer   string   `json:"issuer,omitempty"`
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes,omitempty"` // openid is always asked for
	// azure-ad
	TenantID       string   `json:"tenant_id,omitempty"`       // directory (tenant) ID; multi-tenant: empty
	Endpoint       string   `json:"endpoint,omitempty"`        // "v2" (default) or "v1"
	MultiTenant    bool     `json:"multi_tenant,omitempty"`    // accept any organisation's directory
	AllowedTenants []string `json:"allowed_tenants,omitempty"` // multi-tenant: only these tenant IDs (empty: any)
	Authority      string   `json:"authority,omitempty"`       // default https://login.microsoftonline.com (sovereign clouds differ)
	// SingleLogout false signs out of Canopy only; nil or true also ends
	// the provider's session when it has an end_session_endpoint.
	SingleLogout *bool `json:"single_logout,omitempty"`
}

// Connection is a connection as people and the API see it: never its
// client secret.
type Connection struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	Name        string          `json:"name"`
	Enabled     bool            `json:"enabled"`
	Domains     []string        `json:"domains"`
	Settings    json.RawMessage `json:"settings"`
	HasSecret   bool            `json:"has_client_secret"`
	Claims      ClaimMapping    `json:"claims"`        // as stored (empty lists take defaults)
	Effective   ClaimMapping    `json:"claims_in_use"` // with the kind's defaults
	GroupRoles  []GroupRole     `json:"group_roles"`
	SyncRoles   bool            `json:"sync_roles"` // set members' roles from group_roles at each sign-in
	JIT         bool            `json:"jit"`
	JITRole     string          `json:"jit_role"`
	CallbackURL string          `json:"callback_url"`
	// SignedOutURL (OpenID Connect kinds) is the post_logout_redirect_uri
	// to register at the provider; SLOURL (SAML kinds) Canopy's single
	// logout service.
	SignedOutURL string          `json:"post_logout_redirect_uri,omitempty"`
	SLOURL       string          `json:"sp_slo_url,omitempty"`
	FrontChannel string          `json:"frontchannel_logout_uri,omitempty"` // OpenID Connect kinds
	MetadataURL  string          `json:"sp_metadata_url,omitempty"`         // SAML kinds: Canopy's SP metadata
	EntityID     string          `json:"sp_entity_id,omitempty"`            // SAML kinds
	SPCerts      []SPCertificate `json:"sp_certificates,omitempty"`         // SAML kinds: current, next, previous
	Realm        string          `json:"wsfed_realm,omitempty"`             // wsfed: wtrealm and token audience
	IdPMetadata  *MetadataStatus `json:"idp_metadata,omitempty"`            // metadata by URL: cache and last refresh
	Warnings     []string        `json:"warnings,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// Input creates or changes a connection. On update the kind cannot change;
// ClientSecret "" keeps the current secret; Enabled nil keeps the flag (new
// connections start disabled, so a half-configured one sends nobody away).
type Input struct {
	Kind         string          `json:"kind"`
	Name         string          `json:"name"`
	Enabled      *bool           `json:"enabled,omitempty"`
	Domains      []string        `json:"domains"`
	Settings     json.RawMessage `json:"settings"`
	ClientSecret string          `json:"client_secret,omitempty"`
	Claims       ClaimMapping    `json:"claims"`
	GroupRoles   []GroupRole     `json:"group_roles"`
	SyncRoles    bool            `json:"sync_roles"`
	JIT          bool            `json:"jit"`
	JITRole      string          `json:"jit_role"`
}

func (s *Service) view(c store.SSOConnection, meta map[string]store.SSOMetadata) Connection {
	v := Connection{ID: c.ID, Kind: c.Kind, Name: c.Name, Enabled: c.Enabled, Domains: c.Domains, Settings: c.Settings,
		HasSecret: c.SealedSecret != "", GroupRoles: []GroupRole{}, JIT: c.JIT, JITRole: c.JITRole,
		CallbackURL: s.CallbackURL(c.ID), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if v.Domains == nil {
		v.Domains = []string{}
	}
	col := claimsOf(c)
	v.Claims, v.SyncRoles = col.ClaimMapping, col.SyncRoles
	_ = json.Unmarshal(c.GroupRoles, &v.GroupRoles)
	if v.GroupRoles == nil {
		v.GroupRoles = []GroupRole{}
	}
	v.Effective = v.Claims.Effective(c.Kind)
	if c.Kind == KindOIDC || c.Kind == KindAzureAD {
		v.SignedOutURL, v.FrontChannel = s.SignedOutURL(), s.FrontChannelURL(c.ID)
	}
	if isSAML(c.Kind) {
		v.MetadataURL = s.MetadataURL(c.ID)
		v.EntityID = "urn:canopy:" + c.ID
		v.SLOURL = s.SLOURL(c.ID)
		if st, err := samlSettings(c); err == nil {
			v.SPCerts = spCertificates(st)
			if st.AllowIdPInitiated {
				v.Warnings = append(v.Warnings, WarnIdPInitiated)
			}
		}
	}
	if IsWSFed(c.Kind) {
		v.SignedOutURL = s.SignedOutURL()
		v.Realm = DefaultRealm(c.ID)
		if st, err := wsfedSettings(c); err == nil && st.Realm != "" {
			v.Realm = st.Realm
		}
	}
	if u := metadataURLOf(c); u != "" {
		v.IdPMetadata = metadataStatus(meta[c.ID], u)
	}
	return v
}

// viewOne is view with the connection's cached metadata looked up.
func (s *Service) viewOne(ctx context.Context, c store.SSOConnection) (Connection, error) {
	m, err := s.Store.GetSSOMetadata(ctx, c.OrgID, c.ID)
	if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		return Connection{}, err
	}
	return s.view(c, map[string]store.SSOMetadata{c.ID: m}), nil
}

// Connections lists the organisation's connections.
func (s *Service) Connections(ctx context.Context, p *auth.Principal) ([]Connection, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return nil, err
	}
	list, err := s.Store.ListSSOConnections(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	meta, err := s.Store.ListSSOMetadata(ctx, p.Org.ID)
	out := make([]Connection, 0, len(list))
	for _, c := range list {
		out = append(out, s.view(c, meta))
	}
	return out, err
}

// Connection returns one connection of the organisation.
func (s *Service) Connection(ctx context.Context, p *auth.Principal, id string) (Connection, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return Connection{}, err
	}
	c, err := s.Store.GetSSOConnection(ctx, p.Org.ID, id)
	if err != nil {
		return Connection{}, err
	}
	return s.viewOne(ctx, c)
}

// CreateConnection adds a connection.
func (s *Service) CreateConnection(ctx context.Context, p *auth.Principal, who audit.Actor, in Input) (Connection, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return Connection{}, err
	}
	c := store.SSOConnection{OrgID: p.Org.ID, ID: domain.NewID("sso_"), Kind: strings.TrimSpace(in.Kind),
		Enabled: in.Enabled != nil && *in.Enabled}
	if err := s.apply(p, &c, in); err != nil {
		return Connection{}, err
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.CreateSSOConnection(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "sso.connection_create",
			TargetType: "sso_connection", TargetID: c.ID, Details: auditDetails(c, in.ClientSecret != "")})
	})
	if err != nil {
		return Connection{}, err
	}
	return s.saved(ctx, c)
}

// UpdateConnection changes a connection.
func (s *Service) UpdateConnection(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in Input) (Connection, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return Connection{}, err
	}
	c, err := s.Store.GetSSOConnection(ctx, p.Org.ID, id)
	if err != nil {
		return Connection{}, err
	}
	if k := strings.TrimSpace(in.Kind); k != "" && k != c.Kind {
		return Connection{}, domain.FieldError("kind", "The kind of a connection cannot change; create a new connection instead.")
	}
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	if err := s.apply(p, &c, in); err != nil {
		return Connection{}, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSSOConnection(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "sso.connection_update",
			TargetType: "sso_connection", TargetID: c.ID, Details: auditDetails(c, in.ClientSecret != "")})
	})
	if err == nil {
		c, err = s.Store.GetSSOConnection(ctx, p.Org.ID, id)
	}
	if err != nil {
		return Connection{}, err
	}
	return s.saved(ctx, c)
}

// saved refreshes the metadata of a saved connection that names a
// metadata URL (a failure is recorded on the connection and shown with
// it, not refused: the provider may be down for a moment) and returns its
// view.
func (s *Service) saved(ctx context.Context, c store.SSOConnection) (Connection, error) {
	if metadataURLOf(c) != "" {
		_, _ = s.RefreshMetadata(ctx, c)
	}
	return s.viewOne(ctx, c)
}

// DeleteConnection removes a connection; its domains sign in with
// passwords again.
func (s *Service) DeleteConnection(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return err
	}
	c, err := s.Store.GetSSOConnection(ctx, p.Org.ID, id)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSSOConnection(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "sso.connection_delete",
			TargetType: "sso_connection", TargetID: id, Details: map[string]any{"name": c.Name, "kind": c.Kind, "domains": c.Domains}})
	})
}

func auditDetails(c store.SSOConnection, secretChanged bool) map[string]any {
	return map[string]any{"name": c.Name, "kind": c.Kind, "enabled": c.Enabled, "domains": c.Domains,
		"settings": c.Settings, "claims": c.Claims, "group_roles": c.GroupRoles, "jit": c.JIT, "jit_role": c.JITRole,
		"secret_changed": secretChanged}
}

var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// NormalizeDomains trims, lower-cases and de-duplicates email domains
// ("@example.com" and "Example.COM" are example.com) and checks each.
func NormalizeDomains(list []string) ([]string, error) {
	var out []string
	for _, d := range list {
		d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@")))
		if d == "" {
			continue
		}
		if !domainRE.MatchString(d) || len(d) > 253 {
			return nil, domain.FieldError("domains", "%q is not an email domain; write domains like example.com, one per line.", d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) > 50 {
		return nil, domain.FieldError("domains", "A connection can have at most 50 domains.")
	}
	slices.Sort(out)
	return out, nil
}

func (s *Service) apply(p *auth.Principal, c *store.SSOConnection, in Input) error {
	if !slices.ContainsFunc(Kinds, func(k struct{ Key, Label string }) bool { return k.Key == c.Kind }) {
		return domain.FieldError("kind", "Choose the kind of identity provider: oidc, azure-ad, saml, pingfederate or wsfed.")
	}
	c.Name = strings.TrimSpace(in.Name)
	if c.Name == "" || len(c.Name) > 100 {
		return domain.FieldError("name", "Enter a name of 1 to 100 characters, like \"Contoso Entra ID\".")
	}
	var err error
	if c.Domains, err = NormalizeDomains(in.Domains); err != nil {
		return err
	}
	if c.Enabled && len(c.Domains) == 0 {
		return domain.FieldError("domains", "Add at least one email domain before enabling the connection.")
	}
	settings, err := cleanSettings(c.Kind, in.Settings, c.Enabled)
	if err != nil {
		return err
	}
	old := c.Settings
	c.Settings = settings
	if isSAML(c.Kind) {
		if strings.TrimSpace(in.ClientSecret) != "" {
			return domain.FieldError("client_secret", "A SAML connection has no client secret: Canopy signs its requests with its own key.")
		}
		if err := s.ensureSPKey(c, old); err != nil {
			return err
		}
	} else if IsWSFed(c.Kind) && strings.TrimSpace(in.ClientSecret) != "" {
		return domain.FieldError("client_secret", "A WS-Federation connection has no client secret: the STS signs its tokens.")
	} else if secret := strings.TrimSpace(in.ClientSecret); secret != "" {
		if len(secret) > 4096 {
			return domain.FieldError("client_secret", "The client secret is longer than 4096 characters.")
		}
		if c.SealedSecret, err = keyvault.SealString(s.Vault, secret, secretAAD(c.OrgID, c.ID)); err != nil {
			return err
		}
	}
	claims := in.Claims
	if err := claims.clean(); err != nil {
		return domain.FieldError("claims", "%v", err)
	}
	if c.Claims, err = json.Marshal(claimsColumn{ClaimMapping: claims, SyncRoles: in.SyncRoles}); err != nil {
		return err
	}
	groups := make([]GroupRole, 0, len(in.GroupRoles))
	for _, g := range in.GroupRoles {
		g.Group, g.Role = strings.TrimSpace(g.Group), strings.TrimSpace(g.Role)
		if g.Group == "" && g.Role == "" {
			continue
		}
		if g.Group == "" || len(g.Group) > 256 {
			return domain.FieldError("group_roles", "Each group mapping needs a group name (at most 256 characters).")
		}
		if err := checkRole(p, "group_roles", g.Role); err != nil {
			return err
		}
		groups = append(groups, g)
	}
	if c.GroupRoles, err = json.Marshal(groups); err != nil {
		return err
	}
	c.JIT, c.JITRole = in.JIT, strings.TrimSpace(in.JITRole)
	if c.JIT && c.JITRole == "" {
		c.JITRole = auth.RoleViewer
	}
	if c.JITRole != "" {
		if err := checkRole(p, "jit_role", c.JITRole); err != nil {
			return err
		}
	}
	return nil
}

// checkRole accepts built-in roles the administrator may assign, never owner.
func checkRole(p *auth.Principal, field, role string) error {
	if _, ok := auth.RoleByKey(role); !ok || role == auth.RoleOwner {
		return domain.FieldError(field, "%q is not a role that single sign-on can give; use admin, finops, procurement, buyer or viewer.", role)
	}
	if !auth.CanAssignRole(p.Grants, role) {
		return domain.FieldError(field, "You may not give the role %q (that needs roles.manage).", role)
	}
	return nil
}

// cleanSettings checks a kind's settings. strict (the connection is
// enabled) requires everything sign-in needs.
func cleanSettings(kind string, raw json.RawMessage, strict bool) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	if isSAML(kind) {
		return cleanSAMLSettings(kind, raw, strict)
	}
	if IsWSFed(kind) {
		return cleanWSFedSettings(raw, strict)
	}
	var st OIDCSettings
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, domain.FieldError("settings", "The settings are not valid: %v", err)
	}
	st.ClientID = strings.TrimSpace(st.ClientID)
	if strict && st.ClientID == "" {
		return nil, domain.FieldError("client_id", "Enter the client (application) ID registered at the identity provider.")
	}
	var scopes []string
	for _, sc := range st.Scopes {
		for _, f := range strings.Fields(sc) {
			if f != "openid" && !slices.Contains(scopes, f) {
				scopes = append(scopes, f)
			}
		}
	}
	st.Scopes = scopes
	switch kind {
	case KindOIDC:
		st.TenantID, st.Endpoint, st.MultiTenant, st.AllowedTenants, st.Authority = "", "", false, nil, ""
		st.Issuer = strings.TrimRight(strings.TrimSpace(st.Issuer), "/")
		if st.Issuer != "" || strict {
			if err := checkURL(st.Issuer); err != nil {
				return nil, domain.FieldError("issuer", "Enter the issuer URL of the identity provider: %v", err)
			}
		}
	case KindAzureAD:
		st.Issuer = ""
		st.TenantID = strings.ToLower(strings.TrimSpace(st.TenantID))
		if st.Endpoint == "" {
			st.Endpoint = "v2"
		}
		if st.Endpoint != "v1" && st.Endpoint != "v2" {
			return nil, domain.FieldError("endpoint", "Choose the v2 (recommended) or the v1 endpoint.")
		}
		if st.MultiTenant {
			st.TenantID = ""
			for i, t := range st.AllowedTenants {
				st.AllowedTenants[i] = strings.ToLower(strings.TrimSpace(t))
				if !guidRE.MatchString(st.AllowedTenants[i]) {
					return nil, domain.FieldError("allowed_tenants", "%q is not a tenant ID (a GUID).", t)
				}
			}
		} else {
			st.AllowedTenants = nil
			if (st.TenantID != "" || strict) && !guidRE.MatchString(st.TenantID) {
				return nil, domain.FieldError("tenant_id", "Enter the directory (tenant) ID, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47.")
			}
		}
		st.Authority = strings.TrimRight(strings.TrimSpace(st.Authority), "/")
		if st.Authority != "" {
			if err := checkURL(st.Authority); err != nil {
				return nil, domain.FieldError("authority", "The authority must be a URL: %v", err)
			}
		}
	}
	return json.Marshal(st)
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkURL accepts https URLs, and http ones on loopback (for test providers).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errf("write a URL like https://idp.example.com")
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return errf("it must start with https://")
}

type errf string

func (e errf) Error() string { return string(e) }
