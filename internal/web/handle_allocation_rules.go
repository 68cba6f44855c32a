package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// The rule form has three condition rows and the split form six groups.
const (
	ruleFormConds   = 3
	splitFormShares = 6
)

// rulesPage is the current rule set with empty forms.
func (s *Server) rulesPage(r *http.Request) (AllocRulesPage, error) {
	ctx, p := r.Context(), principalFrom(r.Context())
	page := AllocRulesPage{Layout: s.layout(r, NavAllocation), CanWrite: p.Can(auth.PermAllocationWrite),
		Fields: fieldChoices(), Ops: opChoices(), Methods: methodChoices()}
	page.Title = "Allocation rules"
	v, err := s.allocation().Version(ctx, p, 0)
	if err != nil {
		return page, err
	}
	groups, err := s.allocation().Groups(ctx, p)
	if err != nil {
		return page, err
	}
	names := map[string]allocation.Group{}
	for _, g := range groups {
		names[g.ID] = g
		page.Targets = append(page.Targets, Choice{Value: "group:" + g.ID, Label: "Group: " + g.Name})
		page.Groups = append(page.Groups, Choice{Value: g.ID, Label: g.Name})
	}
	for _, sp := range v.Ruleset.Splits {
		page.Targets = append(page.Targets, Choice{Value: "split:" + sp.ID, Label: "Split: " + sp.Name})
	}
	page.Version = v.Number
	page.Rules, page.Splits = ruleRows(&v.Ruleset, names), splitRows(&v.Ruleset, names)
	page.RuleForm, page.SplitForm = emptyRuleForm(), emptySplitForm()
	if id := r.URL.Query().Get("edit"); id != "" {
		for _, ru := range v.Ruleset.Rules {
			if ru.ID == id {
				page.RuleForm = ruleFormOf(ru)
			}
		}
	}
	if id := r.URL.Query().Get("edit_split"); id != "" {
		for _, sp := range v.Ruleset.Splits {
			if sp.ID == id {
				page.SplitForm = splitFormOf(sp)
			}
		}
	}
	return page, nil
}

func ruleRows(rs *allocation.Ruleset, groups map[string]allocation.Group) []RuleRow {
	splits := map[string]string{}
	for _, sp := range rs.Splits {
		splits[sp.ID] = sp.Name
	}
	out := make([]RuleRow, 0, len(rs.Rules))
	for i, ru := range rs.Rules {
		row := RuleRow{ID: ru.ID, Name: ru.Name, Position: i + 1, Conditions: conditionsWords(ru.Conditions),
			First: i == 0, Last: i == len(rs.Rules)-1, ValidFrom: "always", ValidTo: "open"}
		if ru.Group != "" {
			row.Target, row.TargetURL = allocation.GroupLabel(groups, ru.Group), "/allocation/groups/"+ru.Group
		} else {
			row.Target = "Split " + splits[ru.Split]
		}
		if ru.ValidFrom != nil {
			row.ValidFrom = ru.ValidFrom.Format(time.DateOnly)
		}
		if ru.ValidTo != nil {
			row.ValidTo = "before " + ru.ValidTo.Format(time.DateOnly)
		}
		out = append(out, row)
	}
	return out
}

func splitRows(rs *allocation.Ruleset, groups map[string]allocation.Group) []SplitRow {
	out := make([]SplitRow, 0, len(rs.Splits))
	for _, sp := range rs.Splits {
		row := SplitRow{ID: sp.ID, Name: sp.Name, Method: methodLabel(sp.Method)}
		for _, sh := range sp.Shares {
			txt := allocation.GroupLabel(groups, sh.Group)
			if sp.Method == allocation.SplitFixed {
				txt += " " + sh.Percent + " %"
			}
			row.Shares = append(row.Shares, txt)
		}
		out = append(out, row)
	}
	return out
}

func methodLabel(m string) string {
	for _, c := range methodChoices() {
		if c.Value == m {
			return c.Label
		}
	}
	return m
}

func emptyRuleForm() RuleForm {
	f := RuleForm{}
	for i := range ruleFormConds {
		f.Conds = append(f.Conds, CondForm{N: i + 1, Op: allocation.OpIn})
	}
	f.Conds[0].Field = allocation.FieldTag
	return f
}

func ruleFormOf(ru allocation.Rule) RuleForm {
	f := RuleForm{ID: ru.ID, Name: ru.Name}
	if ru.Group != "" {
		f.Target = "group:" + ru.Group
	} else {
		f.Target = "split:" + ru.Split
	}
	if ru.ValidFrom != nil {
		f.ValidFrom = ru.ValidFrom.Format(time.DateOnly)
	}
	if ru.ValidTo != nil {
		f.ValidTo = ru.ValidTo.Format(time.DateOnly)
	}
	for i := range max(ruleFormConds, len(ru.Conditions)) {
		c := CondForm{N: i + 1, Op: allocation.OpIn}
		if i < len(ru.Conditions) {
			rc := ru.Conditions[i]
			c.Field, c.Key, c.Op, c.Values = rc.Field, rc.Key, rc.Op, strings.Join(rc.Values, ", ")
		}
		f.Conds = append(f.Conds, c)
	}
	return f
}

