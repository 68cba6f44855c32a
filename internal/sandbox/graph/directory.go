package graph

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// User is a directory user as Graph returns it.
type User struct {
	ID                            string
	DisplayName                   string
	GivenName                     string
	Surname                       string
	UserPrincipalName             string
	Mail                          string
	CompanyName                   string
	Department                    string
	JobTitle                      string
	OfficeLocation                string
	StreetAddress                 string
	City                          string
	State                         string
	PostalCode                    string
	Country                       string
	UsageLocation                 string
	PreferredLanguage             string
	UserType                      string // Member or Guest
	AccountEnabled                bool
	CreatedDateTime               time.Time
	LastSignIn                    time.Time // zero: never signed in
	AssignedLicenses              []AssignedLicense
	OnPremisesExtensionAttributes [15]string
	// Written by the write endpoints (writes.go).
	ManagerID                       string
	ProxyAddresses                  []string
	ForwardingSMTPAddress           string
	DeliverToMailboxAndForward      bool
	AutoReply                       map[string]any // automaticRepliesSetting; nil: disabled
	SignInSessionsValidFromDateTime time.Time
	PasswordChangedAt               time.Time
	ForceChangePasswordNextSignIn   bool
	DeletedDateTime                 time.Time // zero: not deleted (soft-deleted users sit in deletedItems)
	// AuthMethods are the registered authentication methods
	// (userRegistrationDetails' methodsRegistered).
	AuthMethods []string
}

// AssignedLicense is one entry of a user's assignedLicenses.
type AssignedLicense struct {
	SkuID         string
	DisabledPlans []string
}

// rng returns a generator deterministic in seed and parts.
func rng(seed int64, parts ...string) *rand.Rand {
	h := sha256.New()
	fmt.Fprintf(h, "%d", seed)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	s := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:16])))
}

var (
	givenNames = []string{"Adele", "Alex", "Amara", "Ben", "Chen", "Diego", "Elena", "Fatima", "Grady", "Hana", "Isaiah", "Jonas", "Kenji", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Olga", "Patti", "Pradeep", "Rosa", "Sanjay", "Sofia", "Tomas", "Ulla", "Viktor", "Wei", "Yara", "Zoe"}
	surnames   = []string{"Adams", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka", "Usman", "Vargas", "Weber", "Xu", "Yilmaz", "Zimmermann"}
	depts      = []string{"Finance", "Sales", "Marketing", "Engineering", "Operations", "Human Resources", "Legal", "IT", "Support", "Research"}
	titles     = []string{"Analyst", "Manager", "Engineer", "Director", "Specialist", "Consultant", "Coordinator", "Administrator", "Architect", "Associate"}
	offices    = []office{
		{"Seattle", "WA", "98101", "United States", "US", "en-US", "1 Pine Street"},
		{"Berlin", "BE", "10115", "Germany", "DE", "de-DE", "Invalidenstraße 12"},
		{"London", "ENG", "EC1A 1BB", "United Kingdom", "GB", "en-GB", "20 Aldersgate"},
		{"Paris", "IDF", "75002", "France", "FR", "fr-FR", "8 Rue de la Paix"},
		{"Tokyo", "13", "100-0005", "Japan", "JP", "ja-JP", "2-7-1 Marunouchi"},
	}
)

type office struct{ city, state, zip, country, usage, lang, street string }

// buildTenant generates the tenant's users, licences and groups.
func buildTenant(seed int64, info Tenant) *tenant {
	r := rng(seed, "graph-tenant", info.ID)
	t := &tenant{Tenant: info, byKey: map[string]int{}}
	t.created = time.Date(2016+r.IntN(6), time.Month(1+r.IntN(12)), 1+r.IntN(28), 9, r.IntN(60), r.IntN(60), 0, time.UTC)
	t.skus = skuCatalog(info.ID)
	seen := map[string]int{}
	for i := 0; i < info.Users; i++ {
		u := buildUser(seed, t, i, seen)
		t.byKey[strings.ToLower(u.ID)] = i
		t.byKey[strings.ToLower(u.UserPrincipalName)] = i
		t.users = append(t.users, u)
	}
	assignLicenses(seed, t)
	seedRegistrations(seed, t)
	t.groups = buildGroups(seed, t)
	return t
}

func buildUser(seed int64, t *tenant, i int, seen map[string]int) User {
	r := rng(seed, "graph-user", t.ID, fmt.Sprint(i))
	given, sur := givenNames[r.IntN(len(givenNames))], surnames[r.IntN(len(surnames))]
	o := offices[r.IntN(len(offices))]
	u := User{
		ID: uuidFrom(r), GivenName: given, Surname: sur, DisplayName: given + " " + sur,
		CompanyName: t.Name, Department: depts[r.IntN(len(depts))], JobTitle: titles[r.IntN(len(titles))],
		OfficeLocation: o.city + " " + fmt.Sprint(1+r.IntN(9)) + "/" + fmt.Sprint(100+r.IntN(400)),
		StreetAddress:  o.street, City: o.city, State: o.state, PostalCode: o.zip, Country: o.country,
		UsageLocation: o.usage, PreferredLanguage: o.lang, UserType: "Member", AccountEnabled: r.IntN(20) != 0,
		CreatedDateTime: t.created.Add(time.Duration(r.IntN(2000*24)) * time.Hour),
	}
	local := strings.ToLower(given + "." + sur)
	seen[local]++
	if n := seen[local]; n > 1 {
		local += fmt.Sprint(n)
	}
	u.UserPrincipalName, u.Mail = local+"@"+t.Domain, local+"@"+t.Domain
	if i > 0 && r.IntN(12) == 0 { // guests: invited external accounts
		u.UserType, u.CompanyName, u.Department, u.JobTitle = "Guest", "", "", ""
		ext := local + "_partner" + fmt.Sprint(r.IntN(9)) + ".example"
		u.Mail = local + "@partner" + fmt.Sprint(r.IntN(9)) + ".example"
		u.UserPrincipalName = ext + "#EXT#@" + t.Domain
	}
	u.OnPremisesExtensionAttributes[0] = fmt.Sprintf("CC-%04d", 1000+r.IntN(40))
	if u.UserType == "Member" && r.IntN(3) == 0 {
		u.OnPremisesExtensionAttributes[1] = "EMP" + fmt.Sprint(10000+i)
	}
	if r.IntN(8) != 0 {
		u.LastSignIn = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(300*24)) * time.Hour)
	}
	return u
}

