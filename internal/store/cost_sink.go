package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// lineSink writes batches of encoded lines inside the import transaction.
// Both implementations reach the driver connection under database/sql
// (sql.Conn.Raw on the connection the transaction runs on), because going
// through database/sql copies every argument into a fresh []NamedValue per
// statement — 2 KB per line, the largest allocation of an import.
type lineSink interface {
	write(ctx context.Context, b *batch) error
	close()
}

// batchWriter writes a batch's new dictionary entries, then its lines.
type batchWriter struct {
	c      conn // the transaction
	sink   lineSink
	orgID  string
	stored int
}

func (w *batchWriter) write(ctx context.Context, b *batch) error {
	if err := writeDicts(ctx, w.c, w.orgID, b.dims, b.sets); err != nil {
		return err
	}
	if b.n == 0 {
		return nil
	}
	if err := w.sink.write(ctx, b); err != nil {
		return err
	}
	w.stored += b.n
	return nil
}

// newLineSink picks the engine's bulk path.
func newLineSink(ctx context.Context, sc *sql.Conn, engine Engine) (lineSink, error) {
	if engine == Postgres {
		return &copySink{sc: sc}, nil
	}
	return newSQLiteSink(ctx, sc, insertLinesSQL, sqliteBatch, lineCols)
}

// newSQLiteSink prepares insert(per) for batches of per rows of cols
// values (the lines, or the daily rollup).
func newSQLiteSink(ctx context.Context, sc *sql.Conn, insert func(rows int) string, per, cols int) (*sqliteSink, error) {
	s := &sqliteSink{sc: sc, nv: make([]driver.NamedValue, per*cols), insert: insert, per: per}
	for i := range s.nv {
		s.nv[i].Ordinal = i + 1
	}
	var err error
	s.full, err = s.prepare(ctx, per)
	return s, err
}

// sqliteSink runs one prepared multi-row INSERT per full batch, binding a
// reused argument slice.
type sqliteSink struct {
	sc     *sql.Conn
	full   driver.Stmt
	nv     []driver.NamedValue
	insert func(rows int) string
	per    int // rows of a full batch
}

func (s *sqliteSink) prepare(ctx context.Context, rows int) (driver.Stmt, error) {
	var st driver.Stmt
	err := s.sc.Raw(func(dc any) error {
		p, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("sqlite driver cannot prepare with a context")
		}
		var err error
		st, err = p.PrepareContext(ctx, s.insert(rows))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prepare line insert: %w", err)
	}
	return st, nil
}

func (s *sqliteSink) write(ctx context.Context, b *batch) error {
	st := s.full
	if b.n != s.per {
		var err error
		if st, err = s.prepare(ctx, b.n); err != nil {
			return err
		}
		defer st.Close()
	}
	nv := s.nv[:len(b.args)]
	for i, v := range b.args {
		nv[i].Value = v
	}
	err := s.sc.Raw(func(any) error {
		ex, ok := st.(driver.StmtExecContext)
		if !ok {
			return errors.New("sqlite statement cannot execute with a context")
		}
		_, err := ex.ExecContext(ctx, nv)
		return err
	})
	for i := range nv {
		nv[i].Value = nil // drop references to the batch's strings (Ordinal stays)
	}
	if err != nil {
		return fmt.Errorf("store lines: %w", err)
	}
	return nil
}

func (s *sqliteSink) close() {
	if s.full != nil {
		s.full.Close()
	}
}

// copySink COPYs each batch into cost_lines with pgx, on the connection
// (and so in the transaction) the import runs on.
type copySink struct {
	sc *sql.Conn
}

var lineColumns = func() []string {
	return append(append(append([]string{}, lineHead...), dimKinds[:]...), lineTail...)
}()

func (s *copySink) write(ctx context.Context, b *batch) error {
	err := s.sc.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres driver %T is not pgx", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"cost_lines"}, lineColumns,
			pgx.CopyFromSlice(b.n, func(i int) ([]any, error) { return b.args[i*lineCols : (i+1)*lineCols], nil }))
		return err
	})
	if err != nil {
		return fmt.Errorf("store lines: %w", err)
	}
	return nil
}

func (s *copySink) close() {}
