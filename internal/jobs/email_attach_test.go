package jobs

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

// A chargeback statement travels sealed in the job and reaches the SMTP
// server byte for byte.
func TestEmailAttachmentSurvivesTheQueue(t *testing.T) {
	eachEngine(t, func(t *testing.T, tdb testDB) {
		srv, kv := mailtest.Start(t), testVault(t)
		r := startRunner(t, tdb, emailRegistry(t, srv, kv))
		pdf := append([]byte("%PDF-1.3\n"), bytes.Repeat([]byte{0, 0xff, '\r', '\n', '.'}, 4000)...)
		m := mail.Message{To: "owner@example.test", Subject: "Chargeback 2026-10", Text: "Attached.",
			Attachments: []mail.Attachment{{Name: "chargeback-2026-10-v1.pdf", ContentType: "application/pdf", Data: pdf}}}
		if err := EnqueueEmail(context.Background(), r, kv, m); err != nil {
			t.Fatal(err)
		}
		got := srv.WaitFor(t, "owner@example.test", 1, 30*time.Second)[0]
		if len(got.Attachments) != 1 || !bytes.Equal(got.Attachments[0].Data, pdf) || got.Attachments[0].Name != "chargeback-2026-10-v1.pdf" {
			t.Fatalf("attachments = %d", len(got.Attachments))
		}
	})
}
