package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Column headers exactly as the real CSV files have them.
const (
	hdrActiveUser = "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Has Exchange License,Has OneDrive License,Has SharePoint License,Has Skype For Business License,Has Yammer License,Has Teams License,Exchange Last Activity Date,OneDrive Last Activity Date,SharePoint Last Activity Date,Skype For Business Last Activity Date,Yammer Last Activity Date,Teams Last Activity Date,Exchange License Assign Date,OneDrive License Assign Date,SharePoint License Assign Date,Skype For Business License Assign Date,Yammer License Assign Date,Teams License Assign Date,Assigned Products"
	hdrMailbox    = "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Report Period"
	hdrOneDrive   = "Report Refresh Date,Site URL,Owner Display Name,Is Deleted,Last Activity Date,File Count,Active File Count,Storage Used (Byte),Storage Allocated (Byte),Owner Principal Name,Report Period"
	hdrSharePoint = "Report Refresh Date,Site Id,Site URL,Owner Display Name,Is Deleted,Last Activity Date,File Count,Active File Count,Page View Count,Visited Page Count,Storage Used (Byte),Storage Allocated (Byte),Root Web Template,Owner Principal Name,Report Period"
	hdrTeams      = "Report Refresh Date,User Id,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,Meetings Organized Count,Meetings Attended Count,Ad Hoc Meetings Organized Count,Ad Hoc Meetings Attended Count,Scheduled One-time Meetings Organized Count,Scheduled One-time Meetings Attended Count,Scheduled Recurring Meetings Organized Count,Scheduled Recurring Meetings Attended Count,Audio Duration,Video Duration,Screen Share Duration,Audio Duration In Seconds,Video Duration In Seconds,Screen Share Duration In Seconds,Has Other Action,Urgent Messages,Post Messages,Tenant Display Name,Shared Channel Tenant Display Names,Reply Messages,Is Licensed,Report Period"
)

// reports are the usage report functions, keyed by lower-case name.
var reports = map[string]reportSpec{
	"getoffice365activeuserdetail":   {header: hdrActiveUser, byDate: true, rows: activeUserRows, fileStem: "Office365ActiveUserDetail"},
	"getmailboxusagedetail":          {header: hdrMailbox, rows: mailboxRows, fileStem: "MailboxUsageDetail"},
	"getonedriveusageaccountdetail":  {header: hdrOneDrive, byDate: true, rows: oneDriveRows, fileStem: "OneDriveUsageAccountDetail"},
	"getsharepointsiteusagedetail":   {header: hdrSharePoint, byDate: true, rows: sharePointRows, fileStem: "SharePointSiteUsageDetail"},
	"getteamsuseractivityuserdetail": {header: hdrTeams, byDate: true, rows: teamsRows, fileStem: "TeamsUserActivityUserDetail"},
}

// productNames are the "Assigned Products" spellings of the SKUs.
var productNames = map[string]string{
	"SPE_E3": "MICROSOFT 365 E3", "SPE_E5": "MICROSOFT 365 E5", "ENTERPRISEPACK": "OFFICE 365 E3",
	"POWER_BI_PRO": "POWER BI PRO", "VISIOCLIENT": "VISIO PLAN 2", "PROJECTPREMIUM": "PROJECT ONLINE PREMIUM",
	"EMS": "ENTERPRISE MOBILITY + SECURITY E3",
}

// reportCtx is one report request: the tenant, the days covered and
// whether names are concealed.
type reportCtx struct {
	seed      int64
	t         *tenant
	today     time.Time // the sandbox clock's day
	refresh   time.Time // report refresh date (the last day covered)
	days      int       // period length; 0 for a single date
	date      time.Time // the single date, when days == 0
	concealed bool
}

func (rc *reportCtx) periodLabel() string {
	if rc.days == 0 {
		return rc.date.Format("2006-01-02")
	}
	return fmt.Sprintf("D%d", rc.days)
}

