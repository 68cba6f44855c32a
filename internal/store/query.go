package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs ?-placeholder queries on either engine.
type conn struct {
	q      querier
	engine Engine
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, rebind(c.engine, query), args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, rebind(c.engine, query), args...)
}

func (c conn) row(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, rebind(c.engine, query), args...)
}

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL. Queries in
// this package never put a literal ? inside a string.
func rebind(e Engine, q string) string {
	if e != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// notFound maps sql.ErrNoRows to a domain not-found error naming the kind.
func notFound(err error, kind string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &domain.Error{Code: domain.CodeNotFound, Message: kind + " not found"}
	}
	return err
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// mustAffect turns "no row changed" into a not-found error.
func mustAffect(res sql.Result, err error, kind string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return &domain.Error{Code: domain.CodeNotFound, Message: kind + " not found"}
	}
	return nil
}
