package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	awsconn "github.com/canopyhq/canopy/internal/connect/aws"
	"github.com/canopyhq/canopy/internal/domain"
)

// keyAWSExternalID is the external ID generated when the "Add AWS
// account" form is first shown; it stays in the session until the
// connection is saved, so the role the customer creates meanwhile keeps
// matching.
const keyAWSExternalID = "aws_external_id"

// awsConnectRoutes are the "Add AWS account" form, its test and save.
func (s *Server) awsConnectRoutes() []Route {
	manage := auth.PermConnectionsManage
	return []Route{
		{Pattern: "GET /connections/aws/new", Access: Needs, Perm: manage, handler: s.awsConnectForm},
		{Pattern: "POST /connections/aws/test", Access: Needs, Perm: manage, handler: s.awsConnectTest},
		{Pattern: "POST /connections/aws", Access: Needs, Perm: manage, handler: s.awsConnectSave},
	}
}

// AWSConnectPage is the "Add AWS account" form with the role's setup
// (Canopy's principal, the external ID, both policies) and, after "Test
// connection", each check. The secret access key is never rendered back.
type AWSConnectPage struct {
	Layout
	FormErrors
	Form   AWSConnectForm
	Setup  awsconn.RoleSetup
	Checks []CheckRow
	Tested bool
}

func (AWSConnectPage) Template() string { return "aws_connect" }

// AllGranted reports whether every tested check works.
func (p AWSConnectPage) AllGranted() bool {
	for _, c := range p.Checks {
		if !c.Granted {
			return false
		}
	}
	return len(p.Checks) > 0
}

// AWSConnectForm is the form's values (never the secret access key).
type AWSConnectForm struct {
	Name, AccountID, Auth, Role, ExternalID, AccessKeyID string
	OwnExternalID, CERecommendations                     bool
}

func (s *Server) awsExternalID(r *http.Request) string {
	id := s.Sessions.GetString(r.Context(), keyAWSExternalID)
	if id == "" {
		id = awsconn.NewExternalID()
		s.Sessions.Put(r.Context(), keyAWSExternalID, id)
	}
	return id
}

func (s *Server) awsPage(r *http.Request, f AWSConnectForm) AWSConnectPage {
	page := AWSConnectPage{Layout: s.layout(r, NavConnections), Form: f}
	page.Title = "Add AWS account"
	page.Setup = awsconn.SetupFor(r.Context(), s.Connections.Env, s.awsExternalID(r))
	return page
}

func (s *Server) awsConnectForm(w http.ResponseWriter, r *http.Request) {
	s.R.Render(w, http.StatusOK, s.awsPage(r, AWSConnectForm{Name: "AWS", Auth: awsconn.AuthRole, CERecommendations: true}))
}

// awsInput reads the form into a connection input; errors name the field.
func (s *Server) awsInput(r *http.Request) (AWSConnectForm, connect.Input, error) {
	f := AWSConnectForm{Name: strings.TrimSpace(r.PostFormValue("name")), AccountID: strings.TrimSpace(r.PostFormValue("account_id")),
		Auth: r.PostFormValue("auth"), Role: strings.TrimSpace(r.PostFormValue("role")),
		ExternalID: strings.TrimSpace(r.PostFormValue("external_id")), AccessKeyID: strings.TrimSpace(r.PostFormValue("access_key_id")),
		OwnExternalID: r.PostFormValue("own_external_id") == "on", CERecommendations: r.PostFormValue("ce_recommendations") == "on"}
	in := connect.Input{Kind: connect.KindAWS, Name: &f.Name}
	if f.Name == "" {
		return f, in, domain.FieldError("name", "Name the connection in 1 to 100 characters.")
	}
	if err := awsconn.ValidAccountID(f.AccountID); err != nil {
		return f, in, err
	}
	st := awsconn.Settings{AccountID: f.AccountID, Auth: f.Auth, CERecommendations: f.CERecommendations}
	switch f.Auth {
	case awsconn.AuthRole:
		arn, err := awsconn.RoleARNFor(f.AccountID, f.Role)
		if err != nil {
			return f, in, err
		}
		st.RoleARN, st.ExternalID = arn, s.awsExternalID(r)
		if f.OwnExternalID {
			if err := awsconn.ValidExternalID(f.ExternalID); err != nil {
				return f, in, err
			}
			st.ExternalID = f.ExternalID
		}
	case awsconn.AuthKeys:
		secret := r.PostFormValue("secret_access_key")
		if f.AccessKeyID == "" {
			return f, in, domain.FieldError("access_key_id", "Enter the access key ID of Canopy's IAM user (AKIA...).")
		}
		if secret == "" {
			return f, in, domain.FieldError("secret_access_key", "Enter the secret access key (it is encrypted and never shown again).")
		}
		in.Secret, _ = json.Marshal(awsconn.Keys{AccessKeyID: f.AccessKeyID, SecretAccessKey: secret})
	default:
		return f, in, domain.FieldError("auth", "Choose how Canopy signs in: a role it assumes, or an access key.")
	}
	in.Settings, _ = json.Marshal(st)
	return f, in, nil
}

