package api

import (
	"net/http"
	"strconv"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/m365analytics"
)

// analyticsBase is the path of one connection's Microsoft 365 analytics.
const analyticsBase = "/m365/analytics/{connection_id}"

// m365AnalyticsRoutes are the read-only Microsoft 365 analytics endpoints.
func (a *API) m365AnalyticsRoutes() []route {
	read := auth.PermM365Read
	return []route{
		signedIn("GET", "/m365/analytics", read, a.listAnalyticsConnections),
		signedIn("GET", analyticsBase, read, a.analyticsOverview),
		signedIn("GET", analyticsBase+"/licences", read, a.analyticsLicences),
		signedIn("GET", analyticsBase+"/services", read, a.analyticsServices),
		signedIn("GET", analyticsBase+"/trends", read, a.analyticsTrends),
		signedIn("GET", analyticsBase+"/users", read, a.analyticsUsers),
		signedIn("GET", analyticsBase+"/mailboxes", read, a.analyticsMailboxes),
		signedIn("GET", analyticsBase+"/licences.csv", read, a.analyticsCSV(m365analytics.TableLicences)),
		signedIn("GET", analyticsBase+"/services.csv", read, a.analyticsCSV(m365analytics.TableServices)),
		signedIn("GET", analyticsBase+"/reports.csv", read, a.analyticsCSV(m365analytics.TableReports)),
		signedIn("GET", analyticsBase+"/trends.csv", read, a.analyticsCSV(m365analytics.TableTrends)),
		signedIn("GET", analyticsBase+"/users.csv", read, a.analyticsCSV(m365analytics.TableUsers)),
		signedIn("GET", analyticsBase+"/mailboxes.csv", read, a.analyticsCSV(m365analytics.TableMailboxes)),
	}
}

// analyticsConnectionView is a Microsoft 365 connection with its import
// status.
type analyticsConnectionView struct {
	m365analytics.Connection
	Status m365analytics.Status `json:"status"`
}

func (a *API) analytics() *m365analytics.Service { return m365analytics.New(a.svc.Store) }

func (a *API) listAnalyticsConnections(w http.ResponseWriter, r *http.Request, c *call) error {
	svc := a.analytics()
	list, err := svc.Connections(r.Context(), c.P)
	if err != nil {
		return err
	}
	out := make([]analyticsConnectionView, 0, len(list))
	for _, conn := range list {
		_, st, err := svc.Status(r.Context(), c.P, conn.ID)
		if err != nil {
			return err
		}
		out = append(out, analyticsConnectionView{Connection: conn, Status: st})
	}
	return writeJSON(w, http.StatusOK, listView[analyticsConnectionView]{Items: out})
}

// trendDays reads ?days= (default 90).
func trendDays(r *http.Request) (int, error) {
	v := r.URL.Query().Get("days")
	if v == "" {
		return 90, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, domain.FieldError("days", "days must be a whole number between 1 and 400.")
	}
	return n, nil
}

func (a *API) analyticsOverview(w http.ResponseWriter, r *http.Request, c *call) error {
	days, err := trendDays(r)
	if err != nil {
		return err
	}
	o, err := a.analytics().Overview(r.Context(), c.P, r.PathValue("connection_id"), days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (a *API) analyticsLicences(w http.ResponseWriter, r *http.Request, c *call) error {
	l, err := a.analytics().Licences(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

func (a *API) analyticsServices(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := a.analytics().Services(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (a *API) analyticsTrends(w http.ResponseWriter, r *http.Request, c *call) error {
	days, err := trendDays(r)
	if err != nil {
		return err
	}
	t, err := a.analytics().Trends(r.Context(), c.P, r.PathValue("connection_id"), days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (a *API) analyticsMailboxes(w http.ResponseWriter, r *http.Request, c *call) error {
	m, err := a.analytics().Mailboxes(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func userFilter(r *http.Request) m365analytics.UserFilter {
	q := r.URL.Query()
	return m365analytics.UserFilter{SKU: q.Get("sku"), Service: q.Get("service"), State: q.Get("state")}
}

func (a *API) analyticsUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	l, err := a.analytics().Users(r.Context(), c.P, r.PathValue("connection_id"), userFilter(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, l)
}

// analyticsCSV exports one table as CSV.
func (a *API) analyticsCSV(table string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		days, err := trendDays(r)
		if err != nil {
			return err
		}
		write, err := a.analytics().Table(r.Context(), c.P, r.PathValue("connection_id"), table, days, userFilter(r))
		if err != nil {
			return err
		}
		setCSVHeaders(w, "m365-"+table+".csv")
		return write(w)
	}
}