func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// userJSON returns every property of u under its Graph name.
func userJSON(u *User) map[string]any {
	lic := make([]map[string]any, 0, len(u.AssignedLicenses))
	for _, l := range u.AssignedLicenses {
		dp := l.DisabledPlans
		if dp == nil {
			dp = []string{}
		}
		lic = append(lic, map[string]any{"skuId": l.SkuID, "disabledPlans": dp})
	}
	ext := map[string]any{}
	for i, v := range u.OnPremisesExtensionAttributes {
		ext[fmt.Sprintf("extensionAttribute%d", i+1)] = nilIfEmpty(v)
	}
	m := map[string]any{
		"id": u.ID, "displayName": u.DisplayName, "givenName": nilIfEmpty(u.GivenName), "surname": nilIfEmpty(u.Surname),
		"userPrincipalName": u.UserPrincipalName, "mail": nilIfEmpty(u.Mail), "companyName": nilIfEmpty(u.CompanyName),
		"department": nilIfEmpty(u.Department), "jobTitle": nilIfEmpty(u.JobTitle), "officeLocation": nilIfEmpty(u.OfficeLocation),
		"streetAddress": nilIfEmpty(u.StreetAddress), "city": nilIfEmpty(u.City), "state": nilIfEmpty(u.State),
		"postalCode": nilIfEmpty(u.PostalCode), "country": nilIfEmpty(u.Country), "usageLocation": nilIfEmpty(u.UsageLocation),
		"preferredLanguage": nilIfEmpty(u.PreferredLanguage), "userType": u.UserType, "accountEnabled": u.AccountEnabled,
		"createdDateTime": u.CreatedDateTime.Format(time.RFC3339), "assignedLicenses": lic,
		"onPremisesExtensionAttributes": ext, "businessPhones": []string{}, "mobilePhone": nil,
		"signInActivity": signInActivity(u), "proxyAddresses": nonNilStrings(u.ProxyAddresses),
		"signInSessionsValidFromDateTime": timeOrNil(u.SignInSessionsValidFromDateTime),
		"lastPasswordChangeDateTime":      timeOrNil(u.PasswordChangedAt),
	}
	return m
}

func signInActivity(u *User) map[string]any {
	if u.LastSignIn.IsZero() {
		return map[string]any{"lastSignInDateTime": nil, "lastNonInteractiveSignInDateTime": nil, "lastSuccessfulSignInDateTime": nil}
	}
	s := u.LastSignIn.Format(time.RFC3339)
	return map[string]any{"lastSignInDateTime": s, "lastNonInteractiveSignInDateTime": s, "lastSuccessfulSignInDateTime": s}
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// defaultUserProps are what GET /users returns without $select (Graph's
// default set for v1.0; everything else needs $select).
var defaultUserProps = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

// userProps are the properties $select may name.
var userProps = map[string]bool{}

func init() {
	for k := range userJSON(&User{}) {
		userProps[k] = true
	}
}
