package main

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// costColumns are the FOCUS amounts; the decimal variants read them as
// DECIMAL because the generator writes up to 10 decimals and Canopy keeps
// them exact, so DOUBLE would not be a like-for-like comparison.
var costColumns = []string{"BilledCost", "EffectiveCost", "ListCost", "ContractedCost"}

// decimalTypes maps each variant to the type its amounts are read as ("" =
// auto-detected). DECIMAL(38,10) holds any amount; DECIMAL(18,10) is
// DuckDB's 64-bit decimal, faster to parse but limited to amounts below
// 10^8, which a large invoice line can exceed.
var decimalTypes = map[string]string{"auto": "", "decimal": "DECIMAL(38,10)", "decimal18": "DECIMAL(18,10)"}

// runVariant loads the file one way into a fresh in-memory database and
// prints the load, query and per-currency figures.
func runVariant(o options) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	// One connection, so the session settings below apply to every query.
	db.SetMaxOpenConns(1)
	if err := setup(db, o.threads); err != nil {
		return err
	}
	if err := load(db, o); err != nil {
		return err
	}
	if err := queries(db, o); err != nil {
		return err
	}
	totals, err := currencyTotals(db)
	if err != nil {
		return err
	}
	fmt.Println(strings.Join(totals, "\n"))
	fmt.Printf("peak RSS (load and queries): %s\n", peakRSS())
	return nil
}

func setup(db *sql.DB, threads int) error {
	// Charge periods are TIMESTAMPTZ; days must be cut in UTC, as Canopy does.
	stmts := []string{fmt.Sprintf("SET threads = %d", threads), "SET TimeZone = 'UTC'"}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	var version, source string
	err := db.QueryRow("SELECT library_version, source_id FROM pragma_version()").Scan(&version, &source)
	if err != nil {
		return err
	}
	fmt.Printf("\n== DuckDB %s (source %s), %d threads\n", version, source, threads)
	return nil
}

// loadSQL builds the CREATE TABLE statement for a variant. The path is the
// user's own file, but it is still quoted so that a quote in it cannot
// break the statement.
func loadSQL(variant, file string) (string, error) {
	path := "'" + strings.ReplaceAll(file, "'", "''") + "'"
	typ, ok := decimalTypes[variant]
	switch {
	case !ok:
		return "", fmt.Errorf("unknown variant %q (want auto, decimal or decimal18)", variant)
	case typ == "":
		return "CREATE TABLE focus AS SELECT * FROM read_csv_auto(" + path + ")", nil
	}
	types := make([]string, len(costColumns))
	for i, c := range costColumns {
		types[i] = fmt.Sprintf("'%s': '%s'", c, typ)
	}
	return "CREATE TABLE focus AS SELECT * FROM read_csv(" + path +
		", types = {" + strings.Join(types, ", ") + "})", nil
}

func load(db *sql.DB, o options) error {
	stmt, err := loadSQL(o.variant, o.file)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s\n", o.variant, stmt)
	start, cpu0 := time.Now(), cpuTime()
	if _, err := db.Exec(stmt); err != nil {
		return err
	}
	wall, cpu := time.Since(start), cpuTime()-cpu0
	var lines int64
	if err := db.QueryRow("SELECT count(*) FROM focus").Scan(&lines); err != nil {
		return err
	}
	fmt.Printf("load:  %d lines, %.2f s, %.0f lines/s (%.0f lines per CPU-second), peak RSS %s\n",
		lines, wall.Seconds(), float64(lines)/wall.Seconds(), float64(lines)/cpu.Seconds(), peakRSS())
	return printCostTypes(db)
}

func printCostTypes(db *sql.DB) error {
	rows, err := db.Query(`SELECT column_name, data_type FROM information_schema.columns
		WHERE table_name = 'focus' AND column_name IN ('BilledCost', 'ChargePeriodStart')
		ORDER BY column_name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var types []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return err
		}
		types = append(types, name+" "+typ)
	}
	fmt.Printf("types: %s\n", strings.Join(types, ", "))
	return rows.Err()
}

// queries times the explorer's default view, BilledCost by service and day,
// over one month and over the whole table.
func queries(db *sql.DB, o options) error {
	month := o.month
	if month == "" {
		err := db.QueryRow("SELECT strftime(min(ChargePeriodStart), '%Y-%m') FROM focus").Scan(&month)
		if err != nil {
			return err
		}
	}
	from, err := time.Parse("2006-01", month)
	if err != nil {
		return fmt.Errorf("month %q: %w", month, err)
	}
	const ts = "2006-01-02 15:04:05+00"
	where := fmt.Sprintf("WHERE ChargePeriodStart >= TIMESTAMPTZ '%s' AND ChargePeriodStart < TIMESTAMPTZ '%s'",
		from.Format(ts), from.AddDate(0, 1, 0).Format(ts))
	if err := timeGroupBy(db, "month "+month, where, o.runs); err != nil {
		return err
	}
	return timeGroupBy(db, "whole file", "", o.runs)
}

func timeGroupBy(db *sql.DB, label, where string, runs int) error {
	q := `SELECT ServiceName, date_trunc('day', ChargePeriodStart) AS day, sum(BilledCost) AS billed
		FROM focus ` + where + ` GROUP BY ALL`
	var lines int64
	if err := db.QueryRow("SELECT count(*) FROM focus " + where).Scan(&lines); err != nil {
		return err
	}
	times := make([]time.Duration, runs)
	var groups int
	for i := range times {
		start := time.Now()
		n, err := drain(db, q)
		if err != nil {
			return err
		}
		times[i], groups = time.Since(start), n
	}
	all := make([]string, runs)
	for i, t := range times {
		all[i] = fmt.Sprintf("%.1f", ms(t))
	}
	fmt.Printf("group by service, day — %s (%d lines, %d groups): best %.1f ms of %d (runs: %s ms)\n",
		label, lines, groups, ms(slices.Min(times)), runs, strings.Join(all, " "))
	return nil
}

// drain runs q and reads every row, so the timing includes handing the
// result to the caller as the explorer would have to.
func drain(db *sql.DB, q string) (int, error) {
	rows, err := db.Query(q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var service sql.NullString
		var day time.Time
		var billed any
		if err := rows.Scan(&service, &day, &billed); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// currencyTotals returns SUM(BilledCost) per billing currency in the same
// shape as `canopy bench gen-focus` prints it, so the two can be compared
// line by line: the decimal variant must match it exactly, the DOUBLE one
// shows its rounding.
func currencyTotals(db *sql.DB) ([]string, error) {
	rows, err := db.Query(`SELECT BillingCurrency, count(*), sum(BilledCost)::VARCHAR
		FROM focus GROUP BY ALL ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var currency, total sql.NullString
		var lines int64
		if err := rows.Scan(&currency, &lines, &total); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("BilledCost %s: %s (%d lines)", currency.String, total.String, lines))
	}
	return out, rows.Err()
}
