package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

const (
	// maxImportBytes bounds a rate file: the full ECB history is about
	// 1.5 MiB, so this leaves room for many years of many pairs.
	maxImportBytes = 32 << 20
	// maxRateDays bounds a listing (about ten years) so one request
	// cannot ask for the whole table at once.
	maxRateDays = 3700
	// defaultImportSource labels imported rates when ?source= is absent.
	defaultImportSource = "import"
)

var (
	// rateRE is a plain positive decimal: no sign, exponent, NaN or
	// Infinity, so what is stored is exactly what was typed, and an
	// exponent cannot expand into a huge string when written out.
	rateRE   = regexp.MustCompile(`^[0-9]{1,30}(\.[0-9]{1,30})?$`)
	sourceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)
)

// The reads go to the store: fx.Service has no read methods, so the
// route's costs.read check is the gate, and the org is always the
// token's own.
func (a *API) listRates(w http.ResponseWriter, r *http.Request, c *call) error {
	from, to, err := rateRange(r.URL.Query())
	if err != nil {
		return err
	}
	rates, err := a.fx.Store.ListRates(r.Context(), c.P.Org.ID, from, to.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(rates, rateOf, ""))
}

// rateRange reads the required ?from= and ?to=, whole UTC days, both
// inclusive.
func rateRange(q url.Values) (from, to time.Time, err error) {
	if from, err = dayParam(q, "from"); err != nil {
		return from, to, err
	}
	if to, err = dayParam(q, "to"); err != nil {
		return from, to, err
	}
	if to.Before(from) {
		return from, to, domain.FieldError("to", "to must be the same day as from or later.")
	}
	if to.Sub(from) > maxRateDays*24*time.Hour {
		return from, to, domain.FieldError("to", "from and to may be at most %d days apart; ask for a shorter range.", maxRateDays)
	}
	return from, to, nil
}

func dayParam(q url.Values, field string) (time.Time, error) {
	v := strings.TrimSpace(q.Get(field))
	if v == "" {
		return time.Time{}, domain.FieldError(field, "%s is required: a date like 2026-01-31 (YYYY-MM-DD, UTC).", field)
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, domain.FieldError(field, "%s must be a date like 2026-01-31 (YYYY-MM-DD, UTC).", field)
	}
	return t, nil
}

// rateInput is one day's rate; the rate is a JSON string so no client
// float ever rounds it.
type rateInput struct {
	Day   string `json:"day"`
	Base  string `json:"base"`
	Quote string `json:"quote"`
	Rate  string `json:"rate"`
}

func (a *API) setRate(w http.ResponseWriter, r *http.Request, c *call) error {
	var in rateInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	rate, err := in.parse()
	if err != nil {
		return err
	}
	saved, err := a.fx.SetRate(r.Context(), c.P, rate, c.Who)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, savedOf(saved))
}

// parse checks every field, naming the first that is wrong.
func (in rateInput) parse() (domain.FXRate, error) {
	var out domain.FXRate
	day, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Day))
	if err != nil {
		return out, domain.FieldError("day", "day must be a date like 2026-01-09 (YYYY-MM-DD, UTC).")
	}
	base, err := currencyField("base", in.Base)
	if err != nil {
		return out, err
	}
	quote, err := currencyField("quote", in.Quote)
	if err != nil {
		return out, err
	}
	if base == quote {
		return out, domain.FieldError("quote", "quote must differ from base (both are %s).", base)
	}
	v := strings.TrimSpace(in.Rate)
	val, _, err := apd.NewFromString(v)
	if !rateRE.MatchString(v) || err != nil || val.Sign() <= 0 {
		return out, domain.FieldError("rate", "rate must be a positive decimal number written as a string, like \"1.0925\" (got %q).", in.Rate)
	}
	return domain.FXRate{Day: day, Base: base, Quote: quote, Value: val}, nil
}

// currencyField parses an ISO 4217 code and names field in the error.
func currencyField(field, code string) (domain.Currency, error) {
	if strings.TrimSpace(code) == "" {
		return "", domain.FieldError(field, "%s is required: an ISO 4217 currency code like EUR.", field)
	}
	c, err := domain.ParseCurrency(code)
	if err != nil {
		return "", &domain.Error{Code: domain.CodeInvalid, Field: field, Message: field + ": " + domain.ErrorMessage(err)}
	}
	return c, nil
}

func (a *API) importRates(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := checkCSVType(r); err != nil {
		return err
	}
	source := defaultImportSource
	if v := r.URL.Query().Get("source"); v != "" {
		if !sourceRE.MatchString(v) {
			return domain.FieldError("source", "source must be 1 to 40 letters, digits, dots, dashes or underscores, like \"ecb\".")
		}
		source = v
	}
	body := &limitedBody{r: http.MaxBytesReader(w, r.Body, maxImportBytes)}
	saved, err := a.fx.Import(r.Context(), c.P, body, source, c.Who)
	if body.tooLarge {
		// The parser reports the cut-off as a bad line; say what really
		// happened. Nothing was stored, as the file failed to parse.
		return domain.Errorf(domain.CodeTooLarge, "The file is larger than the limit of 32 MiB (%d bytes); split it and import the parts.", maxImportBytes)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, savedOf(saved))
}

func checkCSVType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/csv" {
		return &statusError{http.StatusUnsupportedMediaType, domain.Errorf(domain.CodeInvalid,
			"Send the rate file itself as the request body with \"Content-Type: text/csv\" (got %q).", ct)}
	}
	return nil
}

// limitedBody remembers whether the size limit cut the body short, since
// the CSV parser's error text does not keep the error's type.
type limitedBody struct {
	r        io.Reader
	tooLarge bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.tooLarge = true
	}
	return n, err
}

func (a *API) rateHistory(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	base, err := currencyField("base", q.Get("base"))
	if err != nil {
		return err
	}
	quote, err := currencyField("quote", q.Get("quote"))
	if err != nil {
		return err
	}
	changes, err := a.fx.Store.RateHistory(r.Context(), c.P.Org.ID, base, quote)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(changes, rateChangeOf, ""))
}
