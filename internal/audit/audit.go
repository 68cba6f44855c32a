// Package audit keeps the append-only, hash-chained audit log: every
// security event and every change, with who, when, what and from where.
// Each entry's hash covers the previous entry's hash, so changing or
// deleting any stored entry breaks the chain and Verify finds it.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Actor is who did something and from where.
type Actor struct {
	UserID    string
	Email     string
	IP        string
	UserAgent string
}

// Entry is what a caller records.
type Entry struct {
	OrgID      string // "" for account-level events (sign-in, password, MFA)
	Action     string // e.g. "user.signin", "role.change", "token.create"
	TargetType string
	TargetID   string
	Details    map[string]any
}

// Appender is the part of the store that appends entries (a Store or a
// Tx, so an entry can commit atomically with the change it describes).
type Appender interface {
	AppendAudit(ctx context.Context, ev domain.AuditEvent, chain store.ChainFunc) (domain.AuditEvent, error)
}

// Record appends an entry.
func Record(ctx context.Context, a Appender, actor Actor, e Entry) error {
	details := "{}"
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("audit details: %w", err)
		}
		details = string(b)
	}
	ev := domain.AuditEvent{
		ID: domain.NewID(domain.PrefixAudit), OrgID: e.OrgID, At: domain.Now(),
		ActorID: actor.UserID, ActorEmail: actor.Email, Action: e.Action,
		TargetType: e.TargetType, TargetID: e.TargetID,
		IP: actor.IP, UserAgent: domain.Truncate(actor.UserAgent, 300), Details: details,
	}
	_, err := a.AppendAudit(ctx, ev, Hash)
	return err
}

// MustRecord records and logs (without failing the caller) when the
// entry cannot be written; used where the action already happened.
func MustRecord(ctx context.Context, a Appender, actor Actor, e Entry) {
	if err := Record(ctx, a, actor, e); err != nil {
		slog.ErrorContext(ctx, "audit: cannot record entry", "action", e.Action, "err", err)
	}
}

// Hash is the chain rule: SHA-256 over the previous hash and every field of
// the entry, each length-prefixed so no two entries encode alike.
func Hash(prevHash string, ev *domain.AuditEvent) string {
	h := sha256.New()
	for _, f := range []string{
		prevHash, strconv.FormatInt(ev.Seq, 10), ev.ID, ev.OrgID,
		ev.At.UTC().Format(time.RFC3339Nano), ev.ActorID, ev.ActorEmail, ev.Action,
		ev.TargetType, ev.TargetID, ev.IP, ev.UserAgent, ev.Details,
	} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is one break in the chain.
type Problem struct {
	Seq    int64
	Reason string
}

// Report is the result of Verify.
type Report struct {
	Entries  int64
	Problems []Problem
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify walks the whole chain and reports every entry that was changed,
// removed or inserted out of order, and a head that does not match.
func Verify(ctx context.Context, s *store.Store) (Report, error) {
	var rep Report
	prev, want := "", int64(1)
	err := s.ScanAudit(ctx, func(ev domain.AuditEvent) error {
		rep.Entries++
		if ev.Seq != want {
			rep.add(want, fmt.Sprintf("entries %d to %d are missing", want, ev.Seq-1))
		}
		if ev.PrevHash != prev {
			rep.add(ev.Seq, "previous-hash link does not match the entry before it")
		}
		if Hash(ev.PrevHash, &ev) != ev.Hash {
			rep.add(ev.Seq, "content does not match its hash (entry was changed)")
		}
		prev, want = ev.Hash, ev.Seq+1
		return nil
	})
	if err != nil {
		return rep, err
	}
	headSeq, headHash, err := s.AuditHead(ctx)
	if err != nil {
		return rep, err
	}
	if headSeq != want-1 || headHash != prev {
		rep.add(headSeq, fmt.Sprintf("chain head is entry %d but the last stored entry is %d (entries removed at the end?)", headSeq, want-1))
	}
	return rep, nil
}

func (r *Report) add(seq int64, reason string) {
	r.Problems = append(r.Problems, Problem{Seq: seq, Reason: reason})
}
