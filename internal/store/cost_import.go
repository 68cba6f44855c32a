package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store/costseg"
)

// PrefixCostImport prefixes cost import IDs.
const PrefixCostImport = "imp_"

// Costs is the SQL cost-fact store (SQLite or PostgreSQL).
type Costs struct {
	db          *DB
	rollupFlush int   // 0: rollupFlush; tests set a small figure to split keys across flushes
	detailLines int64 // 0: detailMinLines; tests force the detail rollup on (1) or off (huge)
	detailProbe int64 // 0: detailProbe; tests make imports give the detail rollup up early
	// unpartitioned writes as before migration 00029 (tests of it).
	unpartitioned bool
	// replica: queries read from DB.Replica (ReadCosts).
	replica bool
}

var _ costs.Store = (*Costs)(nil)

// Costs returns the cost-fact store over the same database.
func (s *Store) Costs() *Costs { return &Costs{db: s.db} }

// ReadCosts is the cost-fact store whose queries (explorer aggregates,
// value lists, line scans and exports) read from the read replica when
// one is configured (DB.Replica), else the same as Costs. Writes, the
// import history and import totals stay on the primary: pages that show
// what was just imported read their own writes.
func (s *Store) ReadCosts() *Costs { return &Costs{db: s.db, replica: s.db.Replica != nil} }

// Import implements costs.Store. The import's history row is written
// first, on its own, so that a failure (rolled back with everything the
// import wrote, or on SQLite deleted: see cost_import_sqlite.go) can still
// be recorded as failed with its error.
func (c *Costs) Import(ctx context.Context, orgID string, r *billing.Reader, meta costs.ImportMeta) (costs.ImportResult, error) {
	id, num, err := c.beginImport(ctx, orgID, r.Format(), meta)
	if err != nil {
		return costs.ImportResult{}, fmt.Errorf("import %s: %w", meta.FileName, err)
	}
	defer gcForImport()()
	var res costs.ImportResult
	var months map[int64]bool
	if c.db.Engine == SQLite {
		res, err = c.importCycled(ctx, orgID, num, r, meta)
	} else {
		res, months, err = c.importTx(ctx, orgID, num, r, meta)
	}
	if err != nil {
		c.failImport(context.WithoutCancel(ctx), id, err)
		return costs.ImportResult{}, fmt.Errorf("import %s: %w", meta.FileName, err)
	}
	res.ImportID = id
	c.analyze(ctx, months)
	return res, nil
}

// analyze refreshes PostgreSQL's statistics of the cost tables after an
// import: until autovacuum gets to them, a fresh import's rows are
// unknown to the planner, which then nests loops over tag pairs (seen:
// 0.4 s instead of 3 ms for a tag group-by over 4,000 lines). Only the
// partitions of the months the import wrote (months) are analysed, not
// every month's. Best effort and outside the import's transaction, so
// concurrent imports do not queue on it inside theirs.
func (c *Costs) analyze(ctx context.Context, months map[int64]bool) {
	if c.db.Engine != Postgres {
		return
	}
	tables := []string{"cost_tagset_pairs", "cost_dims"}
	for m := range months {
		sfx := partitionSuffix(m)
		for _, t := range monthTables {
			tables = append(tables, t+sfx)
		}
	}
	_, _ = c.writer().exec(ctx, `ANALYZE `+strings.Join(tables, ", "))
}

func (c *Costs) beginImport(ctx context.Context, orgID string, f billing.Format, meta costs.ImportMeta) (string, int64, error) {
	id, cn := domain.NewID(PrefixCostImport), c.writer()
	// PostgreSQL numbers imports with an identity column; SQLite's single
	// writer makes MAX+1 safe.
	numExpr := "(SELECT COALESCE(MAX(num), 0) + 1 FROM cost_imports), "
	if c.db.Engine == Postgres {
		numExpr = ""
	}
	cols := "id, " + map[bool]string{true: "num, ", false: ""}[numExpr != ""]
	var num int64
	err := cn.row(ctx, `INSERT INTO cost_imports (`+cols+`org_id, source_key, format, file_name, started_at, status, created_by)
		VALUES (?, `+numExpr+`?, ?, ?, ?, ?, ?, ?) RETURNING num`,
		id, orgID, meta.SourceKey, string(f), meta.FileName, domain.Now(), costs.StatusRunning, meta.CreatedBy).Scan(&num)
	return id, num, err
}

