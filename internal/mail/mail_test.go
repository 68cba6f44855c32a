package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

func newSender(t *testing.T, srv *mailtest.Server) *mail.SMTPSender {
	t.Helper()
	host, port := srv.Addr()
	s, err := mail.NewSMTPSender(mail.Config{Host: host, Port: port, From: "Canopy <canopy@example.test>", TLS: mail.TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	return s
}

func TestSMTPSenderDeliversIntact(t *testing.T) {
	srv := mailtest.Start(t)
	link := "https://canopy.example.test/reset?token=a%2Fb%3D%3D&user=usr_x1&next=%2Fcosts%3Fview%3Dmonth"
	long := strings.Repeat("Ausgaben für Übersicht – ", 60) // > 998 bytes in one line
	text := "Grüße, Jürgen ✓\nReset your password: " + link + "\n.\n..dots stay\n" + long + "\n"
	html := `<p>Grüße ✓ <a href="` + link + `">reset</a></p>` + "\n<p>" + long + "</p>"
	msg := mail.Message{To: "alice@example.test", Subject: "Passwort zurücksetzen – Canopy ✓ " + strings.Repeat("lang ", 20), Text: text, HTML: html}
	if err := newSender(t, srv).Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, "alice@example.test", 1, 10*time.Second)[0]
	if got.Subject != msg.Subject {
		t.Errorf("subject = %q, want %q", got.Subject, msg.Subject)
	}
	if strings.TrimRight(got.Text, "\n") != strings.TrimRight(text, "\n") {
		t.Errorf("text mangled:\n got %q\nwant %q", got.Text, text)
	}
	if strings.TrimRight(got.HTML, "\n") != html {
		t.Errorf("html mangled:\n got %q\nwant %q", got.HTML, html)
	}
	if l := mailtest.FindLink(got.Text, "https://canopy.example.test/reset"); l != link {
		t.Errorf("FindLink = %q, want %q", l, link)
	}
	if got.From != "canopy@example.test" || len(got.To) != 1 || got.To[0] != "alice@example.test" {
		t.Errorf("envelope = %q -> %q", got.From, got.To)
	}
}

func TestSMTPSenderTemporaryFailureIsRetryable(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv)
	srv.FailNext(1)
	msg := mail.Message{To: "bob@example.test", Subject: "Hi", Text: "hello"}
	err := s.Send(context.Background(), msg)
	if err == nil {
		t.Fatal("Send succeeded although the server answered 451")
	}
	if mail.IsPermanent(err) {
		t.Fatalf("451 reported as permanent: %v", err)
	}
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	if n := len(srv.WaitFor(t, "bob@example.test", 1, 10*time.Second)); n != 1 {
		t.Fatalf("received %d messages, want 1", n)
	}
}

func TestInvalidMessageIsPermanent(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv)
	for _, m := range []mail.Message{
		{To: "not an address", Subject: "x", Text: "x"},
		{To: "a@example.test", Subject: "x\r\nBcc: evil@example.test", Text: "x"},
		{To: "a@example.test", Subject: "x"},
	} {
		if err := s.Send(context.Background(), m); !mail.IsPermanent(err) {
			t.Errorf("Send(%+v) = %v, want permanent error", m, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server received %d messages", n)
	}
}

func TestNewSMTPSenderRejectsBadConfig(t *testing.T) {
	for _, cfg := range []mail.Config{
		{Host: "", From: "a@example.test"},
		{Host: "127.0.0.1", From: "nope"},
		{Host: "127.0.0.1", From: "a@example.test", TLS: "ssl3"},
	} {
		if _, err := mail.NewSMTPSender(cfg); err == nil {
			t.Errorf("NewSMTPSender(%+v) accepted", cfg)
		}
	}
}

func TestLogSenderNeverLogsBody(t *testing.T) {
	var buf bytes.Buffer
	s := mail.NewLogSender(slog.New(slog.NewTextHandler(&buf, nil)))
	m := mail.Message{To: "carol@example.test", Subject: "Your invitation", Text: "secret link https://x/invite?t=SECRET", HTML: "<a>SECRET</a>"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "carol@example.test") || !strings.Contains(out, "Your invitation") {
		t.Fatalf("log lacks recipient or subject: %s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Fatalf("log contains the body: %s", out)
	}
}
