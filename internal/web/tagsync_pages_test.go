package web

func tagSyncSamplePages() []pageCase {
	l := sampleLayout(NavAllocation)
	l.Can["allocation.read"], l.Can["tags.write"] = true, true
	batch := WriteBackBatchRow{ID: "twb_1", CreatedBy: "ada@example.com", CreatedAt: "14 Mar 2026 09:26 UTC", Total: 2, Summary: "1 applied, 1 refused"}
	return []pageCase{
		{ConflictsPage{Layout: l, CanResolve: true, Conflicts: []ConflictRow{{ID: "tcf_1", ResourceID: "res_1", ResourceName: "vm-web-prod-01",
			CloudID: "/subscriptions/s/vm", Key: "env", Base: "prod", Cloud: "(absent)", CloudAbsent: true, Canopy: "staging", DetectedAt: "14 Mar 2026 09:26 UTC"}}},
			[]string{`data-conflict="tcf_1"`, `action="/resources/conflicts/resolve"`, `name="id" value="tcf_1"`, `name="resolution" value="cloud"`,
				`Cloud (remove the tag)`, `name="resolution" value="canopy"`, `Canopy: staging`, `name="resolution" value="custom"`, `name="value"`, `<code>env</code>`}},
		{ConflictsPage{Layout: l}, []string{`No tag conflicts.`}},
		{WriteBackPage{Layout: l, CanWrite: true, Pending: 1, Edits: []PendingRow{{ID: "res_9", Name: "st-data", CloudID: "/subscriptions/s/st", Changes: "owner=finops, remove env"}},
			Batches: []WriteBackBatchRow{batch}},
			[]string{`id="write-back-all"`, `name="all_pending" value="1"`, `name="resource_id" value="res_9"`, `Write back to Azure`, `owner=finops, remove env`,
				`href="/resources/writeback?batch=twb_1"`, `1 applied, 1 refused`}},
		{WriteBackPage{Layout: l, Batch: &batch, Refreshes: true, Results: []WriteBackResultRow{{ResourceName: "vm-1", CloudID: "/subscriptions/s/vm-1",
			Status: "refused", Reason: "the subscription's access level is read-tags-only", Tags: "env=prod", Attempts: 0}}},
			[]string{`data-status="refused"`, `access level is read-tags-only`, `id="refresh-batch"`, `env=prod`}},
		{WriteBackPage{Layout: l}, []string{`No write-back yet.`}},
	}
}
