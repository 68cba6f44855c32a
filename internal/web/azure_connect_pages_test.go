package web

func azureConnectSamplePages() []pageCase {
	l := sampleLayout(NavConnections)
	l.Can["connections.manage"] = true
	failed := ConnectionPage{Layout: l, CanManage: true, Conn: ConnectionRow{ID: "con_z", Kind: "azure", Name: "Contoso"},
		History: []SyncRow{{ID: "syn_9", State: "failed", Error: "Azure credentials: consent revoked (AADSTS700016). A Global Administrator must connect Azure again (admin consent). See /help/azure-token-revoked"}}}
	return []pageCase{
		{AzureContinuePage{Layout: l, URL: "https://login.example/t/v2.0/adminconsent?client_id=a&state=s"},
			[]string{`http-equiv="refresh"`, `id="azure-continue"`, `href="https://login.example/t/v2.0/adminconsent?client_id=a&amp;state=s"`}},
		{AzureGrantPage{Layout: l, Name: "Contoso", ConnID: "con_z", Tenant: "t-1",
			Rows: []AzureGrantRow{{ID: "s-1", Name: "Production", State: "Enabled", Granted: "Reader, Tag Contributor"},
				{ID: "s-2", Name: "Development", State: "Enabled", Skipped: "you are not Owner"}}},
			[]string{`data-subscription="s-1" data-outcome="granted"`, `Reader, Tag Contributor`, `data-outcome="skipped"`, `you are not Owner`,
				`href="/connections/con_z"`, `action="/connections/con_z/sync"`}},
		{AzureGrantPage{Layout: l, Error: "Admin consent was not granted (access_denied)"},
			[]string{`id="azure-error"`, `Admin consent was not granted`, `href="/connections#azure-h"`}},
		{failed, []string{`id="azure-token-state" data-state="token-revoked"`, `consent revoked`, `href="/help/azure-token-revoked"`}},
		{ConnectionsPage{Layout: l, CanManage: true}, []string{`action="/connections/azure"`, `name="azure_tenant"`, `name="tag_write"`, `name="reservations"`}},
	}
}