func emptySplitForm() SplitForm {
	f := SplitForm{Method: allocation.SplitFixed}
	for i := range splitFormShares {
		f.Shares = append(f.Shares, ShareForm{N: i + 1})
	}
	return f
}

func splitFormOf(sp allocation.Split) SplitForm {
	f := SplitForm{ID: sp.ID, Name: sp.Name, Method: sp.Method}
	for i := range max(splitFormShares, len(sp.Shares)) {
		sh := ShareForm{N: i + 1}
		if i < len(sp.Shares) {
			sh.Group, sh.Percent = sp.Shares[i].Group, sp.Shares[i].Percent
		}
		f.Shares = append(f.Shares, sh)
	}
	return f
}

func (s *Server) allocationRules(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.rulesPage)
}

// changeRules applies change to the version the editor started from (the
// form's base) and saves the whole rule set as the next version; the
// service refuses it when another version was saved meanwhile. On error
// the page is shown again with keep restoring the submitted form.
func (s *Server) changeRules(w http.ResponseWriter, r *http.Request, change func(*allocation.Ruleset) (string, error), keep func(*AllocRulesPage, string)) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p := r.Context(), principalFrom(r.Context())
	base, _ := strconv.Atoi(r.PostFormValue("base"))
	note := strings.TrimSpace(r.PostFormValue("note"))
	v, err := s.allocation().Version(ctx, p, base)
	var what string
	if err == nil {
		what, err = change(&v.Ruleset)
	}
	if note == "" {
		note = what // the history says what changed when the person did not
	}
	var saved allocation.Saved
	if err == nil {
		saved, err = s.allocation().SaveRuleset(ctx, p, actor(r), base, v.Ruleset, note)
	}
	if err == nil {
		s.flash(r, FlashSuccess, savedMessage(saved))
		redirect(w, r, "/allocation/rules")
		return
	}
	code := domain.ErrorCode(err)
	if code == domain.CodeInternal || code == domain.CodeForbidden {
		s.fail(w, r, err)
		return
	}
	page, perr := s.rulesPage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	msg := domain.ErrorMessage(err)
	if code == domain.CodeConflict {
		page.Flash = &Flash{Kind: FlashError, Message: msg}
	}
	keep(&page, msg)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// savedMessage says which version a save made and what it recomputed.
func savedMessage(saved allocation.Saved) string {
	msg := fmt.Sprintf("Saved as version %d; ", saved.Version.Number)
	if len(saved.Recomputed) == 0 {
		return msg + "no month needed recomputing."
	}
	months := make([]string, len(saved.Recomputed))
	for i, m := range saved.Recomputed {
		months[i] = m.Format("January 2006")
	}
	return msg + "recomputed: " + strings.Join(months, ", ") + "."
}

func (s *Server) saveRule(w http.ResponseWriter, r *http.Request) {
	var form RuleForm
	s.changeRules(w, r, func(rs *allocation.Ruleset) (string, error) {
		var ru allocation.Rule
		var err error
		form, ru, err = ruleFromForm(r)
		if err != nil {
			return "", err
		}
		return upsertByID(&rs.Rules, ru, func(x allocation.Rule) string { return x.ID }, "rule", ru.Name)
	}, func(page *AllocRulesPage, msg string) {
		page.RuleForm, page.RuleErr = form, msg
	})
}

// ruleFromForm reads the rule form: the target ("group:<id>" or
// "split:<id>"), up to three conditions (values comma-separated) and the
// validity dates.
func ruleFromForm(r *http.Request) (RuleForm, allocation.Rule, error) {
	f := RuleForm{ID: r.PostFormValue("rule_id"), Name: r.PostFormValue("name"), Target: r.PostFormValue("target"),
		ValidFrom: r.PostFormValue("valid_from"), ValidTo: r.PostFormValue("valid_to"), Note: r.PostFormValue("note")}
	ru := allocation.Rule{ID: f.ID, Name: f.Name, Conditions: []allocation.Condition{}}
	kind, id, _ := strings.Cut(f.Target, ":")
	switch kind {
	case "group":
		ru.Group = id
	case "split":
		ru.Split = id
	}
	for i := 1; i <= ruleFormConds; i++ {
		n := strconv.Itoa(i)
		c := CondForm{N: i, Field: r.PostFormValue("cond_field_" + n), Key: r.PostFormValue("cond_key_" + n),
			Op: r.PostFormValue("cond_op_" + n), Values: r.PostFormValue("cond_values_" + n)}
		f.Conds = append(f.Conds, c)
		if c.Field == "" || (strings.TrimSpace(c.Key) == "" && strings.TrimSpace(c.Values) == "" && c.Op != allocation.OpExists) {
			continue
		}
		rc := allocation.Condition{Field: c.Field, Key: c.Key, Op: c.Op}
		for _, v := range strings.Split(c.Values, ",") {
			if v = strings.TrimSpace(v); v != "" {
				rc.Values = append(rc.Values, v)
			}
		}
		ru.Conditions = append(ru.Conditions, rc)
	}
	var err error
	if ru.ValidFrom, err = formDay("valid_from", "Valid from", f.ValidFrom); err != nil {
		return f, ru, err
	}
	ru.ValidTo, err = formDay("valid_to", "Valid to", f.ValidTo)
	return f, ru, err
}

