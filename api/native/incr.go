package native

import (
	"net/http"

	"github.com/godwit/godwit/api/internal/httpx"
)

func init() {
	extraRoutes = append(extraRoutes, route{"GET", "/api/v1/projects/{id}/incr", (*Handler).incrStatus})
}

// incrStatus answers the live capture/apply state of a project's incremental sync.
func (h *Handler) incrStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := h.svc.IncrStatus(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}
