package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

// argRows is a block of rows' values, one row after another.
type argRows struct {
	args []any
	n    int
}

// newSQLiteSink prepares insert(per) for batches of per rows of cols
// values (the daily rollup). It reaches the driver connection under
// database/sql (sql.Conn.Raw on the connection the transaction runs on),
// because going through database/sql copies every argument into a fresh
// []NamedValue per statement.
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
		return nil, fmt.Errorf("prepare insert: %w", err)
	}
	return st, nil
}

func (s *sqliteSink) write(ctx context.Context, b *argRows) error {
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
		return err
	}
	return nil
}

func (s *sqliteSink) close() {
	if s.full != nil {
		s.full.Close()
	}
}
