package oms

import (
	"net/http"
	"strconv"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/api/shape"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

type modifyRequest struct {
	ID        string           `json:"id"`
	Databases []model.DbObject `json:"databases"`
}

// createModifyRecords: {id, databases} → long record id.
func (h *Handler) createModifyRecords(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req modifyRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	if trimmed(req.ID) == "" {
		return errs.Invalid("id is required")
	}
	rec, err := h.svc.CreateModifyRecord(r.Context(), trimmed(req.ID), req.Databases)
	if err != nil {
		return err
	}
	writeOK(w, r, recordID(rec.ID), nil)
	return nil
}

func recordID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// ModifyRecord is one ListProjectModifyRecords element (oms-v2.md §6.11).
type ModifyRecord struct {
	ID                    int64              `json:"id"`
	SubProjectID          *string            `json:"subProjectId"`
	MergeRequestID        *int64             `json:"mergeRequestId"`
	UpdateRequestID       *int64             `json:"updateRequestId"`
	Type                  string             `json:"type"`
	Status                string             `json:"status"`
	ErrorDetail           *shape.ErrorDetail `json:"errorDetail"`
	Databases             []model.DbObject   `json:"databases"`
	MigrationObjectsInfo  any                `json:"migrationObjectsInfo"`
	OmsProjectMappingInfo any                `json:"omsProjectMappingInfo"`
	TableEtlList          []any              `json:"tableEtlList"`
	GmtModified           *string            `json:"gmtModified"`
}

func renderRecord(r *http.Request, rec *service.ModifyRecord) ModifyRecord {
	out := ModifyRecord{ID: recordID(rec.ID), Type: rec.Type, Status: rec.Status, Databases: rec.Databases,
		TableEtlList: []any{}, GmtModified: model.FormatTime(&rec.GmtModified)}
	if out.Databases == nil {
		out.Databases = []model.DbObject{}
	}
	if rec.ErrorCode != "" {
		d := shape.NewErrorDetail(rec.ErrorCode, rec.ErrorMsg, "", nil, httpx.RequestID(r.Context()))
		out.ErrorDetail = &d
	}
	return out
}

// listProjectModifyRecords: {id (project)} → array<ModifyRecord>.
func (h *Handler) listProjectModifyRecords(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	recs, err := h.svc.ListModifyRecords(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]ModifyRecord, 0, len(recs))
	for i := range recs {
		out = append(out, renderRecord(r, &recs[i]))
	}
	writeOK(w, r, out, nil)
	return nil
}

// modifyRecordAction handles Stop/Retry/CancelProjectModifyRecord(s): {id (record)} → Ack.
func modifyRecordAction(action string) func(*Handler, http.ResponseWriter, *http.Request, []byte) error {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, body []byte) error {
		id, e := decodeID(body)
		if e != nil {
			return e
		}
		var err error
		switch action {
		case "stop":
			err = h.svc.StopModifyRecord(r.Context(), id)
		case "retry":
			err = h.svc.RetryModifyRecord(r.Context(), id)
		default:
			err = h.svc.CancelModifyRecord(r.Context(), id)
		}
		if err != nil {
			return err
		}
		writeOK(w, r, nil, nil)
		return nil
	}
}
