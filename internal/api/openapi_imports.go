package api

import "github.com/canopyhq/canopy/internal/store"

var uploadIDParam = pathParam("upload_id", "An upload's ID (upl_...)")

func importOperations() []opEntry {
	return []opEntry{
		doc("POST", "/costs/imports", opSpec{id: "uploadCostImport", summary: "Upload a billing file and queue its import", perm: "costs.import", tag: "costs",
			body: "CostFileUpload", bodyMedia: "multipart/form-data", status: 202, result: "CostUploadAccepted",
			description: "Send the file (FOCUS 1.0-1.2, Azure EA/MCA, AWS CUR or CUR 2.0, Partner Center; plain CSV or gzip) as the form field file. " +
				"It is stored while it arrives (at most the server's upload limit, 2 GiB by default: 413 beyond it, and nothing is kept), " +
				"then imported by a background job. Poll status_url until status is succeeded or failed. " +
				"The import is all or nothing; re-importing the same source and billing period replaces it."}),
		doc("GET", "/costs/imports", opSpec{id: "listCostImports", summary: "The import history, newest first", perm: "costs.read", tag: "costs",
			params: []parameter{limitParam}, status: 200, result: "CostImportList",
			description: "Every import (uploads, the command line, the demo) with its source, format, rows, billing period, totals per currency, duration, who ran it and its outcome. Not paged beyond limit."}),
		doc("GET", "/costs/imports/{upload_id}", opSpec{id: "getCostUpload", summary: "An upload's import progress or outcome", perm: "costs.read", tag: "costs",
			params: []parameter{uploadIDParam}, status: 200, result: "CostUpload",
			description: "While running: rows_done and bytes_done of size_bytes. When succeeded: import holds the stored result. When failed: error names the file, line and column."}),
	}
}

func importSchemas() map[string]*schema {
	amount := func(desc string) *schema {
		return &schema{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`, Description: desc + "; an exact decimal"}
	}
	nullableDay := &schema{Type: []string{"string", "null"}, Format: "date", Description: "UTC day, or null when the file had no lines"}
	return map[string]*schema{
		"CostFileUpload": object("The billing file", props{"file": {Type: "string", Format: "binary", Description: "The file, with its name"}}, "file"),
		"Measures": object("The four FOCUS cost measures summed in one currency", props{
			"billed": amount("BilledCost"), "effective": amount("EffectiveCost"), "list": amount("ListCost"), "contracted": amount("ContractedCost"),
		}, "billed", "effective", "list", "contracted"),
		"CostImport": object("One imported file", props{
			"id": text("imp_..."), "source": text("What the file is a copy of; importing the same source again replaces it"),
			"format": text("Detected format, e.g. focus-1.2"), "file": text("File name"), "rows": {Type: "integer"},
			"billing_period_start": nullableDay, "billing_period_end": nullableDay,
			"totals":     {Type: "object", Description: "Per billing currency (ISO 4217 code): a Measures object"},
			"started_at": timestamp(), "finished_at": nullableTimestamp(),
			"duration_ms": {Type: []string{"integer", "null"}, Description: "null while running"},
			"created_by":  text("Who ran it"),
			"status":      {Type: "string", Enum: []string{"running", "succeeded", "failed", "replaced"}},
			"error":       text("Why it failed, naming line and column"),
		}, "id", "source", "format", "file", "rows", "billing_period_start", "billing_period_end", "totals", "started_at",
			"finished_at", "duration_ms", "created_by", "status"),
		"CostImportList": list("CostImport"),
		"CostUpload": object("An uploaded file and its import", props{
			"id": text("upl_..."), "file": text("File name"),
			"status":     {Type: "string", Enum: []string{store.UploadQueued, store.UploadRunning, store.UploadSucceeded, store.UploadFailed}},
			"size_bytes": {Type: "integer"}, "bytes_done": {Type: "integer", Description: "Bytes of the file read so far"},
			"rows_done": {Type: "integer", Description: "Lines stored so far"}, "percent": {Type: "integer", Minimum: intPtr(0), Maximum: intPtr(100)},
			"created_by": text(""), "created_at": timestamp(), "updated_at": timestamp(),
			"error":  text("When failed: what was wrong, naming the file, line and column"),
			"import": {Type: []string{"object", "null"}, Description: "When succeeded: the CostImport stored"},
		}, "id", "file", "status", "size_bytes", "bytes_done", "rows_done", "percent", "created_by", "created_at", "updated_at", "import"),
		"CostUploadAccepted": object("The stored upload, queued for import", props{
			"upload": ref("CostUpload"), "status_url": text("Where to poll the import (also in Location)"),
		}, "upload", "status_url"),
	}
}
