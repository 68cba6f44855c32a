// Package csvsafe defuses CSV cells a spreadsheet would run as formulas
// (CSV injection): every export that writes text people typed or clouds
// sent goes through it.
package csvsafe

import "strings"

// Cell prefixes a cell starting with =, +, -, @, tab or carriage return
// with a quote, so a spreadsheet shows it as text.
func Cell(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}

// Row applies Cell to every cell, in place, and returns the row.
func Row(cells ...string) []string {
	for i, c := range cells {
		cells[i] = Cell(c)
	}
	return cells
}
