package graph

import (
	"fmt"
	"strings"
)

// hasPlan reports whether one of u's licences includes the service plan
// named plan and does not disable it.
func (rc *reportCtx) hasPlan(u *User, plan string) bool {
	for _, l := range u.AssignedLicenses {
		for _, s := range rc.t.skus {
			if s.SkuID != l.SkuID {
				continue
			}
			for _, p := range s.ServicePlans {
				if p.Name == plan && !contains(l.DisabledPlans, p.ID) {
					return true
				}
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func activeUserRows(rc *reportCtx) [][]string {
	users, products := rc.licensed()
	rows := make([][]string, 0, len(users))
	for i, u := range users {
		exch, spo := rc.hasPlan(u, "EXCHANGE_S_ENTERPRISE"), rc.hasPlan(u, "SHAREPOINTENTERPRISE")
		teams, sfb := rc.hasPlan(u, "TEAMS1"), rc.hasPlan(u, "MCOSTANDARD")
		assign := u.CreatedDateTime.Format("2006-01-02")
		when := func(ok bool, workload string) string {
			if !ok {
				return ""
			}
			return rc.lastActivity(u, workload)
		}
		at := func(ok bool) string {
			if !ok {
				return ""
			}
			return assign
		}
		rows = append(rows, []string{
			rc.refresh.Format("2006-01-02"), rc.conceal(u.UserPrincipalName), rc.conceal(u.DisplayName), "False", "",
			trueFalse(exch), trueFalse(spo), trueFalse(spo), trueFalse(sfb), trueFalse(exch), trueFalse(teams),
			when(exch, "exchange"), when(spo, "onedrive"), when(spo, "sharepoint"), "", "", when(teams, "teams"),
			at(exch), at(spo), at(spo), at(sfb), at(exch), at(teams), strings.Join(products[i], "+"),
		})
	}
	return rows
}

func mailboxRows(rc *reportCtx) [][]string {
	users, _ := rc.licensed()
	var rows [][]string
	for _, u := range users {
		if !rc.hasPlan(u, "EXCHANGE_S_ENTERPRISE") {
			continue
		}
		r := rng(rc.seed, "graph-mailbox", rc.t.ID, u.ID)
		items := 2000 + r.IntN(60000)
		rows = append(rows, []string{
			rc.refresh.Format("2006-01-02"), rc.conceal(u.UserPrincipalName), rc.conceal(u.DisplayName), "False", "",
			u.CreatedDateTime.Format("2006-01-02"), rc.lastActivity(u, "exchange"), fmt.Sprint(items),
			fmt.Sprint(int64(items) * int64(40000+r.IntN(80000))), "105226698752", "106300440576", "107374182400",
			fmt.Sprint(r.IntN(3000)), fmt.Sprint(int64(r.IntN(3000)) * 52000), "32212254720", trueFalse(r.IntN(4) == 0), rc.period(),
		})
	}
	return rows
}

// sharePointHost is the tenant's SharePoint host name prefix.
func (rc *reportCtx) sharePointHost() string {
	return strings.ToLower(strings.NewReplacer(" ", "", ".", "", ",", "").Replace(rc.t.Name))
}

func oneDriveRows(rc *reportCtx) [][]string {
	users, _ := rc.licensed()
	var rows [][]string
	for _, u := range users {
		if !rc.hasPlan(u, "SHAREPOINTENTERPRISE") {
			continue
		}
		r := rng(rc.seed, "graph-onedrive", rc.t.ID, u.ID)
		files := r.IntN(5000)
		active := min(files, rc.activeDays(u, "onedrive")*r.IntN(6))
		site := "https://" + rc.sharePointHost() + "-my.sharepoint.com/personal/" + strings.NewReplacer("@", "_", ".", "_").Replace(u.UserPrincipalName)
		rows = append(rows, []string{
			rc.refresh.Format("2006-01-02"), rc.conceal(site), rc.conceal(u.DisplayName), "False", rc.lastActivity(u, "onedrive"),
			fmt.Sprint(files), fmt.Sprint(active), fmt.Sprint(int64(files) * int64(200000+r.IntN(900000))),
			"1099511627776", rc.conceal(u.UserPrincipalName), rc.period(),
		})
	}
	return rows
}

func sharePointRows(rc *reportCtx) [][]string {
	var rows [][]string
	for _, g := range rc.t.groups {
		if len(g.Members) == 0 {
			continue
		}
		owner := &rc.t.users[g.Members[0]]
		r := rng(rc.seed, "graph-site", rc.t.ID, g.ID)
		files := r.IntN(20000)
		template := "Team Site"
		if g.Unified {
			template = "Group"
		}
		site := "https://" + rc.sharePointHost() + ".sharepoint.com/sites/" + strings.ReplaceAll(g.DisplayName, " ", "")
		views := rc.activeDays(owner, "sharepoint") * (1 + r.IntN(40))
		last := rc.lastActivity(owner, "sharepoint")
		rows = append(rows, []string{
			rc.refresh.Format("2006-01-02"), uuidFrom(r), rc.conceal(site), rc.conceal(owner.DisplayName), "False", last,
			fmt.Sprint(files), fmt.Sprint(min(files, views/2)), fmt.Sprint(views), fmt.Sprint(views / 3),
			fmt.Sprint(int64(files) * int64(300000+r.IntN(700000))), "27487790694400", template,
			rc.conceal(owner.UserPrincipalName), rc.period(),
		})
	}
	return rows
}

func teamsRows(rc *reportCtx) [][]string {
	users, products := rc.licensed()
	var rows [][]string
	for i, u := range users {
		if !rc.hasPlan(u, "TEAMS1") {
			continue
		}
		r := rng(rc.seed, "graph-teams", rc.t.ID, u.ID, rc.periodLabel())
		days := rc.activeDays(u, "teams")
		chat, private, calls := days*r.IntN(8), days*r.IntN(25), days*r.IntN(3)
		organized, attended := days*r.IntN(2), days*r.IntN(4)
		audio, video, screen := (calls+attended)*(300+r.IntN(1500)), attended*r.IntN(900), attended*r.IntN(300)
		id := u.ID
		if rc.concealed {
			id = "00000000-0000-0000-0000-000000000000"
		}
		rows = append(rows, []string{
			rc.refresh.Format("2006-01-02"), id, rc.conceal(u.UserPrincipalName), rc.lastActivity(u, "teams"), "False", "",
			strings.Join(products[i], "+"), fmt.Sprint(chat), fmt.Sprint(private), fmt.Sprint(calls),
			fmt.Sprint(organized + attended), fmt.Sprint(organized), fmt.Sprint(attended), "0", "0",
			fmt.Sprint(organized / 2), fmt.Sprint(attended / 2), fmt.Sprint(organized - organized/2), fmt.Sprint(attended - attended/2),
			isoDuration(audio), isoDuration(video), isoDuration(screen), fmt.Sprint(audio), fmt.Sprint(video), fmt.Sprint(screen),
			yesNo(days > 0 && r.IntN(2) == 0), "0", fmt.Sprint(chat / 3), rc.t.Name, "", fmt.Sprint(chat / 4), "Yes", rc.period(),
		})
	}
	return rows
}
