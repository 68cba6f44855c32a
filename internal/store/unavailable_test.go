package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestUnavailableClassifies(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("boom"), false},
		{context.Canceled, false},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), false},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, true},
		{fmt.Errorf("list budgets: %w", &pgconn.PgError{Code: "08006"}), true},
		{&pgconn.PgError{Code: "23505", Message: "duplicate key"}, false},
		{&pgconn.PgError{Code: "42601", Message: "syntax error"}, false},
		{fmt.Errorf("x: %w", driver.ErrBadConn), true},
		{sql.ErrConnDone, true},
		{fmt.Errorf("list budgets: %w", io.ErrUnexpectedEOF), true},
		// Other servers' failures are theirs, not the database's.
		{&url.Error{Op: "Get", URL: "https://login.example.com/", Err: io.ErrUnexpectedEOF}, false},
		{&url.Error{Op: "Post", URL: "https://management.example.com/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, false},
		{fmt.Errorf("send mail: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNRESET}), false},
	} {
		if got := store.Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// Real failures from a PostgreSQL server: a connection the server ends,
// and a server that cannot be reached (cut by a proxy), are
// "unavailable"; errors about the statement are not; the pool recovers.
func TestUnavailableOnPostgres(t *testing.T) {
	db, proxy := storetest.OpenPostgresBehindProxy(t)
	ctx := context.Background()
	conn, err := db.W.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
	conn.Close()
	if !store.Unavailable(err) {
		t.Errorf("a terminated backend: %v (%T), want unavailable", err, err)
	}
	_, err = db.W.ExecContext(ctx, "SELEC 1")
	if err == nil || store.Unavailable(err) {
		t.Errorf("a syntax error: %v, want an error that is not unavailable", err)
	}
	proxy.Cut()
	var one int
	err = db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	if !store.Unavailable(err) {
		t.Errorf("an unreachable server: %v (%T), want unavailable", err, err)
	}
	proxy.Restore()
	if err := db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}
