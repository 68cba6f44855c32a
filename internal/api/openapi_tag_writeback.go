package api

import "github.com/canopyhq/canopy/internal/store"

var (
	batchIDParam    = pathParam("batch_id", "A write-back batch's ID (twb_...)")
	conflictIDParam = pathParam("conflict_id", "A tag conflict's ID (tcf_...)")
)

func tagSyncOperations() []opEntry {
	return []opEntry{
		doc("POST", "/resources/writeback", opSpec{id: "writeBackTags", summary: "Write pending Canopy tag edits back to Azure", perm: "tags.write", tag: "resources",
			body: "WriteBackRequest", status: 202, result: "WriteBack",
			description: "Queues one batch: a job per resource, retried on throttling and 5xx. Each resource gets a result: applied, refused (with the reason: " +
				"the subscription's access level, Tag Contributor not granted, or not an Azure resource), failed after retries, or conflict " +
				"(Azure changed a key Canopy changes too; resolve it in the tag-conflicts inbox). Poll the batch at Location."}),
		doc("GET", "/resources/writeback", opSpec{id: "listWriteBacks", summary: "The newest write-back batches with counts by result", perm: "allocation.read", tag: "resources",
			status: 200, result: "WriteBackSummaryList"}),
		doc("GET", "/resources/writeback/{batch_id}", opSpec{id: "getWriteBack", summary: "One write-back batch with each resource's result", perm: "allocation.read", tag: "resources",
			params: []parameter{batchIDParam}, status: 200, result: "WriteBack"}),
		doc("GET", "/tag-conflicts", opSpec{id: "listTagConflicts", summary: "Open tag conflicts, oldest first", perm: "allocation.read", tag: "resources",
			status: 200, result: "TagConflictList", description: "Keys changed both in the cloud and in Canopy since the last sync; nothing is overwritten until resolved."}),
		doc("POST", "/tag-conflicts/{conflict_id}/resolve", opSpec{id: "resolveTagConflict", summary: "Keep the cloud's value, Canopy's, or another", perm: "tags.write", tag: "resources",
			params: []parameter{conflictIDParam}, body: "TagConflictResolve", status: 200, result: "TagConflict",
			description: "cloud: Canopy's edit takes the cloud's value (or drops the key); canopy: the edit stays pending; custom: the edit takes value. " +
				"Write back afterwards to apply it to Azure. 409 when already resolved."}),
	}
}

func tagSyncSchemas() map[string]*schema {
	nullable := func(desc string) *schema { return &schema{Type: []string{"string", "null"}, Description: desc} }
	tags := &schema{Type: "object", Description: "Tag key -> value (strings)"}
	counts := &schema{Type: "object", Description: "Number of resources by result status"}
	statuses := &schema{Type: "string", Enum: []string{store.TagChangeQueued, store.TagChangeRunning, store.TagChangeApplied,
		store.TagChangeRefused, store.TagChangeFailed, store.TagChangeConflict}}
	return map[string]*schema{
		"WriteBackRequest": closed("Resources to write back: resource_ids, or all_pending", props{
			"resource_ids": stringList("Canopy's resource IDs (res_...)"), "all_pending": {Type: "boolean", Description: "Every resource with a pending tag edit"}}),
		"WriteBackResult": object("One resource's write-back result", props{
			"id": text("tch_..."), "resource_id": text("res_..."), "resource_name": text(""), "cloud_id": text("The cloud's resource ID"),
			"tags": tags, "status": statuses, "reason": text("Why it was refused, failed or is in conflict"), "attempts": {Type: "integer"},
			"finished_at": nullableTimestamp()}, "id", "resource_id", "tags", "status", "reason", "attempts"),
		"WriteBack": object("A write-back batch", props{"id": text("twb_..."), "created_by": text(""), "created_at": timestamp(),
			"done": {Type: "boolean", Description: "Every resource has its result"}, "counts": counts,
			"results": {Type: "array", Items: ref("WriteBackResult")}}, "id", "created_at", "done", "counts", "results"),
		"WriteBackSummary": object("A write-back batch's counts", props{"id": text("twb_..."), "created_by": text(""), "created_at": timestamp(),
			"total": {Type: "integer"}, "counts": counts}, "id", "created_at", "total", "counts"),
		"WriteBackSummaryList": list("WriteBackSummary"),
		"TagConflict": object("A tag key changed both in the cloud and in Canopy (null: the key is absent)", props{
			"id": text("tcf_..."), "resource_id": text("res_..."), "resource_name": text(""), "cloud_id": text("The cloud's resource ID"),
			"key": text("The tag key"), "base_value": nullable("At the last sync both started from"), "cloud_value": nullable("The cloud's now"),
			"canopy_value": nullable("Canopy's pending edit"), "detected_at": timestamp(),
			"status":         {Type: "string", Enum: []string{store.ConflictOpen, store.ConflictResolved}},
			"resolution":     {Type: "string", Enum: []string{"", store.ResolveKeepCloud, store.ResolveKeepCanopy, store.ResolveCustom}},
			"resolved_value": nullable("The value kept"), "resolved_by": text(""), "resolved_at": nullableTimestamp(),
		}, "id", "resource_id", "key", "detected_at", "status"),
		"TagConflictList": list("TagConflict"),
		"TagConflictResolve": closed("How to settle a conflict", props{
			"resolution": {Type: "string", Enum: []string{store.ResolveKeepCloud, store.ResolveKeepCanopy, store.ResolveCustom}},
			"value":      text("The value to keep (custom only)")}, "resolution"),
	}
}
