package connect

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// HelpPage is an in-product page for a step the customer takes in their
// own tenant or account, served at /help/{Slug} and linked from the
// doctor's Fix column. Code blocks hold values to copy (an IAM policy,
// a PowerShell line).
type HelpPage struct {
	Slug    string // lower-case letters, digits and dashes
	Title   string
	Summary string   // one paragraph under the title; optional
	Steps   []string // plain-text steps, in order
	Code    []HelpCode
}

// HelpCode is one block to copy.
type HelpCode struct {
	Label    string // what it is ("IAM policy (JSON)")
	Language string // e.g. "json", "powershell", "text"
	Text     string
}

var (
	helpMu    sync.RWMutex
	helpPages = map[string]HelpPage{}
	slugRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// RegisterHelp adds or replaces a help page. A malformed slug or a page
// without a title is a wiring bug and panics.
func RegisterHelp(p HelpPage) {
	if !slugRE.MatchString(p.Slug) || strings.TrimSpace(p.Title) == "" {
		panic("connect: help page needs a slug of [a-z0-9-] and a title: " + p.Slug)
	}
	helpMu.Lock()
	defer helpMu.Unlock()
	helpPages[p.Slug] = p
}

// Help returns the help page with slug.
func Help(slug string) (HelpPage, bool) {
	helpMu.RLock()
	defer helpMu.RUnlock()
	p, ok := helpPages[slug]
	return p, ok
}

// HelpPages returns every registered help page by title.
func HelpPages() []HelpPage {
	helpMu.RLock()
	defer helpMu.RUnlock()
	out := make([]HelpPage, 0, len(helpPages))
	for _, p := range helpPages {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b HelpPage) int { return strings.Compare(a.Title, b.Title) })
	return out
}
