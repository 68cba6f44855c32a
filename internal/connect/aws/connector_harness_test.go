package awsconn

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// syncEnv is the sandbox cloud (its clock frozen at the real now: the
// SDK's credential cache uses the wall clock) and a connect.Service on a
// real store whose registry holds the AWS Connector.
type syncEnv struct {
	*connecttest.Env
	conn *Connector
}

func newSyncEnv(t *testing.T, db *store.DB) *syncEnv {
	t.Helper()
	cloud := connecttest.Start(t, sandbox.Options{Seed: 5})
	cloud.Clock.Set(time.Now())
	e := &syncEnv{conn: &Connector{}}
	e.Env = connecttest.New(t, db, cloud, e.conn, connecttest.Options{Clouds: config.Clouds{AWSEndpoint: cloud.AWSURL,
		AWSAccessKeyID: cloud.Demo.AWS.AccessKeyID, AWSSecretKey: cloud.Demo.AWS.SecretAccessKey}})
	e.conn.Checks = e.Store
	return e
}

// demoSettings connect the sandbox's demo account through its role.
func (e *syncEnv) demoSettings() Settings {
	d := e.Cloud.Demo.AWS
	return Settings{AccountID: d.AccountID, RoleARN: d.RoleARN, ExternalID: d.ExternalID, Auth: AuthRole, CERecommendations: true}
}

func (e *syncEnv) create(s Settings) connect.Connection {
	e.T.Helper()
	return e.Create(connect.KindAWS, "AWS "+s.AccountID, s)
}

func (e *syncEnv) setSettings(c connect.Connection, s Settings) {
	e.T.Helper()
	b, _ := json.Marshal(s)
	if _, err := e.Service.Update(e.Ctx, e.Owner, e.Actor, c.ID, connect.Input{Settings: b}); err != nil {
		e.T.Fatal(err)
	}
}

// billed is the organisation's stored billed total in USD over [from, to).
func (e *syncEnv) billed(orgID string, from, to time.Time) string {
	e.T.Helper()
	return e.Totals(orgID, costs.TotalsFilter{From: from, To: to})["USD"].Billed.String()
}

func (e *syncEnv) warnings(y store.ConnectionSync) []string {
	var w []string
	_ = json.Unmarshal(y.Warnings, &w)
	return w
}

func (e *syncEnv) checks(c connect.Connection) []store.ConnectionCheck {
	e.T.Helper()
	list, err := e.Service.Doctor(e.Ctx, e.Owner, c.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	return list
}
