package oms

import (
	"net/http"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

type nameRequest struct {
	Name string `json:"name"`
}

// createLabel: {name} → "l_…".
func (h *Handler) createLabel(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req nameRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	l, err := h.svc.CreateLabel(r.Context(), req.Name)
	if err != nil {
		return err
	}
	writeOK(w, r, l.ID, nil)
	return nil
}

// listAllLabels: {} → [{id, name}].
func (h *Handler) listAllLabels(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req struct{}
	if e := Decode(body, &req); e != nil {
		return e
	}
	ls, err := h.svc.ListLabels(r.Context())
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []model.Label{}
	}
	writeOK(w, r, ls, nil)
	return nil
}

// byLabelResult is the data of Start/StopProjectsByLabel.
type byLabelResult struct {
	Total             int      `json:"total"`
	SucceedProjectIDs []string `json:"succeedProjectIds"`
	FailedProjectIDs  []string `json:"failedProjectIds"`
}

// projectsByLabel starts (INIT projects) or stops (RUNNING projects) every project with the label.
func projectsByLabel(start bool) func(*Handler, http.ResponseWriter, *http.Request, []byte) error {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, body []byte) error {
		id, e := decodeID(body)
		if e != nil {
			return e
		}
		ls, err := h.svc.ListLabels(r.Context())
		if err != nil {
			return err
		}
		known := false
		for _, l := range ls {
			known = known || l.ID == id
		}
		if !known {
			return errs.New(errs.KindNotFound, errs.CodeParam, "label "+id+" does not exist",
				"Check the label id (ListAllLabels shows them).").With("id", id)
		}
		want, call := model.StatusInit, h.svc.StartProject
		if !start {
			want, call = model.StatusRunning, h.svc.StopProject
		}
		views, _, err := h.svc.ListProjects(r.Context(), service.ProjectFilter{LabelIDs: []string{id}, Statuses: []string{string(want)}})
		if err != nil {
			return err
		}
		res := byLabelResult{SucceedProjectIDs: []string{}, FailedProjectIDs: []string{}}
		for _, v := range views {
			res.Total++
			if err := call(r.Context(), v.ID); err != nil {
				h.log.Info("by-label action failed for a project", "project", v.ID, "err", errs.As(err).Message)
				res.FailedProjectIDs = append(res.FailedProjectIDs, v.ID)
				continue
			}
			res.SucceedProjectIDs = append(res.SucceedProjectIDs, v.ID)
		}
		writeOK(w, r, res, nil)
		return nil
	}
}

func trimmed(s string) string { return strings.TrimSpace(s) }
