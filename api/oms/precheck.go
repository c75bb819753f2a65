package oms

import (
	"net/http"
	"strings"

	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/service"
)

type submitPrecheckRequest struct {
	shape.ProjectRequest
	ProjectID  string `json:"projectId"`
	SubProject bool   `json:"subProject"`
}

// submitPreCheck prechecks an existing project (projectId alone) or a CreateProject body
// (plus the optional projectId it belongs to) → precheck id.
func (h *Handler) submitPreCheck(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req submitPrecheckRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	sreq := service.PrecheckRequest{ProjectID: trimmed(req.ProjectID)}
	if req.SourceEndpointID != "" || req.SinkEndpointID != "" || req.Name != "" {
		p, e := req.ToModel(owner(r))
		if e != nil {
			return e
		}
		sreq.Project = &p
	}
	id, err := h.svc.SubmitPrecheck(r.Context(), sreq)
	if err != nil {
		return err
	}
	writeOK(w, r, id, nil)
	return nil
}

// PrecheckItem is one preCheckResults element.
type PrecheckItem struct {
	Name         string  `json:"name"`
	EndpointType string  `json:"endpointType"` // SOURCE | DEST
	CheckType    string  `json:"checkType"`
	Status       string  `json:"status"` // PASSED | ALARM | FAILED
	Message      string  `json:"message"`
	Advice       *string `json:"advice"`
	Skippable    bool    `json:"skippable"`
	Role         string  `json:"role"`
}

// PrecheckResult is the GetPreCheckResult data: the CE and ENT shapes merged (§6.9).
type PrecheckResult struct {
	PreCheckID      string         `json:"preCheckId"`
	PreCheckStatus  string         `json:"preCheckStatus"`
	Progress        float64        `json:"progress"`
	ProjectID       *string        `json:"projectId"`
	ProjectStatus   string         `json:"projectStatus"`
	PreCheckResults []PrecheckItem `json:"preCheckResults"`
}

// RenderPrecheck renders a precheck run; a finished run with a FAILED item is FAILED.
func RenderPrecheck(run *service.PrecheckRun) PrecheckResult {
	status, progress := run.Status, 0.0
	switch run.Status {
	case service.PrecheckFinished:
		progress = 100
		if !run.Passed() {
			status = "FAILED"
		}
	case service.PrecheckFailed:
		progress = 100
	}
	out := PrecheckResult{PreCheckID: run.ID, PreCheckStatus: status, Progress: progress, ProjectStatus: status,
		PreCheckResults: make([]PrecheckItem, 0, len(run.Items))}
	if run.ProjectID != "" {
		out.ProjectID = &run.ProjectID
	}
	for _, it := range run.Items {
		out.PreCheckResults = append(out.PreCheckResults, RenderCheckItem(it))
	}
	if run.Status == service.PrecheckFailed {
		out.PreCheckResults = append(out.PreCheckResults, PrecheckItem{Name: "PRECHECK", EndpointType: "SOURCE", CheckType: "PRECHECK",
			Status: "FAILED", Message: run.Error, Role: "SOURCE"})
	}
	return out
}

// RenderCheckItem renders one check item.
func RenderCheckItem(it service.CheckItem) PrecheckItem {
	side := strings.ToUpper(it.Side)
	return PrecheckItem{Name: it.Name, EndpointType: side, CheckType: checkType(it.Name), Status: string(it.Status),
		Message: it.Message, Advice: nilIfEmpty(it.Advice), Skippable: it.Skippable, Role: side}
}

// checkType groups an item name (INF: OMS does not document the vocabulary).
func checkType(name string) string {
	n := strings.ToUpper(name)
	switch {
	case strings.Contains(n, "CONN"):
		return "CONNECTIVITY"
	case strings.Contains(n, "PRIV"):
		return "PRIVILEGE"
	case strings.Contains(n, "BINLOG") || strings.Contains(n, "LOG"):
		return "LOG"
	case strings.Contains(n, "OBJECT") || strings.Contains(n, "TABLE"):
		return "OBJECT"
	}
	return "CONFIG"
}

// getPreCheckResult: {id (precheck)} → PrecheckResult.
func (h *Handler) getPreCheckResult(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	run, err := h.svc.GetPrecheck(r.Context(), id)
	if err != nil {
		if ee := errs.As(err); ee.Kind == errs.KindNotFound {
			return ee
		}
		return err
	}
	writeOK(w, r, RenderPrecheck(run), nil)
	return nil
}
