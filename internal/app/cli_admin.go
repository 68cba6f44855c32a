package app

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// cliActor is how command-line changes appear in the audit log.
var cliActor = audit.Actor{Email: "cli", IP: "local", UserAgent: "canopy command line"}

// openForCLI opens the app without starting jobs; mail is queued and sent
// by whichever serve or worker process runs.
func openForCLI(ctx context.Context, env Env, name string, args []string, extra func(*flag.FlagSet)) (*App, error) {
	cfg, err := parse(env, name, args, extra)
	if err != nil {
		return nil, err
	}
	cfg.LogLevel = "warn"
	return Open(ctx, cfg, newLogger(cfg, env.Stderr))
}

func runUserCreate(ctx context.Context, env Env, args []string) error {
	var email, org, role, name string
	var invite bool
	a, err := openForCLI(ctx, env, "user create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the person's email (required)")
		fs.StringVar(&org, "org", "", "organisation ID or name; a new name creates the organisation (required)")
		fs.StringVar(&role, "role", auth.RoleViewer, "role: owner, admin, finops, procurement or viewer")
		fs.StringVar(&name, "name", "", "display name")
		fs.BoolVar(&invite, "invite", false, "email an invitation link instead of printing a one-time password")
	})
	if err != nil {
		return err
	}
	defer a.DB.Close()
	if email == "" || org == "" {
		return fmt.Errorf("--email and --org are required")
	}
	o, created, err := a.findOrCreateOrg(ctx, org)
	if err != nil {
		return err
	}
	roles := []string{role}
	if created && role != auth.RoleOwner {
		roles = append(roles, auth.RoleOwner) // a new organisation needs an owner
	}
	return a.addUserCLI(ctx, env, o, auth.NewMember{Email: email, Name: name, Roles: roles, Mode: modeFor(invite)}, created)
}

func modeFor(invite bool) string {
	if invite {
		return auth.AddByInvitation
	}
	return auth.AddWithPassword
}

func (a *App) findOrCreateOrg(ctx context.Context, idOrName string) (domain.Org, bool, error) {
	o, err := a.Auth.FindOrg(ctx, idOrName)
	if domain.ErrorCode(err) != domain.CodeNotFound {
		return o, false, err
	}
	o, err = a.Auth.CreateOrg(ctx, idOrName, "", cliActor)
	return o, err == nil, err
}

func (a *App) addUserCLI(ctx context.Context, env Env, o domain.Org, in auth.NewMember, created bool) error {
	p, err := a.Auth.SystemPrincipal(ctx, o.ID)
	if err != nil {
		return err
	}
	added, err := a.Auth.AddMember(ctx, p, in, cliActor)
	if err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	if created {
		fmt.Fprintf(env.Stdout, "Created organisation %q (%s).\n", o.Name, o.ID)
	}
	fmt.Fprintf(env.Stdout, "Added %s to %q with roles %v (user %s).\n", added.User.Email, o.Name, in.Roles, added.User.ID)
	switch {
	case added.Existing:
		fmt.Fprintln(env.Stdout, "The person already had an account: they sign in with their existing password.")
	case added.OneTimePassword != "":
		fmt.Fprintf(env.Stdout, "One-time password (shown once; ask them to change it): %s\n", added.OneTimePassword)
	default:
		fmt.Fprintln(env.Stdout, "An invitation email is queued; a running canopy serve or worker sends it.")
	}
	return nil
}

// describe renders a domain error for the terminal.
func describe(err error) string {
	if f := domain.ErrorField(err); f != "" {
		return f + ": " + domain.ErrorMessage(err)
	}
	if domain.ErrorCode(err) == domain.CodeInternal {
		return err.Error()
	}
	return domain.ErrorMessage(err)
}

func runTokenCreate(ctx context.Context, env Env, args []string) error {
	var email, name, org string
	var days int
	a, err := openForCLI(ctx, env, "token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the token's user (required)")
		fs.StringVar(&name, "name", "", "what the token is for (required)")
		fs.StringVar(&org, "org", "", "organisation ID or name; default the user's first")
		fs.IntVar(&days, "expires-days", 90, "days until the token expires; 0 = never")
	})
	if err != nil {
		return err
	}
	defer a.DB.Close()
	if email == "" || name == "" {
		return fmt.Errorf("--email and --name are required")
	}
	p, err := a.principalFor(ctx, email, org)
	if err != nil {
		return err
	}
	plain, t, err := a.Auth.CreateAPIToken(ctx, p, name, time.Duration(days)*24*time.Hour, cliActor)
	if err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	fmt.Fprintf(env.Stderr, "Token %s for %s in %q. It is shown once; store it now.\n", t.ID, p.User.Email, p.Org.Name)
	fmt.Fprintln(env.Stdout, plain)
	return nil
}

func (a *App) principalFor(ctx context.Context, email, org string) (*auth.Principal, error) {
	u, err := a.Store.GetUserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("no user with email %s", email)
	}
	orgID := ""
	if org != "" {
		o, err := a.Auth.FindOrg(ctx, org)
		if err != nil {
			return nil, fmt.Errorf("organisation %q: %s", org, describe(err))
		}
		orgID = o.ID
	} else if orgID, err = a.Auth.DefaultOrg(ctx, u.ID, ""); err != nil {
		return nil, fmt.Errorf("%s", describe(err))
	}
	p, err := a.Auth.LoadPrincipal(ctx, u.ID, orgID)
	if err != nil {
		return nil, fmt.Errorf("%s", describe(err))
	}
	return p, nil
}

func runAuditVerify(ctx context.Context, env Env, args []string) error {
	a, err := openForCLI(ctx, env, "audit verify", args, nil)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	rep, err := audit.Verify(ctx, a.Store)
	if err != nil {
		return err
	}
	if rep.OK() {
		fmt.Fprintf(env.Stdout, "audit log intact: %d entries, hash chain verified\n", rep.Entries)
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(env.Stdout, "entry %d: %s\n", p.Seq, p.Reason)
	}
	return &exitError{code: 3, msg: fmt.Sprintf("audit log TAMPERED: %d problem(s) in %d entries", len(rep.Problems), rep.Entries)}
}
