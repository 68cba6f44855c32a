package web

// importSamplePages are the Spend → Imports pages for the renderer tests.
func importSamplePages() []pageCase {
	row := ImportRow{ID: "imp_1", File: "focus-2026-03.csv.gz", Format: "focus-1.2", Source: "focus-1.2|2026-03-01..2026-04-01|acct-1",
		Period: "2026-03-01 to 2026-03-31", Started: "14 Mar 2026 09:26 UTC", Duration: "1.25s", By: "ada@example.com",
		Status: "succeeded", Rows: 12000, Totals: []string{"1,234.56 EUR", "99.00 USD"}}
	failed := ImportRow{ID: "imp_2", File: "bad.csv", Format: "focus-1.2", Started: "14 Mar 2026 09:30 UTC", Period: "—", Duration: "0.1s",
		By: "ada@example.com", Status: "failed", Error: "import bad.csv: line 120, column BilledCost: not a number"}
	canImport := sampleLayout(NavSpendImports)
	canImport.Can = map[string]bool{"costs.read": true, "costs.import": true}
	return []pageCase{
		{ImportsPage{Layout: canImport, CanImport: true, MaxBytes: 2 << 30, MaxSize: "2 GiB",
			Uploads: []UploadRow{{ID: "upl_1", File: "focus-2026-03.csv.gz", Status: "running", Size: "1.5 MiB", CreatedAt: "14 Mar 2026 09:26 UTC", CreatedBy: "ada@example.com"}},
			History: []ImportRow{row, failed}, FormErrors: FormErrors{FieldErrors: FieldErrors{"file": "The file is empty."}}},
			[]string{`action="/spend/imports"`, `enctype="multipart/form-data"`, `data-upload-form`, `data-max-bytes="2147483648"`, `name="file" type="file"`,
				`<progress id="upload-bar"`, `upload.js`, `The file is empty.`, `href="/spend/imports/upl_1"`, `1,234.56 EUR`, `2026-03-01 to 2026-03-31`,
				`line 120, column BilledCost`, `href="/spend/imports" aria-current="page"`, `href="/spend" aria-current="true"`}},
		{ImportsPage{Layout: sampleLayout(NavSpendImports)},
			[]string{`No imports yet.`}},
		{ImportStatusPage{Layout: sampleLayout(NavSpendImports), Progress: ImportProgress{ID: "upl_1", File: "focus.csv", Status: "running",
			Percent: 40, Rows: 5000, Read: "4 MiB", Size: "10 MiB"}},
			[]string{`hx-get="/spend/imports/upl_1/progress"`, `data-poll`, `hx-trigger="load delay:700ms, poll-retry"`, `<progress id="import-bar" max="100" value="40">`, `5000 lines stored`, `4 MiB of 10 MiB`}},
		{ImportStatusPage{Layout: sampleLayout(NavSpendImports), Progress: ImportProgress{ID: "upl_2", File: "bad.csv", Status: "failed",
			Finished: true, Failed: true, Error: "import bad.csv: line 120, column BilledCost: not a number"}},
			[]string{`role="alert"`, `line 120, column BilledCost`, `Nothing was changed`}},
		{ImportStatusPage{Layout: sampleLayout(NavSpendImports), Progress: ImportProgress{ID: "upl_1", File: "focus.csv", Status: "succeeded",
			Finished: true, Percent: 100, Result: &row}},
			[]string{`Imported 12000 lines`, `1,234.56 EUR`, `99.00 USD`, `data-status="succeeded"`}},
	}
}
