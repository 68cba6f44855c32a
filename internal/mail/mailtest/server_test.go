package mailtest

import (
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

func dial(t *testing.T, s *Server) *textproto.Conn {
	t.Helper()
	host, port := s.Addr()
	c, err := textproto.Dial("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	expect(t, c, "", 220)
	return c
}

// expect sends cmd (unless empty) and checks the reply code.
func expect(t *testing.T, c *textproto.Conn, cmd string, code int) {
	t.Helper()
	if cmd != "" {
		if err := c.PrintfLine("%s", cmd); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.ReadResponse(code); err != nil {
		t.Fatalf("%q: %v", cmd, err)
	}
}

const rawMessage = "Subject: =?UTF-8?B?SMOkbGxv?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=XX\r\n\r\n" +
	"--XX\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"R3LDvMOfZQpodHRwczovL3gudGVzdC9hP2I9MQ==\r\n" +
	"--XX\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"<p>lon=\r\ng =3D line</p>\r\n" +
	"--XX--\r\n"

func TestProtocolAndDecoding(t *testing.T) {
	s := Start(t)
	c := dial(t, s)
	expect(t, c, "MAIL FROM:<a@x.test>", 503) // no EHLO yet
	expect(t, c, "EHLO client.test", 250)
	expect(t, c, "RCPT TO:<b@x.test>", 503) // no MAIL yet
	expect(t, c, "DATA", 503)
	expect(t, c, "MAIL FROM:<a@x.test> BODY=8BITMIME", 250)
	expect(t, c, "RCPT TO:<b@x.test>", 250)
	expect(t, c, "RSET", 250)
	expect(t, c, "DATA", 503) // RSET dropped the recipients
	expect(t, c, "NOOP", 250)
	expect(t, c, "MAIL FROM:<a@x.test>", 250)
	expect(t, c, "RCPT TO:<b@x.test>", 250)
	expect(t, c, "RCPT TO: <c@x.test>", 250)
	expect(t, c, "DATA", 354)
	w := c.DotWriter()
	fmt.Fprint(w, rawMessage+".starts with a dot\r\n")
	w.Close()
	expect(t, c, "", 250)
	expect(t, c, "QUIT", 221)

	got := s.WaitFor(t, "C@X.TEST", 1, 10*time.Second)[0]
	if got.From != "a@x.test" || strings.Join(got.To, ",") != "b@x.test,c@x.test" {
		t.Errorf("envelope = %q -> %q", got.From, got.To)
	}
	if got.Subject != "Hällo" {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.Text != "Grüße\nhttps://x.test/a?b=1" {
		t.Errorf("text = %q", got.Text)
	}
	if got.HTML != "<p>long = line</p>" {
		t.Errorf("html = %q", got.HTML)
	}
	if !strings.HasSuffix(string(got.Raw), "\r\n.starts with a dot\r\n") {
		t.Errorf("dot-stuffing not undone: %q", got.Raw)
	}
}

func TestFailNext(t *testing.T) {
	s := Start(t)
	c := dial(t, s)
	s.FailNext(2)
	expect(t, c, "HELO client.test", 250)
	for range 2 {
		expect(t, c, "MAIL FROM:<a@x.test>", 250)
		expect(t, c, "RCPT TO:<b@x.test>", 250)
		expect(t, c, "DATA", 451)
	}
	expect(t, c, "MAIL FROM:<a@x.test>", 250)
	expect(t, c, "RCPT TO:<b@x.test>", 250)
	expect(t, c, "DATA", 354)
	w := c.DotWriter()
	fmt.Fprint(w, "Subject: third\r\n\r\nbody\r\n")
	w.Close()
	expect(t, c, "", 250)
	if msgs := s.Messages(); len(msgs) != 1 || msgs[0].Subject != "third" || msgs[0].Text != "body\n" {
		t.Fatalf("messages = %+v", msgs)
	}
}

// recordingTB captures Fatalf so a test can check that WaitFor fails.
type recordingTB struct {
	testing.TB
	failed string
}

func (r *recordingTB) Helper()                        {}
func (r *recordingTB) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestWaitForFailsOnTimeout(t *testing.T) {
	s := Start(t)
	rec := &recordingTB{TB: t}
	if got := s.WaitFor(rec, "nobody@x.test", 1, 10*time.Millisecond); got != nil {
		t.Fatalf("WaitFor returned %v", got)
	}
	if !strings.Contains(rec.failed, "want 1 message(s) to nobody@x.test") {
		t.Fatalf("failure message = %q", rec.failed)
	}
}

func TestFindLink(t *testing.T) {
	cases := []struct{ text, prefix, want string }{
		{"Click https://c.test/reset?t=a%2F&u=1.\nThanks", "https://c.test/reset", "https://c.test/reset?t=a%2F&u=1"},
		{`<a href="https://c.test/x?y=1">`, "https://c.test/", "https://c.test/x?y=1"},
		{"(see https://c.test/i?t=z)", "https://c.test/i", "https://c.test/i?t=z"},
		{"no link here", "https://c.test/", ""},
	}
	for _, c := range cases {
		if got := FindLink(c.text, c.prefix); got != c.want {
			t.Errorf("FindLink(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
