package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// topResources is how many of a group's resources its page lists.
const topResources = 15

// groupFormPage builds the parts of a group page every variant shares:
// the kinds, the parents (never the group itself) and the members.
func (s *Server) groupFormPage(r *http.Request, self string) (AllocGroupPage, error) {
	ctx, p := r.Context(), principalFrom(r.Context())
	page := AllocGroupPage{Layout: s.layout(r, NavAllocation), CanWrite: p.Can(auth.PermAllocationWrite), Kinds: kindChoices()}
	groups, err := s.allocation().Groups(ctx, p)
	if err != nil {
		return page, err
	}
	newGroupTree(groups).walk(func(g allocation.Group, depth int) {
		if g.ID != self {
			page.Parents = append(page.Parents, Choice{Value: g.ID, Label: strings.Repeat("— ", depth) + g.Name})
		}
	})
	if page.CanWrite {
		members, err := s.Auth.MemberNames(ctx, p)
		if err != nil {
			return page, err
		}
		for _, m := range members {
			label := m.Email
			if m.Name != "" {
				label = m.Name + " (" + m.Email + ")"
			}
			page.Members = append(page.Members, Choice{Value: m.ID, Label: label})
		}
	}
	return page, nil
}

func groupForm(r *http.Request) (allocation.GroupInput, GroupForm) {
	f := GroupForm{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), ParentID: r.PostFormValue("parent_id"),
		Description: r.PostFormValue("description"), Owners: r.PostForm["owners"]}
	return allocation.GroupInput{Name: f.Name, Kind: f.Kind, ParentID: f.ParentID, Description: f.Description, Owners: f.Owners}, f
}

func (s *Server) newGroup(w http.ResponseWriter, r *http.Request) {
	page, err := s.groupFormPage(r, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.New, page.Title = true, "New group"
	page.Form = GroupForm{Kind: allocation.KindBusinessUnit, ParentID: r.URL.Query().Get("parent")}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in, form := groupForm(r)
	g, err := s.allocation().CreateGroup(r.Context(), principalFrom(r.Context()), actor(r), in)
	if err == nil {
		s.flash(r, FlashSuccess, "Group "+g.Name+" created. Add a rule to send cost to it.")
		redirect(w, r, "/allocation/groups/"+g.ID)
		return
	}
	page, perr := s.groupFormPage(r, "")
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, err)
		return
	}
	page.New, page.Title, page.Form = true, "New group", form
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// groupPage is a group's page for the period in the query.
func (s *Server) groupPage(r *http.Request) (AllocGroupPage, error) {
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	g, err := s.allocation().Group(ctx, p, id)
	if err != nil {
		return AllocGroupPage{}, err
	}
	page, err := s.groupFormPage(r, id)
	if err != nil {
		return page, err
	}
	page.Group, page.Title = g, g.Name
	page.Form = GroupForm{Name: g.Name, Kind: g.Kind, ParentID: g.ParentID, Description: g.Description, Owners: g.Owners}
	now := domain.Now()
	from, to, err := allocPeriod(r.URL.Query(), now)
	if err != nil {
		page.Error = domain.ErrorMessage(err) // the period form has no field slots
		from, to, _ = allocPeriod(url.Values{}, now)
	}
	page.Period = periodView("/allocation/groups/"+id, nil, from, to, now)
	if err := s.fillLineage(r, &page, from, to); err != nil {
		return page, err
	}
	if err := s.fillAccess(r, &page); err != nil {
		return page, err
	}
	return page, s.fillResources(r, &page, from, to)
}

// fillAccess lists who has a role on this group only and, for those who
// manage roles, the members and roles to give.
func (s *Server) fillAccess(r *http.Request, page *AllocGroupPage) error {
	ctx, p := r.Context(), principalFrom(r.Context())
	var err error
	if page.Access, err = s.allocation().GroupAccess(ctx, p, page.Group.ID); err != nil {
		return err
	}
	if page.CanManageAccess = p.Can(auth.PermRolesManage); !page.CanManageAccess {
		return nil
	}
	members, err := s.Auth.MemberNames(ctx, p)
	if err != nil {
		return err
	}
	for _, m := range members {
		page.AccessMembers = append(page.AccessMembers, Choice{Value: m.ID, Label: cmp.Or(m.Name, m.Email) + " (" + m.Email + ")"})
	}
	page.AccessRoles = []Choice{{Value: auth.RoleViewer, Label: "Viewer: sees the group's costs"},
		{Value: auth.RoleFinOps, Label: "FinOps analyst: also exports them"}}
	return nil
}