func formDay(field, label, s string) (*time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, domain.FieldError(field, "%s must be a date like 2026-03-01.", label)
	}
	return &t, nil
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.changeRules(w, r, func(rs *allocation.Ruleset) (string, error) {
		i := slices.IndexFunc(rs.Rules, func(x allocation.Rule) bool { return x.ID == id })
		if i < 0 {
			return "", domain.Errorf(domain.CodeNotFound, "the rule no longer exists")
		}
		name := rs.Rules[i].Name
		rs.Rules = slices.Delete(rs.Rules, i, i+1)
		return "deleted rule " + name, nil
	}, func(page *AllocRulesPage, msg string) { page.RuleErr = msg })
}

func (s *Server) moveRule(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.changeRules(w, r, func(rs *allocation.Ruleset) (string, error) {
		i := slices.IndexFunc(rs.Rules, func(x allocation.Rule) bool { return x.ID == id })
		if i < 0 {
			return "", domain.Errorf(domain.CodeNotFound, "the rule no longer exists")
		}
		j, dir := i+1, "down"
		if r.PostFormValue("direction") == "up" {
			j, dir = i-1, "up"
		}
		if j < 0 || j >= len(rs.Rules) {
			return "", domain.Errorf(domain.CodeInvalid, "the rule cannot move further")
		}
		rs.Rules[i], rs.Rules[j] = rs.Rules[j], rs.Rules[i]
		return "moved rule " + rs.Rules[j].Name + " " + dir, nil
	}, func(page *AllocRulesPage, msg string) { page.RuleErr = msg })
}

func (s *Server) saveSplit(w http.ResponseWriter, r *http.Request) {
	var form SplitForm
	s.changeRules(w, r, func(rs *allocation.Ruleset) (string, error) {
		var sp allocation.Split
		form, sp = splitFromForm(r)
		return upsertByID(&rs.Splits, sp, func(x allocation.Split) string { return x.ID }, "split", sp.Name)
	}, func(page *AllocRulesPage, msg string) {
		page.SplitForm, page.SplitErr = form, msg
	})
}

// splitFromForm reads the split form: rows with a group; percentages
// only for fixed splits.
func splitFromForm(r *http.Request) (SplitForm, allocation.Split) {
	f := SplitForm{ID: r.PostFormValue("split_id"), Name: r.PostFormValue("name"), Method: r.PostFormValue("method"),
		Note: r.PostFormValue("note")}
	sp := allocation.Split{ID: f.ID, Name: f.Name, Method: f.Method, Shares: []allocation.Share{}}
	for i := 1; i <= splitFormShares; i++ {
		n := strconv.Itoa(i)
		sh := ShareForm{N: i, Group: r.PostFormValue("share_group_" + n), Percent: r.PostFormValue("share_percent_" + n)}
		f.Shares = append(f.Shares, sh)
		if sh.Group == "" {
			continue
		}
		share := allocation.Share{Group: sh.Group}
		if sp.Method == allocation.SplitFixed {
			share.Percent = strings.TrimSpace(sh.Percent)
		}
		sp.Shares = append(sp.Shares, share)
	}
	return f, sp
}

func (s *Server) deleteSplit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.changeRules(w, r, func(rs *allocation.Ruleset) (string, error) {
		i := slices.IndexFunc(rs.Splits, func(x allocation.Split) bool { return x.ID == id })
		if i < 0 {
			return "", domain.Errorf(domain.CodeNotFound, "the split no longer exists")
		}
		name := rs.Splits[i].Name
		rs.Splits = slices.Delete(rs.Splits, i, i+1)
		return "deleted split " + name, nil
	}, func(page *AllocRulesPage, msg string) { page.SplitErr = msg })
}

// upsertByID replaces the item with v's ID in list, or appends v when it
// has none (a new one), and says what changed for the version's note. An
// ID no longer in the list was deleted by someone else meanwhile.
func upsertByID[T any](list *[]T, v T, id func(T) string, kind, name string) (string, error) {
	if id(v) == "" {
		*list = append(*list, v)
		return "added " + kind + " " + name, nil
	}
	i := slices.IndexFunc(*list, func(x T) bool { return id(x) == id(v) })
	if i < 0 {
		return "", domain.Errorf(domain.CodeNotFound, "the %s you edited no longer exists", kind)
	}
	(*list)[i] = v
	return "changed " + kind + " " + name, nil
}
