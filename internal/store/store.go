package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Queries holds every query method. A Store's Queries run on the pools; a
// Tx's Queries run inside one transaction, so the same method serves both.
type Queries struct {
	wr conn // writes, and reads that must see them
	rd conn // plain reads
}

func (q *Queries) w() conn { return q.wr }
func (q *Queries) r() conn { return q.rd }

// Store is the entry point: queries on the pools plus transactions.
type Store struct {
	Queries
	db *DB
}

// New returns a Store over db.
func New(db *DB) *Store {
	return &Store{
		Queries: Queries{wr: conn{q: db.W, engine: db.Engine}, rd: conn{q: db.R, engine: db.Engine}},
		db:      db,
	}
}

// DB returns the underlying database.
func (s *Store) DB() *DB { return s.db }

// Tx is the query set bound to one write transaction.
type Tx struct {
	Queries
	tx *sql.Tx
}

// SQLTx exposes the transaction so jobs can be enqueued atomically with it.
func (t *Tx) SQLTx() *sql.Tx { return t.tx }

// InTx runs fn in one write transaction, committing when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := s.db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	c := conn{q: sqlTx, engine: s.db.Engine}
	if err = fn(&Tx{Queries: Queries{wr: c, rd: c}, tx: sqlTx}); err != nil {
		return err
	}
	return sqlTx.Commit()
}
