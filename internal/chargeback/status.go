package chargeback

import (
	"context"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/partnercenter"
)

// CompleteOn is the day Partner Center's reconciliation of month is
// complete: the IssueDay of the next month (UTC midnight).
func CompleteOn(month time.Time) time.Time {
	return month.AddDate(0, 1, partnercenter.IssueDay-1)
}

// status says whether a chargeback of month generated at now is final,
// and if not why, in words: before the reconciliation is complete, or
// while an enabled Partner Center connection has not imported the
// month's invoice.
func (s *Service) status(ctx context.Context, orgID string, month, now time.Time) (string, string, error) {
	done := CompleteOn(month)
	if now.Before(done) {
		return Provisional, fmt.Sprintf("Partner Center reconciliation for %s is complete on %s; regenerate after that date for a final chargeback.",
			month.Format("January 2006"), done.Format("2 January 2006")), nil
	}
	conns, err := s.Store.ListConnections(ctx, orgID)
	if err != nil {
		return "", "", err
	}
	for _, c := range conns {
		if c.Kind != string(connect.KindPartnerCenter) || !c.Enabled {
			continue
		}
		ok, err := s.Store.PartnerCenterInvoiced(ctx, orgID, c.ID, month, month.AddDate(0, 1, 0))
		if err != nil {
			return "", "", err
		}
		if !ok {
			return Provisional, fmt.Sprintf("The Partner Center connection %q has not imported the invoice for %s yet; sync it, then regenerate for a final chargeback.",
				c.Name, month.Format("January 2006")), nil
		}
	}
	return Final, "", nil
}
