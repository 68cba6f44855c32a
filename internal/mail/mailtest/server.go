// Package mailtest is a real SMTP server for tests: it listens on
// 127.0.0.1, speaks enough SMTP for any ordinary client (EHLO/HELO, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT; no AUTH, no TLS) and keeps every message it
// receives, decoded, so a test can read the text an end user would see.
package mailtest

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Received is one message as the server got it. From and To are the SMTP
// envelope; Subject, Text and HTML are decoded (MIME words, quoted-printable,
// base64) with CRLF line endings turned into LF. Raw is the DATA payload
// after dot-unstuffing.
type Received struct {
	From    string
	To      []string
	Subject string
	Text    string
	HTML    string
	// Attachments are the parts sent as attachments, decoded.
	Attachments []Attachment
	Raw         []byte
}

// Attachment is one attached file as received.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Server is an in-process SMTP server. Use Start to get one.
type Server struct {
	ln net.Listener

	mu       sync.Mutex
	msgs     []Received
	failNext int
	arrived  chan struct{} // closed and replaced whenever a message arrives
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// Start runs a server on 127.0.0.1 on a free port and stops it when the
// test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{ln: ln, arrived: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.acceptLoop()
	t.Cleanup(s.Close)
	return s
}

// Addr returns the host and port to point an SMTP client at.
func (s *Server) Addr() (host string, port int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// Close stops the server and drops open connections. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

// FailNext makes the next n DATA commands answer 451 (a temporary failure)
// so tests can exercise retries.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// takeFailure reports whether the current DATA command must fail.
func (s *Server) takeFailure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return true
	}
	return false
}

// Messages returns a copy of all messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

func (s *Server) store(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// WaitFor waits until at least n messages addressed to `to` (envelope
// recipient, case-insensitive) have arrived and returns all messages to that
// recipient. It fails the test if they do not arrive within timeout.
func (s *Server) WaitFor(t testing.TB, to string, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := s.messagesTo(to), s.arrived
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("mailtest: want %d message(s) to %s within %v, got %d; all received: %s",
				n, to, timeout, len(got), s.summary())
			return nil
		}
	}
}

// messagesTo must be called with s.mu held.
func (s *Server) messagesTo(to string) []Received {
	var out []Received
	for _, m := range s.msgs {
		for _, rcpt := range m.To {
			if strings.EqualFold(rcpt, to) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// summary lists recipients and subjects (not bodies) for failure messages.
func (s *Server) summary() string {
	var b strings.Builder
	for i, m := range s.Messages() {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.Join(m.To, ",") + " " + `"` + m.Subject + `"`)
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // listener closed
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			newSession(s, c).serve()
		}()
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	c.Close()
}