func (s *Server) awsConnectTest(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f, in, err := s.awsInput(r)
	defer clear(in.Secret)
	page := s.awsPage(r, f)
	if err == nil {
		var checks []connect.Check
		checks, err = s.Connections.Test(r.Context(), principalFrom(r.Context()), in)
		for _, c := range checks {
			page.Checks = append(page.Checks, CheckRow{Feature: c.Feature, Needs: c.Needs, Detail: c.Detail, Fix: c.Fix, Granted: c.Granted})
		}
		page.Tested = err == nil
	}
	status := http.StatusOK
	if err != nil {
		status = domain.HTTPStatus(err)
	}
	page.SetErr(err)
	s.R.Render(w, status, page)
}

func (s *Server) awsConnectSave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f, in, err := s.awsInput(r)
	defer clear(in.Secret)
	p := principalFrom(r.Context())
	var c connect.Connection
	if err == nil {
		c, err = s.Connections.Create(r.Context(), p, actor(r), in)
	}
	if err != nil {
		page := s.awsPage(r, f)
		page.SetErr(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	s.Sessions.Remove(r.Context(), keyAWSExternalID)
	s.queueFirstSync(r, p, c)
	redirect(w, r, "/connections/"+c.ID)
}

// queueFirstSync queues a new connection's first sync and says so.
func (s *Server) queueFirstSync(r *http.Request, p *auth.Principal, c connect.Connection) {
	if _, err := s.Connections.SyncNow(r.Context(), p, actor(r), c.ID); err != nil {
		s.flash(r, FlashInfo, "Connection added, but its first sync could not be queued: "+domain.ErrorMessage(err)+" Use Sync now.")
		return
	}
	s.flash(r, FlashSuccess, "Connection added. Its first sync is running.")
}

// AWSField is one text input of the form with its label, hint and error.
type AWSField struct{ Name, Label, Value, Hint, Err string }

var awsFieldText = map[string][2]string{
	"name":          {"Name", ""},
	"account_id":    {"AWS account ID", "The 12-digit ID of the management (payer) account."},
	"role":          {"Role name or ARN", "For example CanopyReadOnly, or arn:aws:iam::123456789012:role/CanopyReadOnly."},
	"external_id":   {"Existing role's external ID", "Only with the box above ticked."},
	"access_key_id": {"Access key ID", ""},
}

// Field is the named text input of the form.
func (p AWSConnectPage) Field(name string) AWSField {
	values := map[string]string{"name": p.Form.Name, "account_id": p.Form.AccountID, "role": p.Form.Role,
		"external_id": p.Form.ExternalID, "access_key_id": p.Form.AccessKeyID}
	t := awsFieldText[name]
	return AWSField{Name: name, Label: t[0], Hint: t[1], Value: values[name], Err: p.FieldErrors.Get(name)}
}
