package web

import (
	"slices"
	"time"
)

// Shared sample data for the renderer tests: realistic values, so the
// tests see pages as a person would.

var (
	t0      = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	t1      = t0.Add(-36 * time.Hour)
	expires = t0.Add(90 * 24 * time.Hour)
	expired = t0.Add(-24 * time.Hour)
)

func sampleLayout(active string) Layout {
	return Layout{
		CurrentUser: &UserView{ID: "usr_ada", Name: "Ada Lovelace", Email: "ada@example.com"},
		CurrentOrg:  &OrgView{ID: "org_acme", Name: "Acme Ltd"},
		Orgs:        []OrgView{{ID: "org_acme", Name: "Acme Ltd"}, {ID: "org_beta", Name: "Beta GmbH"}},
		Active:      active,
		Can:         map[string]bool{"users.read": true, "users.manage": true, "audit.read": true, "settings.manage": true},
		Flash:       &Flash{Kind: FlashSuccess, Message: "Saved."},
		RequestID:   "req_7f3a9c",
	}
}

func sampleSessions() []SessionView {
	return []SessionView{
		{ID: "ses_cur", Current: true, IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", CreatedAt: t1, LastSeenAt: t0},
		{ID: "ses_old", IP: "198.51.100.23", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", CreatedAt: t1.Add(-72 * time.Hour), LastSeenAt: t1},
	}
}

func sampleRoles() []RoleOption {
	return []RoleOption{
		{Key: "admin", Name: "Administrator", Description: "Everything, including users and settings."},
		{Key: "analyst", Name: "Analyst", Description: "Read costs, budgets and reports."},
		{Key: "viewer", Name: "Viewer", Description: "Read-only access to dashboards."},
	}
}

func sampleUsers() []UserRow {
	return []UserRow{
		{ID: "usr_ada", Name: "Ada Lovelace", Email: "ada@example.com", Status: UserActive, Roles: []string{"Administrator"}, MFAEnabled: true, LastSignInAt: &t0},
		{ID: "usr_bob", Name: "", Email: "bob@example.com", Status: UserInvited, Roles: []string{"Viewer"}},
		{ID: "usr_cy", Name: "Cy Young", Email: "cy@example.com", Status: UserDeactivated, Roles: nil, LastSignInAt: &t1},
	}
}

// samplePages returns one filled page per template, with the strings the
// rendered HTML must contain.
func samplePages() []pageCase {
	pub := Layout{RequestID: "req_pub"}
	withErr := func(msg string) FormErrors { return FormErrors{Error: msg} }
	return append([]pageCase{
		{SignInEmailPage{Layout: pub, Email: "ada@example.com", Next: "/spend", Error: "Enter a valid email address."},
			[]string{`action="/signin"`, `name="email"`, `name="next" value="/spend"`, `href="/forgot"`, `role="alert"`, `aria-describedby="form-error"`}},
		{SignInPasswordPage{Layout: pub, Email: "ada@example.com", Next: "/budgets"},
			[]string{`action="/signin/password"`, `type="hidden" name="email" value="ada@example.com"`, `name="password"`, `autocomplete="current-password"`, `Not you?`, `name="next" value="/budgets"`, `href="/forgot"`}},
		{SignInMFAPage{Layout: pub, Error: "That code did not work."},
			[]string{`action="/signin/mfa"`, `name="code"`, `inputmode="numeric"`, `autocomplete="one-time-code"`, `name="recovery_code"`, `Use a recovery code instead`}},
		{ForgotPage{Layout: pub, Sent: true},
			[]string{`If an account exists for that address, we have sent a link. It expires in 1 hour.`}},
		{ForgotPage{Layout: pub, Email: "ada@example.com"},
			[]string{`action="/forgot"`, `name="email"`}},
		{ResetPage{Layout: pub, Token: "tok123", Email: "ada@example.com", FormErrors: FormErrors{FieldErrors: FieldErrors{"password_confirm": "The passwords do not match."}}},
			[]string{`action="/reset"`, `name="token" value="tok123"`, `name="password"`, `name="password_confirm"`, `hx-post="/password/strength"`, `aria-live="polite"`, `id="reset-confirm-error"`, `aria-describedby="reset-confirm-error"`, `hx-vals="{&#34;email&#34;:&#34;ada@example.com&#34;}"`}},
		{ResetPage{Layout: pub, InvalidLink: true},
			[]string{`expired or has already been used`, `href="/forgot"`}},
		{ResetPage{Layout: pub, Done: true},
			[]string{`Your password has been changed.`, `href="/signin"`}},
		{AcceptInvitePage{Layout: pub, Token: "inv456", Email: "new@example.com", OrgName: "Acme Ltd", InviterName: "Ada Lovelace"},
			[]string{`action="/invite"`, `name="token" value="inv456"`, `name="name"`, `name="password"`, `name="password_confirm"`, `Acme Ltd`, `Ada Lovelace has invited you`, `hx-post="/password/strength"`}},
		{NotSetUpPage{Layout: pub, Email: "zed@example.com", ProviderName: "Microsoft Entra ID", AdminContacts: []string{"it-help@example.com", "The service desk"}},
			[]string{`Your account has not been set up`, `zed@example.com`, `href="mailto:it-help@example.com"`, `The service desk`}},
		{NotSetUpPage{Layout: pub},
			[]string{`Ask your IT administrator`}},
		{HomePage{Layout: sampleLayout(NavOverview), Cards: NewAreaCards(NavSpend)},
			[]string{`Welcome, Ada Lovelace`, `Acme Ltd`, `href="/budgets"`, `Not available yet`, `href="/" aria-current="page"`}},
		{mustAreaPage(NavBudgets),
			[]string{`Budgets is not available yet`, `href="/budgets" aria-current="page"`, `Back to Overview`}},
		{ProfilePage{Layout: sampleLayout(NavProfile), Name: "Ada Lovelace", Email: "ada@example.com", HasPassword: true, MFAEnabled: true, RecoveryCodesLeft: 7, Password: FormErrors{FieldErrors: FieldErrors{"current_password": "Wrong password."}}},
			[]string{`action="/profile/password"`, `name="current_password"`, `name="password"`, `name="password_confirm"`, `action="/profile/mfa/recovery"`, `action="/profile/mfa/disable"`, `href="/profile/tokens"`, `href="/profile/sessions"`, `Wrong password.`, `id="profile-strength"`, `data-confirm=`}},
		{ProfilePage{Layout: sampleLayout(NavProfile), HasPassword: true, MFAEnabled: false},
			[]string{`href="/profile/mfa/setup"`}},
		{MFASetupPage{Layout: sampleLayout(NavProfile), QRPNG: []byte("\x89PNG\r\n\x1a\nfake"), Secret: "JBSWY3DPEHPK3PXP", Error: "That code did not work."},
			[]string{`src="data:image/png;base64,iVBORw0KGgpmYWtl"`, `JBSW Y3DP EHPK 3PXP`, `action="/profile/mfa/enable"`, `name="code"`}},
		{RecoveryCodesPage{Layout: sampleLayout(NavProfile), Codes: []string{"k3f9-2hq8", "p0zm-77ta"}},
			[]string{`k3f9-2hq8`, `p0zm-77ta`, `data-copy-text=`, `Store these codes safely`, `href="/profile"`}},
		{SessionsPage{Layout: sampleLayout(NavProfile), Sessions: sampleSessions()},
			[]string{`Chrome on Windows`, `Safari on iPhone`, `This session`, `action="/profile/sessions/ses_old/revoke"`, `action="/profile/sessions/revoke-others"`, `12 Mar 2026 21:26 UTC`}},
		{TokensPage{Layout: sampleLayout(NavProfile), NewToken: "cnp_live_5ecret", NewTokenName: "nightly export", Tokens: []TokenView{
			{ID: "tok_a", Name: "nightly export", Prefix: "cnp_live_5e", CreatedAt: t0, ExpiresAt: &expires},
			{ID: "tok_b", Name: "old script", Prefix: "cnp_live_9x", CreatedAt: t1, ExpiresAt: &expired, LastUsedAt: &t1},
			{ID: "tok_c", Name: "revoked one", Prefix: "cnp_live_aa", CreatedAt: t1, Revoked: true},
		}},
			[]string{`cnp_live_5ecret`, `you will not see it again`, `action="/profile/tokens"`, `name="name"`, `name="expires_in_days"`, `value="365"`, `value="none"`, `value="90" selected`, `action="/profile/tokens/tok_a/revoke"`, `Expired`, `Revoked`}},
		{CurrencyPage{Layout: sampleLayout(NavSettingsFX), ReportingCurrency: "EUR", CanManage: true,
			Currencies: []Option{{Value: "EUR", Label: "EUR — Euro"}, {Value: "USD", Label: "USD — US Dollar"}},
			Rates:      []RateRow{{Day: "2026-01-09", Base: "EUR", Quote: "USD", Rate: "1.0921", Source: "ecb"}},
			Base:       "EUR", Quote: "USD",
			History: []RateChangeRow{{Day: "2026-01-09", Rate: "1.0925", Previous: "1.0921", Source: "manual", ChangedAt: "9 Jan 2026 10:00 UTC", ChangedBy: "ada@example.com"}}},
			[]string{`action="/settings/currency/reporting"`, `name="reporting_currency"`, `<option value="EUR" selected>`, `action="/settings/currency/import"`, `enctype="multipart/form-data"`, `name="file"`, `action="/settings/currency/rates"`, `name="rate"`, `<code>1.0921</code>`, `History of EUR/USD`, `href="/settings/currency?base=EUR&amp;quote=USD#history"`}},
		{CurrencyPage{Layout: sampleLayout(NavSettingsFX), ReportingCurrency: "USD"},
			[]string{`<strong>USD</strong>`, `No exchange rates yet.`}},
		{OrgSettingsPage{Layout: sampleLayout(NavSettings), Name: "Acme Ltd", MFARequired: true, CanEdit: true},
			[]string{`action="/settings"`, `name="name"`, `name="mfa_required" type="checkbox" value="on" checked`, `href="/settings/users"`, `href="/settings/audit"`, `href="/settings" aria-current="page"`}},
		{UsersPage{Layout: sampleLayout(NavSettingsUsers), Users: sampleUsers(), Roles: sampleRoles(), Query: "ex", CanManage: true, CreatedPassword: "tmp-Pa55-word", CreatedEmail: "new@example.com", Invite: InviteForm{Role: "analyst"}, FormErrors: FormErrors{FieldErrors: FieldErrors{"email": "Enter an email address."}}},
			[]string{`action="/settings/users"`, `method="get"`, `name="q" type="search" value="ex"`, `name="email"`, `name="role"`, `value="analyst" selected`, `name="mode" type="radio" value="invite" checked`, `value="password"`, `tmp-Pa55-word`, `href="/settings/users/usr_bob"`, `bob@example.com`, `Invited`, `Enter an email address.`, `href="/settings" aria-current="true"`, `href="/settings/users" aria-current="page"`}},
		{UserDetailPage{Layout: sampleLayout(NavSettingsUsers), User: sampleUsers()[0], CanManage: true, Sessions: sampleSessions(),
			Roles: []RoleChoice{{RoleOption: sampleRoles()[0], Assigned: true}, {RoleOption: sampleRoles()[1]}}},
			[]string{`action="/settings/users/usr_ada/roles"`, `name="roles" type="checkbox" value="admin" checked`, `value="analyst"`, `action="/settings/users/usr_ada/deactivate"`, `action="/settings/users/usr_ada/mfa-reset"`, `action="/settings/users/usr_ada/sessions/ses_old/revoke"`, `data-confirm=`}},
		{AuditPage{Layout: sampleLayout(NavSettingsAudit), Filter: AuditFilter{Action: "user.invite", Actor: "ada@example.com", From: "2026-03-01"}, Actions: []string{"user.invite", "user.signin"}, Cursor: "c1", NextCursor: "c2",
			Rows: []AuditRow{{At: t0, ActorEmail: "ada@example.com", Action: "user.invite", Target: "usr_bob", IP: "203.0.113.7", Details: "role=viewer"}, {At: t1, Action: "org.create"}}},
			[]string{`action="/settings/audit"`, `name="action"`, `value="user.invite" selected`, `name="actor"`, `name="from" type="date" value="2026-03-01"`, `name="to"`, `href="/settings/audit.csv?action=user.invite&amp;actor=ada%40example.com&amp;from=2026-03-01"`, `href="/settings/audit?action=user.invite&amp;actor=ada%40example.com&amp;cursor=c2&amp;from=2026-03-01"`, `>Older<`, `>Newest<`, `14 Mar 2026 09:26 UTC`, `System`}},
		{withLayout(NewErrorPage(403), sampleLayout(NavSpend)),
			[]string{`You do not have permission`, `req_7f3a9c`, `class="sidenav"`}},
		{withLayout(NewErrorPage(404), pub),
			[]string{`Page not found`, `class="public-card"`}},
		{withLayout(NewErrorPage(500), pub),
			[]string{`Something went wrong`}},
		{OrgSettingsPage{Layout: sampleLayout(NavSettings), Name: "Acme Ltd", FormErrors: withErr("Name is required.")},
			[]string{`Only administrators can change these settings.`, `Acme Ltd`}},
	}, slices.Concat(spendSamples(), importSamplePages(), connectionSamplePages(), directorySamplePages(), azureConnectSamplePages(),
		onboardSamplePages(), tagSyncSamplePages(), allocationSamplePages(), resourceSamplePages(), chargebackSamplePages(),
		budgetSamplePages(), alertSamplePages(), recommendationSamplePages(), mktBillingSamplePages(), mktCommerceSamplePages(),
		mktCatalogSamplePages(), ssoSamplePages(), delegationSamplePages(), m365AnalyticsSamplePages())...)
}

func withLayout(p ErrorPage, l Layout) ErrorPage {
	title := p.Title
	p.Layout = l
	p.Title = title
	return p
}

func mustAreaPage(key string) AreaPage {
	p, ok := NewAreaPage(key)
	if !ok {
		panic("unknown area " + key)
	}
	p.Layout = sampleLayout(key)
	return p
}

// zeroPages is every page struct with nothing filled in.
func zeroPages() []Page {
	return []Page{
		SignInEmailPage{}, SignInPasswordPage{}, SignInMFAPage{}, ForgotPage{}, ResetPage{},
		AcceptInvitePage{}, NotSetUpPage{}, HomePage{}, AreaPage{}, ProfilePage{}, MFASetupPage{},
		RecoveryCodesPage{}, SessionsPage{}, TokensPage{}, OrgSettingsPage{}, UsersPage{},
		UserDetailPage{}, AuditPage{}, ErrorPage{}, CurrencyPage{}, SpendPage{}, SpendConsumptionPage{}, ImportsPage{}, ImportStatusPage{},
		ConnectionsPage{}, ConnectionPage{}, HelpPageView{}, AzureGrantPage{}, AzureContinuePage{},
		AWSConnectPage{}, ConsentFailedPage{},
		ConflictsPage{}, WriteBackPage{},
		AllocationPage{}, AllocGroupPage{}, AllocRulesPage{}, AllocExplainPage{}, AllocVersionsPage{}, AllocVersionPage{}, AllocLicencesPage{},
		ResourcesPage{}, ResourcePage{}, VirtualPage{}, TagSettingsPage{}, CoveragePage{},
		AlertInboxPage{}, AlertRulesPage{},
		RecsPage{}, RecPage{},
		MktInvoicesPage{}, MktInvoicePage{}, MktChargesPage{}, MktCreditMemosPage{}, SSOPage{}, SSOContinuePage{}, SSOPostPage{}, SSOSignOutPage{}, SignedOutPage{},
	}
}
