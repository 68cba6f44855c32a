// Package fx holds exchange rates: importing them (ECB reference-rate CSV
// or a plain date,base,quote,rate CSV), correcting them with history, and
// converting amounts with the rate of their day. A missing rate is an
// error the caller reports with the affected amount, never 0 or 1.
package fx

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

// MaxRates bounds one file (about 70 years of ECB history for 40 pairs).
const MaxRates = 1_000_000

// ParseRates reads an ECB reference-rate CSV ("Date,USD,JPY,..." with EUR
// as the base; daily or history file; "N/A" cells skipped) or a plain CSV
// with the columns date,base,quote,rate. Errors name line and column.
func ParseRates(r io.Reader, source string) ([]domain.FXRate, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: %s", readProblem(err))
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	if isPlain(header) {
		return parsePlain(cr, source)
	}
	if len(header) < 2 || !strings.EqualFold(header[0], "date") {
		return nil, errors.New("line 1: expected an ECB header (Date,USD,JPY,...) or date,base,quote,rate")
	}
	return parseECB(cr, header, source)
}

func readProblem(err error) string {
	if err == io.EOF {
		return "the file is empty"
	}
	return err.Error()
}

func isPlain(h []string) bool {
	return len(h) == 4 && strings.EqualFold(h[0], "date") && strings.EqualFold(h[1], "base") &&
		strings.EqualFold(h[2], "quote") && strings.EqualFold(h[3], "rate")
}

func parseECB(cr *csv.Reader, header []string, source string) ([]domain.FXRate, error) {
	quotes := make([]domain.Currency, len(header))
	for i, h := range header[1:] {
		if h == "" {
			continue // ECB files end each line with a comma
		}
		if _, err := domain.ParseCurrency(h); err != nil && !historicCode(h) {
			return nil, fmt.Errorf("line 1, column %d: %q is not a currency code", i+2, h)
		}
		q := domain.Currency(strings.ToUpper(h))
		if q == "EUR" {
			// EUR is the base of every ECB rate; an EUR column would store EUR/EUR.
			return nil, fmt.Errorf("line 1, column %d: EUR is the base of an ECB file, not a quote", i+2)
		}
		quotes[i+1] = q
	}
	var out []domain.FXRate
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if out, err = appendECBRow(out, rec, quotes, line, source); err != nil {
			return nil, err
		}
	}
}

func appendECBRow(out []domain.FXRate, rec []string, quotes []domain.Currency, line int, source string) ([]domain.FXRate, error) {
	if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
		return out, nil
	}
	day, err := parseDay(rec[0])
	if err != nil {
		return nil, fmt.Errorf("line %d, column Date: %q is not a date from 1900 to 2999", line, rec[0])
	}
	for i := 1; i < len(rec) && i < len(quotes); i++ {
		v := strings.TrimSpace(rec[i])
		if quotes[i] == "" || v == "" || v == "N/A" {
			continue
		}
		val, err := parseRate(v)
		if err != nil {
			return nil, fmt.Errorf("line %d, column %s: %v", line, quotes[i], err)
		}
		out = append(out, domain.FXRate{Day: day, Base: "EUR", Quote: quotes[i], Value: val, Source: source})
		if len(out) > MaxRates {
			return nil, fmt.Errorf("line %d: more than %d rates in one file", line, MaxRates)
		}
	}
	return out, nil
}

func parsePlain(cr *csv.Reader, source string) ([]domain.FXRate, error) {
	var out []domain.FXRate
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if len(rec) != 4 {
			return nil, fmt.Errorf("line %d: has %d fields, want date,base,quote,rate", line, len(rec))
		}
		r, err := plainRate(rec, line, source)
		if err != nil {
			return nil, err
		}
		if out = append(out, r); len(out) > MaxRates {
			return nil, fmt.Errorf("line %d: more than %d rates in one file", line, MaxRates)
		}
	}
}

func plainRate(rec []string, line int, source string) (domain.FXRate, error) {
	r := domain.FXRate{Source: source}
	var err error
	if r.Day, err = parseDay(rec[0]); err != nil {
		return r, fmt.Errorf("line %d, column date: %q is not a date from 1900 to 2999 (use YYYY-MM-DD)", line, rec[0])
	}
	if r.Base, err = domain.ParseCurrency(rec[1]); err != nil {
		return r, fmt.Errorf("line %d, column base: %s", line, domain.ErrorMessage(err))
	}
	if r.Quote, err = domain.ParseCurrency(rec[2]); err != nil {
		return r, fmt.Errorf("line %d, column quote: %s", line, domain.ErrorMessage(err))
	}
	if r.Base == r.Quote {
		return r, fmt.Errorf("line %d: base and quote are both %s", line, r.Base)
	}
	if r.Value, err = parseRate(rec[3]); err != nil {
		return r, fmt.Errorf("line %d, column rate: %v", line, err)
	}
	return r, nil
}

// parseRate accepts a positive exact decimal.
func parseRate(s string) (*apd.Decimal, error) {
	d, _, err := apd.NewFromString(strings.TrimSpace(s))
	if err != nil || d.Form != apd.Finite || d.Sign() <= 0 {
		return nil, fmt.Errorf("%q is not a positive number", s)
	}
	return d, nil
}

// parseDay reads "2006-01-02" or the ECB daily file's "2 January 2006",
// from 1900 to 2999 (a year 1 rate would read as Go's zero time).
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02", "2 January 2006", "02 January 2006"} {
		if t, err := time.Parse(l, s); err == nil && t.Year() >= 1900 && t.Year() <= 2999 {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a date")
}

// historicCode accepts the withdrawn currencies the ECB history file still
// lists (CYP, EEK, LTL, ...): three capital letters.
func historicCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
