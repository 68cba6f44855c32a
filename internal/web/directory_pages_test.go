package web

func directorySamplePages() []pageCase {
	l := sampleLayout(NavM365)
	l.Can["m365.read"] = true
	return []pageCase{
		{DirectoryPage{Layout: l, Total: 2, Departments: []string{"Finance", "Sales"}, Countries: []string{"DE", "US"},
			Filter: DirectoryFilter{Q: "ada", Department: "Sales"}, Cursor: "c1", NextCursor: "c2",
			Users: []DirectoryUserRow{{ID: "u-1", Name: "Ada Lovelace", UPN: "ada@contoso.test", Department: "Sales", JobTitle: "Analyst",
				Country: "DE", City: "Berlin", UserType: "Member", Enabled: true, Licences: []string{"SPE_E3", "POWER_BI_PRO"}}},
			SKUs: []DirectorySKURow{{SkuID: "s-1", PartNumber: "SPE_E3", Status: "Enabled", Purchased: 25, Assigned: 20, Unassigned: 5}}},
			[]string{`data-user="u-1"`, `SPE_E3, POWER_BI_PRO`, `data-sku="s-1"`, `<td class="num">5</td>`,
				`<option value="Sales" selected>Sales</option>`, `href="/directory?cursor=c2&amp;department=Sales&amp;q=ada"`}},
		{DirectoryPage{Layout: l}, []string{`No licences imported yet.`, `No users match.`}},
	}
}
