//go:build !linux

package app

// maxRSS is not measured outside Linux (getrusage's unit differs); the
// benchmark prints 0.
func maxRSS() int64 { return 0 }