func (rc *reportCtx) period() string {
	if rc.days == 0 {
		return "1"
	}
	return fmt.Sprint(rc.days)
}

func (rc *reportCtx) span() int { return max(rc.days, 1) }

// conceal hides a name as the real service does when
// displayConcealedNames is on: 32 upper-case hex characters.
func (rc *reportCtx) conceal(s string) string {
	if !rc.concealed || s == "" {
		return s
	}
	sum := sha256.Sum256([]byte(rc.t.ID + "\x00" + strings.ToLower(s)))
	return strings.ToUpper(hex.EncodeToString(sum[:16]))
}

// level is how active a user is with a workload: 0 (never, about one
// user in six) to 95 (percent of days).
func (rc *reportCtx) level(u *User, workload string) int {
	r := rng(rc.seed, "graph-activity-level", rc.t.ID, u.ID, workload)
	return []int{0, 20, 60, 80, 95, 95}[r.IntN(6)]
}

// dormantDays is how many days before today a dormant user stopped using
// Microsoft 365 altogether (0: not dormant). About one user in eight is,
// spread over 35 to 169 days, so licence holders inactive for 30, 60
// and 90 days or more all occur.
func (rc *reportCtx) dormantDays(u *User) int {
	r := rng(rc.seed, "graph-dormant", rc.t.ID, u.ID)
	if r.IntN(8) != 0 {
		return 0
	}
	return 35 + r.IntN(135)
}

// activeOn reports whether u used workload on day (deterministic per user
// and day; weekends are quieter; nothing after a dormant user stopped).
func (rc *reportCtx) activeOn(u *User, workload string, day time.Time) bool {
	if n := rc.dormantDays(u); n > 0 && !day.Before(rc.today.AddDate(0, 0, -n)) {
		return false
	}
	p := rc.level(u, workload)
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		p /= 5
	}
	return rng(rc.seed, "graph-activity", rc.t.ID, u.ID, workload, day.Format("2006-01-02")).IntN(100) < p
}

// lastActivity is the latest day in the report's span the user was active
// with workload, or "".
func (rc *reportCtx) lastActivity(u *User, workload string) string {
	if !u.AccountEnabled || rc.level(u, workload) == 0 {
		return ""
	}
	for i := 0; i < rc.span(); i++ {
		d := rc.refresh.AddDate(0, 0, -i)
		if rc.activeOn(u, workload, d) {
			return d.Format("2006-01-02")
		}
	}
	return ""
}

// activeDays counts the user's active days with workload in the span.
func (rc *reportCtx) activeDays(u *User, workload string) int {
	if !u.AccountEnabled || rc.level(u, workload) == 0 {
		return 0
	}
	n := 0
	for i := 0; i < rc.span(); i++ {
		if rc.activeOn(u, workload, rc.refresh.AddDate(0, 0, -i)) {
			n++
		}
	}
	return n
}

// licensed returns the users a report lists (members with a licence) and
// their products.
func (rc *reportCtx) licensed() ([]*User, [][]string) {
	names := map[string]string{}
	for _, s := range rc.t.skus {
		names[s.SkuID] = productNames[s.SkuPartNumber]
	}
	var users []*User
	var products [][]string
	for i := range rc.t.users {
		u := &rc.t.users[i]
		if u.UserType != "Member" || len(u.AssignedLicenses) == 0 {
			continue
		}
		var p []string
		for _, l := range u.AssignedLicenses {
			p = append(p, names[l.SkuID])
		}
		users, products = append(users, u), append(products, p)
	}
	return users, products
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func trueFalse(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func isoDuration(seconds int) string {
	if seconds == 0 {
		return "PT0S"
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	out := "PT"
	if h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	if m > 0 {
		out += fmt.Sprintf("%dM", m)
	}
	if s > 0 {
		out += fmt.Sprintf("%dS", s)
	}
	return out
}