func (c *Costs) writer() conn { return conn{q: c.db.W, engine: c.db.Engine} }

func (c *Costs) failImport(ctx context.Context, id string, cause error) {
	// Best effort: the import already failed and its error is returned;
	// a row left "running" says the same less precisely.
	_, _ = c.writer().exec(ctx, `UPDATE cost_imports SET status = ?, error = ?, finished_at = ? WHERE id = ?`,
		costs.StatusFailed, cause.Error(), domain.Now(), id)
}

// importTx stores the lines in one transaction (PostgreSQL) and, on
// success, marks the import succeeded and replaces the earlier import of
// the same source.
func (c *Costs) importTx(ctx context.Context, orgID string, num int64, r *billing.Reader, meta costs.ImportMeta) (res costs.ImportResult, months map[int64]bool, err error) {
	// A dedicated connection, so the rollup's COPY can reach the driver
	// connection the transaction runs on (see writeRollup).
	sc, err := c.db.W.Conn(ctx)
	if err != nil {
		return res, nil, err
	}
	defer sc.Close()
	tx, err := sc.BeginTx(ctx, nil)
	if err != nil {
		return res, nil, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	cn := conn{q: tx, engine: c.db.Engine}
	if err = c.lockOrg(ctx, cn, orgID); err != nil {
		return res, nil, err
	}
	w := &segmentWriter{c: cn, sc: sc, orgID: orgID, num: num, unpartitioned: c.unpartitioned}
	sum, err := c.copyLines(ctx, w, cn, r, meta.Progress)
	if err != nil {
		return res, nil, err
	}
	if err = w.detailGivenUp(ctx, sum); err != nil {
		return res, nil, err
	}
	if res, err = c.finishImport(ctx, cn, orgID, num, r.Format(), sum, meta); err != nil {
		return res, nil, err
	}
	return res, w.months, tx.Commit()
}

// lockOrg serialises imports of one organisation (dictionary ids are
// allocated in Go) on PostgreSQL; SQLite uses importLock.
func (c *Costs) lockOrg(ctx context.Context, cn conn, orgID string) error {
	if c.db.Engine != Postgres {
		return nil
	}
	_, err := cn.exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('canopy-cost-import:' || ?, 0))`, orgID)
	return err
}

// copyLines reads every line (on a second goroutine) and writes the
// segments with w here; it returns the import's summary. dicts reads the
// organisation's dictionaries.
func (c *Costs) copyLines(ctx context.Context, w *segmentWriter, dicts conn, r *billing.Reader, progress func(int)) (*importSummary, error) {
	d, err := loadDicts(ctx, dicts, w.orgID)
	if err != nil {
		return nil, fmt.Errorf("load dictionaries: %w", err)
	}
	w.dictsFrom = [2]int64{d.nextDim, d.nextSet}
	encCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	enc := &encoder{d: d, free: make(chan *costseg.Block, 9), daily: newRollup(true), flush: cmp.Or(c.rollupFlush, rollupFlush),
		detail: detailState{minLines: cmp.Or(c.detailLines, detailMinLines), probe: cmp.Or(c.detailProbe, detailProbe)}}
	sum, batches, done := newImportSummary(), make(chan *batch, 8), make(chan error, 1)
	go func() {
		defer close(batches)
		done <- enc.run(encCtx, r, sum, batches)
	}()
	var werr error
	for b := range batches { // drained to the end, so the encoder has stopped when this returns
		if werr == nil {
			werr = w.writeBatch(ctx, b)
			if werr == nil && w.cycle != nil && len(batches) == 0 {
				werr = w.cycle.commit() // no batch waiting: do not hold the writer while the file is read
			}
			if werr != nil {
				cancel()
			} else if progress != nil {
				progress(w.stored)
			}
		}
		select {
		case enc.free <- b.blk:
		default:
		}
	}
	if err := <-done; werr == nil && err != nil {
		return nil, err
	}
	sum.detail, sum.dailyRows = enc.detail, w.dailyRows
	return sum, werr
}

// lineError adds the line number to a conversion error; database errors
// pass unchanged.
func lineError(line int, err error) error {
	var pe *billing.ParseError
	if errors.As(err, &pe) && pe.Line == 0 {
		pe.Line = line
	}
	return err
}