func (s *Server) setGroupAccess(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.changeGroupAccess(w, r, r.PostFormValue("user_id"), r.PostFormValue("role"), "Access given.")
}

func (s *Server) removeGroupAccess(w http.ResponseWriter, r *http.Request) {
	s.changeGroupAccess(w, r, r.PathValue("user"), "", "Access removed.")
}

func (s *Server) changeGroupAccess(w http.ResponseWriter, r *http.Request, user, role, done string) {
	id := r.PathValue("id")
	err := s.allocation().SetGroupAccess(r.Context(), principalFrom(r.Context()), actor(r), id, user, role)
	switch domain.ErrorCode(err) {
	case "":
		s.flash(r, FlashSuccess, done)
	case domain.CodeInvalid:
		s.flash(r, FlashError, domain.ErrorMessage(err))
	default:
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/allocation/groups/"+id+"#access-h")
}

// fillLineage lists how money reached the group: per rule, split or
// licence, per billing currency, with the totals per currency.
func (s *Server) fillLineage(r *http.Request, page *AllocGroupPage, from, to time.Time) error {
	res, err := s.allocation().Results(r.Context(), principalFrom(r.Context()),
		allocation.ResultsQuery{From: from, To: to, Group: page.Group.ID, ByRule: true})
	if err != nil {
		return err
	}
	sums := map[string]domain.Amount{}
	var order []string
	for _, t := range res.Totals {
		cur := domain.Currency(t.Currency)
		page.Lineage = append(page.Lineage, LineageRow{Via: viaLabel(t.Via), Rule: t.RuleName, Split: t.SplitName,
			Currency: t.Currency, Amount: spend.Display(t.Measures.Billed, cur), Lines: t.Lines, Seats: t.Seats})
		if _, ok := sums[t.Currency]; !ok {
			order = append(order, t.Currency)
		}
		if sums[t.Currency], err = sums[t.Currency].Add(t.Measures.Billed); err != nil {
			return err
		}
	}
	for _, c := range order {
		page.Totals = append(page.Totals, spend.Display(sums[c], domain.Currency(c))+" "+c)
	}
	return nil
}

// fillResources lists the group's top resources (with the groups below
// it) in the reporting currency, each with its "why?" link.
func (s *Server) fillResources(r *http.Request, page *AllocGroupPage, from, to time.Time) error {
	filters := []costs.Filter{{Dim: costs.DimGroup, Values: []string{page.Group.ID}}}
	res, err := s.spendService().Explore(r.Context(), principalFrom(r.Context()), reportingRequest(from, to, costs.DimResource, filters))
	if err != nil {
		return err
	}
	page.Warnings = res.Warnings
	page.Explorer = "/spend?" + explorerQuery(page.Period, costs.DimResource, string(costs.DimGroup)+":"+page.Group.ID).Encode()
	if len(res.Blocks) == 0 {
		return nil
	}
	b := res.Blocks[0]
	page.Currency, page.WithChildren = string(b.Currency), spend.Display(b.Total, b.Currency)+" "+string(b.Currency)
	for i, sr := range b.Series {
		if i == topResources {
			break
		}
		row := TopResource{Label: sr.Label, ID: sr.Group, Amount: spend.Display(sr.Total, b.Currency)}
		if row.Label == "" {
			row.Label = spend.NoValueLabel
		}
		if sr.Group != "" {
			row.WhyURL = "/allocation/explain?" + url.Values{"resource": {sr.Group}, "from": {page.Period.From}, "to": {page.Period.To}}.Encode()
		}
		page.Resources = append(page.Resources, row)
	}
	return nil
}

func (s *Server) groupDetail(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.groupPage)
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in, form := groupForm(r)
	id := r.PathValue("id")
	_, err := s.allocation().UpdateGroup(r.Context(), principalFrom(r.Context()), actor(r), id, in)
	if err == nil {
		s.flash(r, FlashSuccess, "Group saved.")
		redirect(w, r, "/allocation/groups/"+id)
		return
	}
	page, perr := s.groupPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal || domain.ErrorCode(err) == domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	page.Form = form
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.allocation().DeleteGroup(r.Context(), principalFrom(r.Context()), actor(r), id)
	switch domain.ErrorCode(err) {
	case "":
		s.flash(r, FlashSuccess, "Group deleted. The groups below it moved up.")
		redirect(w, r, "/allocation")
	case domain.CodeConflict:
		s.flash(r, FlashError, domain.ErrorMessage(err))
		redirect(w, r, "/allocation/groups/"+id)
	default:
		s.fail(w, r, err)
	}
}
