package oms

import (
	"net/http"
	"strings"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
)

// serveV33Progress answers OMS V3.3 GET /api/omsp/v2/migrations/{projectId}/progress
// (seed 002): the V3.3 envelope with code "success" and the V3.3 progress object. Errors use
// the same envelope (success:false, code, message, advice) with HTTP 200.
func (h *Handler) serveV33Progress(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.PathValue("projectId"))
	if id == "" {
		WriteV33Error(w, r, http.StatusOK, errs.Invalid("projectId is required"))
		return
	}
	p, err := h.svc.Progress(r.Context(), id)
	if err != nil {
		WriteV33Error(w, r, http.StatusOK, publicError(h.log, r, err))
		return
	}
	code := "success"
	httpx.WriteJSON(w, http.StatusOK, EnvelopeV33{
		Success: true, Code: &code, RequestID: httpx.RequestID(r.Context()),
		Cost: httpx.Elapsed(r.Context()), Data: shape.RenderProgressV33(p),
	})
}
