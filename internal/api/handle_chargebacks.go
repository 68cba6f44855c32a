package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/domain"
)

// WithChargebacks serves /chargebacks.
func (a *API) WithChargebacks(s *chargeback.Service) *API {
	a.chargebacks = s
	return a
}

// chargebackRoutes are the /chargebacks endpoints. Single extra charges
// have no GET: /chargebacks/{month}/reconciliation would clash with it.
func (a *API) chargebackRoutes() []route {
	read, write := auth.PermChargebacksRead, auth.PermChargebacksWrite
	v := "/chargebacks/{month}/versions/{version}"
	return []route{
		signedIn("GET", "/chargebacks", read, a.listChargebacks),
		signedIn("POST", "/chargebacks", write, a.generateChargeback),
		signedIn("GET", "/chargebacks/{month}", read, a.getChargeback),
		signedIn("GET", v, read, a.getChargeback),
		signedIn("GET", v+"/diff", read, a.diffChargeback),
		signedIn("GET", v+"/pdf", read, a.chargebackPDF),
		signedIn("GET", v+"/csv", read, a.chargebackCSV),
		signedIn("POST", v+"/send", write, a.sendChargeback),
		signedIn("GET", "/chargebacks/{month}/reconciliation", read, a.reconcileChargeback),
		signedIn("GET", "/chargebacks/extra-charges", read, a.listExtraCharges),
		signedIn("POST", "/chargebacks/extra-charges", write, a.createExtraCharge),
		signedIn("PUT", "/chargebacks/extra-charges/{extra_id}", write, a.updateExtraCharge),
		signedIn("DELETE", "/chargebacks/extra-charges/{extra_id}", write, a.deleteExtraCharge),
	}
}

// monthVersion reads {month} and {version} (absent: 0, the latest).
func monthVersion(r *http.Request) (time.Time, int, error) {
	m, err := chargeback.MonthOf("month", r.PathValue("month"))
	if err != nil {
		return m, 0, err
	}
	s := r.PathValue("version")
	if s == "" {
		s = r.URL.Query().Get("version")
	}
	if s == "" {
		return m, 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return m, 0, domain.FieldError("version", "A version is a positive number.")
	}
	return m, n, nil
}

func (a *API) listChargebacks(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.chargebacks.List(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(v chargeback.Version) chargeback.Version { return v }, ""))
}

type generateBody struct {
	Month string `json:"month"`
}

func (a *API) generateChargeback(w http.ResponseWriter, r *http.Request, c *call) error {
	var in generateBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := chargeback.MonthOf("month", in.Month)
	if err != nil {
		return err
	}
	d, err := a.chargebacks.Generate(r.Context(), c.P, c.Who, m)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/chargebacks/%s/versions/%d", Prefix, d.Month, d.Version.Version))
	return writeJSON(w, http.StatusCreated, d)
}

// withVersion reads the version a path names and hands it to fn.
func (a *API) withVersion(r *http.Request, c *call, fn func(chargeback.Detail) error) error {
	m, n, err := monthVersion(r)
	if err != nil {
		return err
	}
	d, err := a.chargebacks.Get(r.Context(), c.P, m, n)
	if err != nil {
		return err
	}
	return fn(d)
}

func (a *API) getChargeback(w http.ResponseWriter, r *http.Request, c *call) error {
	return a.withVersion(r, c, func(d chargeback.Detail) error { return writeJSON(w, http.StatusOK, d) })
}

func (a *API) diffChargeback(w http.ResponseWriter, r *http.Request, c *call) error {
	m, n, err := monthVersion(r)
	if err != nil {
		return err
	}
	d, err := a.chargebacks.Diff(r.Context(), c.P, m, n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) chargebackPDF(w http.ResponseWriter, r *http.Request, c *call) error {
	return a.withVersion(r, c, func(d chargeback.Detail) error {
		b, err := chargeback.PDFBytes(d)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="chargeback-%s-v%d.pdf"`, d.Month, d.Version.Version))
		_, err = w.Write(b)
		return err
	})
}

func (a *API) chargebackCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	return a.withVersion(r, c, func(d chargeback.Detail) error {
		setCSVHeaders(w, fmt.Sprintf("chargeback-%s-v%d.csv", d.Month, d.Version.Version))
		return chargeback.CSV(w, d)
	})
}

func (a *API) sendChargeback(w http.ResponseWriter, r *http.Request, c *call) error {
	m, n, err := monthVersion(r)
	if err != nil {
		return err
	}
	sent, err := a.chargebacks.Send(r.Context(), c.P, c.Who, m, n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sent)
}

func (a *API) reconcileChargeback(w http.ResponseWriter, r *http.Request, c *call) error {
	m, n, err := monthVersion(r)
	if err != nil {
		return err
	}
	rec, err := a.chargebacks.Reconcile(r.Context(), c.P, m, n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

func (a *API) listExtraCharges(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.chargebacks.Extras(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(e chargeback.Extra) chargeback.Extra { return e }, ""))
}

func (a *API) createExtraCharge(w http.ResponseWriter, r *http.Request, c *call) error {
	return a.saveExtraCharge(w, r, c, "")
}

func (a *API) updateExtraCharge(w http.ResponseWriter, r *http.Request, c *call) error {
	return a.saveExtraCharge(w, r, c, r.PathValue("extra_id"))
}

func (a *API) saveExtraCharge(w http.ResponseWriter, r *http.Request, c *call, id string) error {
	var in chargeback.ExtraInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := a.chargebacks.SaveExtra(r.Context(), c.P, c.Who, id, in)
	if err != nil {
		return err
	}
	if id == "" {
		w.Header().Set("Location", Prefix+"/chargebacks/extra-charges/"+e.ID)
		return writeJSON(w, http.StatusCreated, e)
	}
	return writeJSON(w, http.StatusOK, e)
}

func (a *API) deleteExtraCharge(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.chargebacks.DeleteExtra(r.Context(), c.P, c.Who, r.PathValue("extra_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
