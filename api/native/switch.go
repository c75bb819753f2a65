package native

import (
	"io"
	"net/http"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
)

func init() {
	extraRoutes = append(extraRoutes,
		route{"POST", "/api/v1/projects/{id}/switchover", (*Handler).switchover},
		route{"GET", "/api/v1/projects/{id}/switchover", (*Handler).switchStatus})
}

// switchoverRequest is the optional body of POST …/switchover: action SWITCH (default),
// PREPARE (check the gates and hold) or CANCEL (a prepared switch).
type switchoverRequest struct {
	Action string `json:"action"`
}

// switchover asks TRANSFER_APP_SWITCH for the switchover; 202 with the switch state.
func (h *Handler) switchover(w http.ResponseWriter, r *http.Request) error {
	var req switchoverRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return errs.Invalid("reading the request body: %v", err)
	}
	if len(body) > 0 {
		if err := DecodeBytes(body, &req); err != nil {
			return err
		}
	}
	st, err := h.svc.Switchover(r.Context(), r.PathValue("id"), req.Action)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, st)
	return nil
}

// switchStatus answers the switchover state and the reverse stream's.
func (h *Handler) switchStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := h.svc.SwitchStatus(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}
