package mail_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

func TestSMTPSenderDeliversAttachmentsByteForByte(t *testing.T) {
	srv := mailtest.Start(t)
	data := []byte("%PDF-1.3\r\n\x00\x01\xff binary\r\n.\r\nend")
	msg := mail.Message{To: "owner@example.test", Subject: "Statement", Text: "Attached.",
		Attachments: []mail.Attachment{{Name: "chargeback-2026-10.pdf", ContentType: "application/pdf", Data: data}}}
	if err := newSender(t, srv).Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, "owner@example.test", 1, 10*time.Second)[0]
	if len(got.Attachments) != 1 {
		t.Fatalf("attachments = %d, want 1", len(got.Attachments))
	}
	a := got.Attachments[0]
	if a.Name != "chargeback-2026-10.pdf" || a.ContentType != "application/pdf" || !bytes.Equal(a.Data, data) {
		t.Errorf("attachment = %q %q %q", a.Name, a.ContentType, a.Data)
	}
	if got.Text != "Attached." {
		t.Errorf("text = %q", got.Text)
	}
}

func TestAttachmentsAreBounded(t *testing.T) {
	base := mail.Message{To: "owner@example.test", Subject: "S", Text: "T"}
	for name, as := range map[string][]mail.Attachment{
		"too big":   {{Name: "a.pdf", ContentType: "application/pdf", Data: make([]byte, mail.MaxAttachmentBytes+1)}},
		"path name": {{Name: "../a.pdf", ContentType: "application/pdf", Data: []byte("x")}},
		"no type":   {{Name: "a.pdf", Data: []byte("x")}},
	} {
		m := base
		m.Attachments = as
		if err := m.Validate(); domain.ErrorField(err) != "attachments" {
			t.Errorf("%s: Validate = %v, want an attachments error", name, err)
		}
	}
	base.Attachments = []mail.Attachment{{Name: "a.pdf", ContentType: "application/pdf", Data: make([]byte, mail.MaxAttachmentBytes)}}
	if err := base.Validate(); err != nil {
		t.Errorf("at the bound: %v", err)
	}
}
