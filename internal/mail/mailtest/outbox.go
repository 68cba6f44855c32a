package mailtest

import (
	"context"
	"errors"
	"sync"

	"github.com/canopyhq/canopy/internal/mail"
)

// Outbox is an in-memory mail.Sender for service and handler tests that
// need to read what was sent without an SMTP round trip. Invalid messages
// are refused as the real sender refuses them.
type Outbox struct {
	mu     sync.Mutex
	msgs   []mail.Message
	broken bool
}

// Send implements mail.Sender.
func (o *Outbox) Send(_ context.Context, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return &mail.PermanentError{Err: err}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken {
		return errors.New("mail queue unavailable")
	}
	o.msgs = append(o.msgs, m)
	return nil
}

// Fail makes Send fail (true) or work again (false).
func (o *Outbox) Fail(on bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.broken = on
}

// To returns the messages sent to an address, oldest first.
func (o *Outbox) To(addr string) []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []mail.Message
	for _, m := range o.msgs {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// Count returns how many messages were sent.
func (o *Outbox) Count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.msgs)
}
