// Package sbx holds what every service of the sandbox cloud shares: a
// loopback TLS certificate authority (the Azure SDK refuses bearer tokens
// over plain HTTP), RS256 access tokens, a clock that tests can move, fault
// injection and request counting.
//
// The services themselves (Entra ID, ARM, Cost Management, AWS, Graph,
// Partner Center) live in sibling packages; package sandbox starts them all.
package sbx
