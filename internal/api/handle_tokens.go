package api

import (
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// maxTokenDays matches the service's longest token life (3 years); it is
// checked here too so a huge number cannot overflow the duration.
const maxTokenDays = 3 * 365

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, c *call) error {
	tokens, err := a.svc.ListAPITokens(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(tokens, tokenOf, ""))
}

type newToken struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"` // 0 or absent: never expires
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, c *call) error {
	var in newToken
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > maxTokenDays {
		return domain.FieldError("expires_in_days", "expires_in_days must be from 1 to %d, or 0 for a token that does not expire.", maxTokenDays)
	}
	ttl := time.Duration(in.ExpiresInDays) * 24 * time.Hour
	plain, t, err := a.svc.CreateAPIToken(r.Context(), c.P, in.Name, ttl, c.Who)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/tokens/"+t.ID)
	return writeJSON(w, http.StatusCreated, createdTokenView{tokenView: tokenOf(t), Token: plain})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.svc.RevokeAPIToken(r.Context(), c.P, r.PathValue("token_id"), c.Who); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
