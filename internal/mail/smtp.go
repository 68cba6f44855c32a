package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes for Config.TLS.
const (
	TLSNone     = "none"     // plain SMTP; only for loopback relays and tests
	TLSStartTLS = "starttls" // STARTTLS is required (default)
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, port 465)
)

// DefaultTimeout bounds a whole SMTP conversation when Config.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// Config describes an SMTP relay. Port 0 picks the usual port for the TLS
// mode (25, 587 or 465). Username empty means no authentication.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      string // TLSNone, TLSStartTLS (default when empty) or TLSImplicit
	Timeout  time.Duration
}

// SMTPSender delivers messages to an SMTP relay with go-mail. It opens one
// connection per message, which suits Canopy's low volume and keeps no
// idle connection a relay might drop. It is safe for concurrent use.
type SMTPSender struct {
	client *gomail.Client
	from   string
}

// NewSMTPSender validates cfg and returns a sender for it. It does not
// connect; connection problems surface on Send.
func NewSMTPSender(cfg Config) (*SMTPSender, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: SMTP host is required")
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: invalid from address %q: %w", cfg.From, err)
	}
	opts, err := clientOptions(cfg)
	if err != nil {
		return nil, err
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: configure SMTP client: %w", err)
	}
	return &SMTPSender{client: client, from: cfg.From}, nil
}

func clientOptions(cfg Config) ([]gomail.Option, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts := []gomail.Option{gomail.WithTimeout(timeout)}
	port := cfg.Port
	switch cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		port = defaultPort(port, gomail.DefaultPort)
	case TLSStartTLS, "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		port = defaultPort(port, gomail.DefaultPortTLS)
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
		port = defaultPort(port, gomail.DefaultPortSSL)
	default:
		return nil, fmt.Errorf("mail: TLS mode must be %q, %q or %q, got %q", TLSNone, TLSStartTLS, TLSImplicit, cfg.TLS)
	}
	opts = append(opts, gomail.WithPort(port))
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	return opts, nil
}

func defaultPort(port, fallback int) int {
	if port == 0 {
		return fallback
	}
	return port
}

// Send delivers m. Errors that retrying cannot fix are *PermanentError.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return &PermanentError{Err: err}
	}
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		var sendErr *gomail.SendError
		if errors.As(err, &sendErr) && sendErr.ErrorCode() >= 500 && sendErr.ErrorCode() < 600 {
			return &PermanentError{Err: fmt.Errorf("mail to %s: %w", m.To, err)}
		}
		return fmt.Errorf("mail to %s: %w", m.To, err)
	}
	return nil
}

func (s *SMTPSender) build(m Message) (*gomail.Msg, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
	}
	return msg, nil
}
