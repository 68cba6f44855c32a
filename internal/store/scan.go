package store

import (
	"database/sql"
	"time"
)

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

// timePtr turns a nullable column into an optional UTC time.
func timePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// optTime stores an optional time as NULL or a UTC value.
func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// scanAll collects rows with one scan function.
func scanAll[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
