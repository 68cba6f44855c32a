package auth

import (
	"context"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// MemberName is a member as pickers show them (e.g. a group's owners).
type MemberName struct {
	ID, Name, Email string
}

// memberNamesMax bounds a picker: larger organisations type an email.
const memberNamesMax = 2000

// MemberNames lists the organisation's active members by email, for
// pickers. It needs only org.read ("members' names"), so people who
// manage allocation can name group owners without users.read.
func (s *Service) MemberNames(ctx context.Context, p *Principal) ([]MemberName, error) {
	if err := p.Require(PermOrgRead); err != nil {
		return nil, err
	}
	var out []MemberName
	f := store.MemberFilter{Status: domain.UserActive, Limit: 200}
	for len(out) < memberNamesMax {
		page, err := s.Store.ListMembers(ctx, p.Org.ID, f)
		if err != nil {
			return nil, err
		}
		for _, m := range page.Items {
			out = append(out, MemberName{ID: m.User.ID, Name: m.User.Name, Email: m.User.Email})
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	return out, nil
}
