package chargeback_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/pdftext"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// PDFText is a PDF's text without white space.
func PDFText(t *testing.T, b []byte) string {
	t.Helper()
	text, err := pdftext.Text(b)
	if err != nil {
		t.Fatalf("read the PDF: %v", err)
	}
	return text
}

func statement(t *testing.T, db *store.DB) (*fixture, chargeback.Detail) {
	f := newFixture(t, db, "EUR")
	f.load(t, cost{"1234.5", "EUR", 3, "Compute", "Virtual Machines", "web"}, cost{"40", "EUR", 4, "Databases", "SQL", "data"})
	f.extra(t, chargeback.ExtraInput{Unit: f.platform.ID, Kind: chargeback.KindFixedFee, Description: "Platform team", Amount: "100", Currency: "EUR", From: "2026-10"})
	return f, f.generate(t)
}

func TestPDFStatementReadsBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		_, d := statement(t, db)
		b, err := chargeback.PDFBytes(d)
		if err != nil {
			t.Fatal(err)
		}
		text := PDFText(t, b)
		for _, want := range []string{"Chargeback2026-10", d.OrgName, "Version1", "Provisional:PartnerCenterreconciliationforOctober2026",
			"Platform", "Compute/VirtualMachines", "1,234.50", "Fixedfee:Platformteam", "100.00", "TotalPlatform", "1,334.50",
			"Data", "40.00", "Totalchargedtobusinessunits", "1,374.50"} {
			if !strings.Contains(text, strings.ReplaceAll(want, " ", "")) {
				t.Errorf("PDF lacks %q in %q", want, text)
			}
		}
		b, err = chargeback.PDFBytes(d, unit(t, d, "Data").ID)
		if err != nil {
			t.Fatal(err)
		}
		if text := PDFText(t, b); strings.Contains(text, "Platform") || !strings.Contains(text, "Data") {
			t.Errorf("one unit's PDF = %q", text)
		}
	})
}

func TestCSVExport(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		_, d := statement(t, db)
		var b bytes.Buffer
		if err := chargeback.CSV(&b, d); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, 0, len(rows))
		for _, r := range rows[1:] {
			got = append(got, strings.Join([]string{r[5], r[6], r[8], r[10], r[11]}, "|"))
		}
		want := []string{"Data|cost|SQL|40.00|40", "Data|total||40.00|40", "Platform|cost|Virtual Machines|1234.50|1234.5",
			"Platform|fixed_fee||100.00|100", "Platform|total||1334.50|1334.5"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if rows[0][0] != "month" || rows[1][0] != "2026-10" || rows[1][3] != "EUR" {
			t.Errorf("header/first row = %v %v", rows[0], rows[1])
		}
	})
}

func TestSendEmailsOwnersTheirStatementOverSMTP(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f, d := statement(t, db)
		srv := mailtest.Start(t)
		host, port := srv.Addr()
		sender, err := mail.NewSMTPSender(mail.Config{Host: host, Port: port, From: "canopy@example.test", TLS: mail.TLSNone, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		f.svc.Mail = sender
		sent, err := f.svc.Send(context.Background(), f.p, f.who, october, d.Version.Version)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent.Sent) != 1 || sent.Sent[0].Name != "Platform" || len(sent.Skipped) != 1 || sent.Skipped[0].Name != "Data" {
			t.Fatalf("sent = %+v", sent)
		}
		got := srv.WaitFor(t, f.owner.Email, 1, 10*time.Second)[0]
		if !strings.Contains(got.Subject, "Chargeback 2026-10 for Platform: 1,334.50 EUR") || !strings.Contains(got.Text, "https://canopy.example.test/chargebacks/2026-10/versions/1") {
			t.Errorf("mail = %q\n%s", got.Subject, got.Text)
		}
		if len(got.Attachments) != 1 || got.Attachments[0].Name != "chargeback-2026-10-v1.pdf" {
			t.Fatalf("attachments = %+v", got.Attachments)
		}
		if text := PDFText(t, got.Attachments[0].Data); !strings.Contains(text, "Platform") || !strings.Contains(text, "1,334.50") {
			t.Errorf("attached PDF = %q", text)
		}
	})
}
