package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canopyhq/canopy/internal/domain"
)

// ErrDatabaseUnavailable is what a request that failed because the
// database could not be reached is answered with: 503 and Retry-After,
// as when the node sheds load, instead of a 500 that says nothing. The
// pool reconnects by itself once the database is back.
var ErrDatabaseUnavailable = domain.Errorf(domain.CodeUnavailable,
	"Canopy cannot reach its database right now (it may be restarting). Try again in a few seconds.")

// Unavailable reports whether err says the database could not be reached
// or went away under the request: PostgreSQL shutting down, restarting or
// not yet accepting connections, a refused, reset or broken connection to
// it. A failed call to any other server is not.
// Errors the database answered about the request itself (a constraint, a
// syntax error) and the request's own context ending are not. Callers ask
// it of errors they would otherwise answer with a 500.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin shutdown, crash shutdown, cannot connect now
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection exception
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true
	}
	// pgconn's own network errors ("failed to receive message", a closed
	// connection) say whether a retry is safe; having the method is what
	// marks them as about the connection.
	var network interface{ SafeToRetry() bool }
	if errors.As(err, &network) {
		return true
	}
	// Canopy's other network peers (clouds, identity providers, mail
	// servers) fail with their own errors: an HTTP call's *url.Error, a
	// dial's *net.OpError. pgx wraps its own in the types above.
	var call *url.Error
	var dial *net.OpError
	if errors.As(err, &call) || errors.As(err, &dial) {
		return false
	}
	// pgx hands a connection cut in the middle of an answer up as a bare
	// io.ErrUnexpectedEOF (and closes the connection, so the pool's next
	// use dials anew). Other readers of truncated input in Canopy (request
	// bodies, uploaded files) turn theirs into request errors first, so
	// among errors a request could not recover from, it is the database's.
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}
