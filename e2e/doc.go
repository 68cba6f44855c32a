// Package e2e holds Canopy's end-to-end tests. They build the real canopy
// binary, start it as child processes (on SQLite, or several nodes on one
// PostgreSQL database) and drive it through Debian's chromium with
// chromedp, or over plain HTTP, asserting on what a person sees.
//
// Browser tests skip when chromium is missing, except under CI (CI set),
// where a missing browser fails them. PostgreSQL tests need
// CANOPY_TEST_POSTGRES in the same way. Set CANOPY_E2E_SCREENSHOTS to a
// folder to keep the screenshots of every major page.
package e2e
