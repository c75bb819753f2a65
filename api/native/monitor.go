package native

import (
	"net/http"
	"strconv"
	"time"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

func init() {
	extraRoutes = append(extraRoutes,
		route{"GET", "/api/v1/me", (*Handler).me},
		route{"GET", "/api/v1/projects/{id}/metrics", (*Handler).metricHistory},
	)
}

// Me is the caller as the server authenticated it (the console hides actions from readonly).
type Me struct {
	Name string `json:"name"`
	Role string `json:"role"` // admin | readonly
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) error {
	p, _ := httpx.PrincipalFrom(r.Context())
	httpx.WriteJSON(w, http.StatusOK, Me{Name: p.Name, Role: p.Role})
	return nil
}

// metricHistory serves one series of the metric history:
// ?step=&metric=&from=&to= (unix seconds) &points= (max points) &aggregator=AVG|NONE|MAX.
func (h *Handler) metricHistory(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	unix := func(name string) (time.Time, error) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, errs.Invalid("%s must be unix seconds, got %q", name, v)
		}
		return time.Unix(n, 0), nil
	}
	from, err := unix("from")
	if err != nil {
		return err
	}
	to, err := unix("to")
	if err != nil {
		return err
	}
	points := 0
	if v := q.Get("points"); v != "" {
		if points, err = strconv.Atoi(v); err != nil || points < 1 {
			return errs.Invalid("points must be a positive integer, got %q", v)
		}
	}
	if q.Get("step") == "" || q.Get("metric") == "" {
		return errs.Invalid("step and metric are required")
	}
	s, err := h.svc.MetricHistory(r.Context(), service.MetricQuery{ProjectID: r.PathValue("id"), Step: model.StepName(q.Get("step")),
		Metric: q.Get("metric"), From: from, To: to, MaxPoints: points, Aggregator: q.Get("aggregator")})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s)
	return nil
}
