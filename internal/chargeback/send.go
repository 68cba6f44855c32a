package chargeback

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/mail"
)

// Sent says who got a version's statements and which units have no owner
// to send to.
type Sent struct {
	Month   string     `json:"month"`
	Version int        `json:"version"`
	Sent    []SentUnit `json:"sent"`
	Skipped []SentUnit `json:"skipped"`
}

// SentUnit is one business unit's delivery.
type SentUnit struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	To     []string `json:"to,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

// Send e-mails each business unit's owners its statement (the PDF of
// their unit, attached) through the mail queue.
func (s *Service) Send(ctx context.Context, p *auth.Principal, who audit.Actor, month time.Time, version int) (Sent, error) {
	if err := p.Require(auth.PermChargebacksWrite); err != nil {
		return Sent{}, err
	}
	if s.Mail == nil {
		return Sent{}, domain.Errorf(domain.CodeInvalid, "e-mail is not set up on this server")
	}
	d, err := s.Get(ctx, p, month, version)
	if err != nil {
		return Sent{}, err
	}
	out := Sent{Month: d.Month, Version: d.Version.Version, Sent: []SentUnit{}, Skipped: []SentUnit{}}
	for _, u := range d.Charged {
		if len(u.Owners) == 0 {
			out.Skipped = append(out.Skipped, SentUnit{ID: u.ID, Name: u.Name, Reason: "The business unit has no owner; add one under Allocation → Groups."})
			continue
		}
		pdf, err := PDFBytes(d, u.ID)
		if err != nil {
			return out, err
		}
		for _, to := range u.Owners {
			if err := s.Mail.Send(ctx, s.message(d, u, to, pdf)); err != nil {
				return out, fmt.Errorf("send to %s: %w", to, err)
			}
		}
		out.Sent = append(out.Sent, SentUnit{ID: u.ID, Name: u.Name, To: u.Owners})
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "chargeback.send", TargetType: "chargeback",
		TargetID: d.Month + "/v" + fmt.Sprint(d.Version.Version), Details: map[string]any{"sent": len(out.Sent), "skipped": len(out.Skipped)}})
	return out, nil
}

func (s *Service) message(d Detail, u Unit, to string, pdf []byte) mail.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nthe %s chargeback of %s for %s (version %d) is %s %s.\n\n", monthName(d.Month), d.OrgName,
		u.Name, d.Version.Version, domain.FormatMoney(u.Total, d.Currency), d.Currency)
	fmt.Fprintf(&b, "Allocated cost: %s\nExtra charges: %s\n\nStatus: %s\n", domain.FormatMoney(u.Allocated, d.Currency), domain.FormatMoney(u.Extra, d.Currency), d.StatusText())
	if s.BaseURL != "" {
		fmt.Fprintf(&b, "\nSee it in Canopy: %s/chargebacks/%s/versions/%d\n", strings.TrimRight(s.BaseURL, "/"), d.Month, d.Version.Version)
	}
	b.WriteString("\nThe statement is attached as a PDF.\n")
	return mail.Message{To: to, Subject: fmt.Sprintf("Chargeback %s for %s: %s %s", d.Month, u.Name, domain.FormatMoney(u.Total, d.Currency), d.Currency),
		Text: b.String(), Attachments: []mail.Attachment{{Name: fmt.Sprintf("chargeback-%s-v%d.pdf", d.Month, d.Version.Version),
			ContentType: "application/pdf", Data: pdf}}}
}
