package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
)

// On SQLite an import does not hold the database's one write transaction
// from its first line to its last (a 10M-line file took 45 s, during which
// every sign-in and session save waited): it commits its rows in short
// transactions (txCycle) and releases the writer in between. Its rows stay
// invisible until the last, short transaction marks the import succeeded,
// because every reader selects rows of succeeded imports only. A failed
// import's rows are deleted; a crash's are deleted by SweepAbandoned.
// PostgreSQL keeps one transaction: its readers and writers never wait for
// it.

// commitEvery is how long an import's transaction may hold SQLite's writer.
const commitEvery = 100 * time.Millisecond

// importLock serialises one organisation's imports in this process:
// dictionary ids are allocated in Go from what the import loaded at its
// start. (SQLite is one process's database.)
func (db *DB) importLock(orgID string) *sync.Mutex {
	m, _ := db.importLocks.LoadOrStore(orgID, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// txCycle opens a transaction on a connection of pool when a batch comes,
// and commits it and gives the connection back once it is older than
// every, so that other writers get their turn.
type txCycle struct {
	pool  *sql.DB
	every time.Duration
	sc    *sql.Conn
	tx    *sql.Tx
	since time.Time
}

func (t *txCycle) begin(ctx context.Context, w *segmentWriter) error {
	if t.tx != nil {
		return nil
	}
	sc, err := t.pool.Conn(ctx)
	if err != nil {
		return err
	}
	tx, err := sc.BeginTx(ctx, nil)
	if err != nil {
		sc.Close()
		return fmt.Errorf("begin: %w", err)
	}
	t.sc, t.tx, t.since = sc, tx, time.Now()
	w.c, w.sc = conn{q: tx, engine: SQLite}, sc
	return nil
}

func (t *txCycle) maybeCommit() error {
	if time.Since(t.since) < t.every {
		return nil
	}
	return t.commit()
}

func (t *txCycle) commit() error {
	if t.tx == nil {
		return nil
	}
	err := t.tx.Commit()
	t.sc.Close()
	t.tx, t.sc = nil, nil
	return err
}

func (t *txCycle) rollback() {
	if t.tx != nil {
		_ = t.tx.Rollback()
		t.sc.Close()
		t.tx, t.sc = nil, nil
	}
}

// importCycled stores the lines in short transactions and finishes the
// import (replacing the source's earlier import, marking this one
// succeeded) in a last one; on failure it deletes what it stored.
func (c *Costs) importCycled(ctx context.Context, orgID string, num int64, r *billing.Reader, meta costs.ImportMeta) (res costs.ImportResult, err error) {
	mu := c.db.importLock(orgID)
	mu.Lock()
	defer mu.Unlock()
	if err := ctx.Err(); err != nil { // stopped while waiting for the lock
		return res, err
	}
	if err := c.db.tuneForImports(ctx, +1); err != nil {
		return res, err
	}
	defer func() { _ = c.db.tuneForImports(context.WithoutCancel(ctx), -1) }()
	cycle := &txCycle{pool: c.db.W, every: commitEvery}
	w := &segmentWriter{orgID: orgID, num: num, cycle: cycle}
	defer func() {
		cycle.rollback()
		if err != nil {
			c.discardRows(context.WithoutCancel(ctx), orgID, num, w.dictsFrom)
		}
	}()
	sum, err := c.copyLines(ctx, w, c.reader(), r, meta.Progress)
	if err != nil {
		return res, err
	}
	if err = cycle.commit(); err != nil {
		return res, err
	}
	if err = cycle.begin(ctx, w); err != nil {
		return res, err
	}
	if err = w.detailGivenUp(ctx, sum); err != nil {
		return res, err
	}
	if res, err = c.finishImport(ctx, w.c, orgID, num, r.Format(), sum, meta); err != nil {
		return res, err
	}
	return res, cycle.commit()
}

// importTables are the tables holding an import's rows.
var importTables = []string{"cost_segments", "cost_daily", "cost_daily_values", "cost_detail_segments"}

// deleteImportRows deletes the rows import num stored.
func deleteImportRows(ctx context.Context, cn conn, orgID string, num int64) error {
	for _, table := range importTables {
		if _, err := cn.exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND import_num = ?`, orgID, num); err != nil {
			return fmt.Errorf("delete rows of import %d from %s: %w", num, table, err)
		}
	}
	return nil
}

// discardRows deletes a failed import's rows and the dictionary entries
// it added (ids above dictsFrom: imports of an organisation run one at a
// time). Best effort: the rows are invisible anyway, SweepAbandoned
// retries at the next start, and unused entries only cost space.
func (c *Costs) discardRows(ctx context.Context, orgID string, num int64, dictsFrom [2]int64) {
	tx, err := c.db.W.BeginTx(ctx, nil)
	if err != nil {
		return
	}
	cn := conn{q: tx, engine: c.db.Engine}
	err = deleteImportRows(ctx, cn, orgID, num)
	for _, q := range []struct {
		sql  string
		from int64
	}{{`DELETE FROM cost_tagset_pairs WHERE org_id = ? AND tagset_id > ?`, dictsFrom[1]},
		{`DELETE FROM cost_tagsets WHERE org_id = ? AND id > ?`, dictsFrom[1]},
		{`DELETE FROM cost_dims WHERE org_id = ? AND id > ?`, dictsFrom[0]}} {
		if err == nil {
			_, err = cn.exec(ctx, q.sql, orgID, q.from)
		}
	}
	if err != nil {
		_ = tx.Rollback()
		return
	}
	_ = tx.Commit()
}

// Writer settings while imports run (the writer is one connection, so
// they hold for it): no automatic checkpoint, which would copy the WAL
// into the database and sync it every few commits (4 MB of WAL is a
// fraction of a second of import), a 128 MiB page cache, and statement
// journals in memory (a multi-row INSERT keeps the pages it changes in a
// statement journal, which otherwise spills to a temporary file: a write
// system call per page was a tenth of the writer's time). The first
// import sets them, the last restores SQLite's defaults and checkpoints
// what the imports wrote (checkpointAfterImports).
const (
	importCheckpoint, defaultCheckpoint = "PRAGMA wal_autocheckpoint = 0", "PRAGMA wal_autocheckpoint = 1000"
	importCache, defaultCache           = "PRAGMA cache_size = -131072", "PRAGMA cache_size = -2000"
	importTemp, defaultTemp             = "PRAGMA temp_store = MEMORY", "PRAGMA temp_store = DEFAULT"
)

func (db *DB) tuneForImports(ctx context.Context, delta int) error {
	db.importTune.Lock()
	defer db.importTune.Unlock()
	db.importing += delta
	var stmts []string
	switch {
	case delta > 0 && db.importing == 1:
		stmts = []string{importCheckpoint, importCache, importTemp}
	case delta < 0 && db.importing == 0:
		stmts = []string{defaultCheckpoint, defaultCache, defaultTemp}
		defer db.checkpointAfterImports()
	}
	for _, q := range stmts {
		if _, err := db.W.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// checkpointAfterImports copies what the imports wrote from the WAL
// into the database file, without waiting for readers (PASSIVE), on its
// own goroutine: the imports are committed and visible already, and the
// copy (about 0.4 s per million lines) need not hold up their callers.
// Another import starting meanwhile skips it (that one's end runs it);
// Close waits for it.
func (db *DB) checkpointAfterImports() {
	db.background.Add(1)
	go func() {
		defer db.background.Done()
		db.importTune.Lock()
		busy := db.importing > 0
		db.importTune.Unlock()
		if !busy {
			_, _ = db.W.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}()
}
