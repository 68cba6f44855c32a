// Package mail sends Canopy's e-mail (invitations, password resets, alert
// notices). It is the only package that speaks SMTP; everything else hands
// it a Message through the Sender interface, normally via the email job in
// internal/jobs so that delivery is retried and survives restarts.
package mail

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/mail"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// Message is one e-mail to one recipient. Text is required; HTML is an
// optional alternative rendering of the same content.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	// Attachments are files sent with the message (at most
	// MaxAttachmentBytes together).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is one file attached to a message.
type Attachment struct {
	Name        string `json:"name"`         // the file name the recipient sees
	ContentType string `json:"content_type"` // e.g. application/pdf
	Data        []byte `json:"data"`
}

// MaxAttachmentBytes bounds a message's attachments together: relays
// commonly refuse messages over 10 MB, and base64 adds a third.
const MaxAttachmentBytes = 5 << 20

// Sender delivers messages. Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Validate reports whether m can be sent: a single valid recipient address,
// a subject without line breaks (which would allow header injection) and a
// text body.
func (m Message) Validate() error {
	if strings.TrimSpace(m.To) == "" {
		return domain.FieldError("to", "a recipient is required")
	}
	if _, err := mail.ParseAddress(m.To); err != nil || strings.ContainsAny(m.To, "\r\n") {
		return domain.FieldError("to", "%q is not a valid e-mail address", m.To)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return domain.FieldError("subject", "a subject is required")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return domain.FieldError("subject", "the subject must be a single line")
	}
	if m.Text == "" {
		return domain.FieldError("text", "a text body is required")
	}
	return validateAttachments(m.Attachments)
}

func validateAttachments(as []Attachment) error {
	size := 0
	for _, a := range as {
		if strings.TrimSpace(a.Name) == "" || strings.ContainsAny(a.Name, "\r\n/\\\"") {
			return domain.FieldError("attachments", "attachment name %q must be a plain file name", a.Name)
		}
		if _, _, err := mime.ParseMediaType(a.ContentType); err != nil {
			return domain.FieldError("attachments", "attachment %s has no valid content type", a.Name)
		}
		size += len(a.Data)
	}
	if size > MaxAttachmentBytes {
		return domain.FieldError("attachments", "the attachments take %d bytes; at most %d can be sent", size, MaxAttachmentBytes)
	}
	return nil
}

// PermanentError marks a delivery failure that retrying cannot fix: the
// message is invalid or the server rejected it with a 5xx reply.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent mail failure: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a failure that retrying cannot fix.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// LogSender is the Sender used when no SMTP host is configured: it records
// in the log that a message would have been sent, to whom and with which
// subject, and drops it. It never logs the body, because bodies carry
// secrets such as password-reset and invitation links; an operator who
// needs those mails must configure SMTP.
type LogSender struct {
	Logger *slog.Logger
}

// NewLogSender returns a LogSender writing to logger (slog.Default if nil).
func NewLogSender(logger *slog.Logger) *LogSender {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogSender{Logger: logger}
}

// Send validates m and logs its recipient and subject, never its body.
func (s *LogSender) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return &PermanentError{Err: err}
	}
	s.Logger.InfoContext(ctx, "mail not delivered: no SMTP host configured (body withheld from log)",
		"to", m.To, "subject", m.Subject)
	return nil
}
