package domain

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Currency is an ISO 4217 alphabetic code, upper case.
type Currency string

// DefaultReportingCurrency is a new organisation's reporting currency.
const DefaultReportingCurrency Currency = "USD"

// CurrencyInfo describes a currency.
type CurrencyInfo struct {
	Code       Currency
	MinorUnits int // digits after the decimal point in everyday amounts
	Name       string
}

//go:embed iso4217.csv
var iso4217 string

var currencies = sync.OnceValue(func() map[Currency]CurrencyInfo {
	m := map[Currency]CurrencyInfo{}
	for _, line := range strings.Split(iso4217, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, ",", 3)
		digits, _ := strconv.Atoi(parts[1])
		m[Currency(parts[0])] = CurrencyInfo{Code: Currency(parts[0]), MinorUnits: digits, Name: parts[2]}
	}
	return m
})

// ParseCurrency validates a currency code (case-insensitive) against ISO
// 4217.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(s)))
	if _, ok := currencies()[c]; !ok {
		return "", &Error{Code: CodeInvalid, Field: "currency", Message: "\"" + s + "\" is not an ISO 4217 currency code (like USD, EUR or JPY)."}
	}
	return c, nil
}

// Info returns the currency's details; ok is false for unknown codes.
func (c Currency) Info() (CurrencyInfo, bool) {
	i, ok := currencies()[c]
	return i, ok
}

// Currencies lists the ISO 4217 currencies by code.
func Currencies() []CurrencyInfo {
	m := currencies()
	out := make([]CurrencyInfo, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b CurrencyInfo) int { return strings.Compare(string(a.Code), string(b.Code)) })
	return out
}
