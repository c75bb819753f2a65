package oms

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// incrConfigRequest is incrTransferConfig as UpdateProjectConfig receives it: the thread count
// arrives as incrSyncConcurrency (ODC) or incrSyncThreadCount (cloud).
type incrConfigRequest struct {
	model.IncrTransferConfig
	IncrSyncThreadCount int `json:"incrSyncThreadCount"`
}

func (c *incrConfigRequest) toModel() *model.IncrTransferConfig {
	if c == nil {
		return nil
	}
	out := c.IncrTransferConfig
	if out.IncrSyncConcurrency == 0 {
		out.IncrSyncConcurrency = c.IncrSyncThreadCount
	}
	return &out
}

type updateConfigRequest struct {
	ID                        string                      `json:"id"`
	Importance                *string                     `json:"importance"`
	CommonTransferConfig      *model.CommonTransferConfig `json:"commonTransferConfig"`
	StructTransferConfig      *model.StructTransferConfig `json:"structTransferConfig"`
	FullTransferConfig        *model.FullTransferConfig   `json:"fullTransferConfig"`
	IncrTransferConfig        *incrConfigRequest          `json:"incrTransferConfig"`
	ReverseIncrTransferConfig *incrConfigRequest          `json:"reverseIncrTransferConfig"`
}

// updateProjectConfig replaces the configuration blocks the request carries (ENT: the
// caller sends the whole config; godwit keeps blocks that are absent).
func (h *Handler) updateProjectConfig(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req updateConfigRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	if trimmed(req.ID) == "" {
		return errs.Invalid("id is required")
	}
	u := service.ConfigUpdate{Importance: req.Importance, CommonTransferConfig: req.CommonTransferConfig,
		StructTransferConfig: req.StructTransferConfig, FullTransferConfig: req.FullTransferConfig,
		IncrTransferConfig: req.IncrTransferConfig.toModel(), ReverseIncrTransferConfig: req.ReverseIncrTransferConfig.toModel()}
	if err := h.svc.UpdateProjectConfig(r.Context(), trimmed(req.ID), u); err != nil {
		return err
	}
	writeOK(w, r, nil, nil)
	return nil
}

// advanceProject: {id} → name of the step now running.
func (h *Handler) advanceProject(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	step, err := h.svc.AdvanceProject(r.Context(), id)
	if err != nil {
		return err
	}
	writeOK(w, r, string(step), nil)
	return nil
}

// Components is the DescribeProjectComponents data (oms-v2.md §6.6). godwit runs every
// component inside its own process; each enabled step is reported as one component.
type Components struct {
	StoreList                 []map[string]any `json:"storeList"`
	ReverseStoreList          []map[string]any `json:"reverseStoreList"`
	FullVerifyComponents      []map[string]any `json:"fullVerifyComponents"`
	FullImportComponents      []map[string]any `json:"fullImportComponents"`
	IncrSyncComponents        []map[string]any `json:"incrSyncComponents"`
	ReverseIncrSyncComponents []map[string]any `json:"reverseIncrSyncComponents"`
}

// componentStatus maps a step status onto the component vocabulary (RUNNING|STOPPED|EXCEPTION|FINISHED).
func componentStatus(s model.StepStatus) string {
	switch s {
	case model.StepRunning, model.StepMonitoring:
		return "RUNNING"
	case model.StepFailed:
		return "EXCEPTION"
	case model.StepFinished:
		return "FINISHED"
	}
	return "STOPPED"
}

func stepErrors(st *model.Step) []any {
	if st.Error == nil {
		return []any{}
	}
	return []any{map[string]any{"code": st.Error.Code, "message": st.Error.Message, "level": "ERROR"}}
}

func (h *Handler) describeProjectComponents(w http.ResponseWriter, r *http.Request, body []byte) error {
	id, e := decodeID(body)
	if e != nil {
		return e
	}
	v, err := h.svc.GetProject(r.Context(), id)
	if err != nil {
		return err
	}
	c := Components{StoreList: []map[string]any{}, ReverseStoreList: []map[string]any{}, FullVerifyComponents: []map[string]any{},
		FullImportComponents: []map[string]any{}, IncrSyncComponents: []map[string]any{}, ReverseIncrSyncComponents: []map[string]any{}}
	created := model.FormatTime(&v.GmtCreate)
	for i := range v.Steps {
		st := &v.Steps[i]
		name := "godwit-" + strings.ToLower(string(st.Name)) + "-" + v.ID
		modified := model.FormatTime(st.FinishTime)
		if modified == nil {
			modified = model.FormatTime(st.StartTime)
		}
		switch st.Name {
		case model.StepFull:
			c.FullImportComponents = append(c.FullImportComponents, map[string]any{"region": nil, "name": name, "ip": "127.0.0.1",
				"identity": v.ID, "progress": st.Progress, "status": componentStatus(st.Status), "gmtCreate": created,
				"gmtModify": modified, "errorDetails": stepErrors(st)})
		case model.StepFullVerify:
			status := map[model.StepStatus]string{model.StepInit: "INIT", model.StepRunning: "RUNNING", model.StepFinished: "DONE",
				model.StepFailed: "FAILED", model.StepSuspend: "SHUTDOWNED"}[st.Status]
			if status == "" {
				status = "INIT"
			}
			var consistent, inconsistent int64
			if st.Info.ProcessedRecords != nil {
				consistent = *st.Info.ProcessedRecords
			}
			if st.Info.VerifyResult == "INCONSISTENT" {
				inconsistent, consistent = 1, 0 // INF: the step records a verdict, not a row count; see verification results
			}
			c.FullVerifyComponents = append(c.FullVerifyComponents, map[string]any{"region": nil, "name": name,
				"inconsistentQuantity": inconsistent, "consistentQuantity": consistent, "progress": strconv.Itoa(st.Progress),
				"recordProgress": st.Progress, "status": status, "errorDetails": stepErrors(st), "ip": "127.0.0.1", "taskId": 0})
		case model.StepIncr, model.StepReverseIncr:
			comp := map[string]any{"region": nil, "name": name, "ip": "127.0.0.1", "identity": v.ID, "subtopics": []string{},
				"status": componentStatus(st.Status), "checkpoint": unixUTC(st.Info.IncrTimestampCheckpoint), "tps": 0,
				"delay": v.Extra.SyncDelay, "checkpointSampleTimestamp": st.Info.CheckpointSampleTimestamp,
				"gmtCreate": created, "gmtModify": modified, "errorDetails": stepErrors(st)}
			if st.Name == model.StepIncr {
				c.IncrSyncComponents = append(c.IncrSyncComponents, comp)
			} else {
				c.ReverseIncrSyncComponents = append(c.ReverseIncrSyncComponents, comp)
			}
		case model.StepIncrLogPull:
			status := "STOP"
			switch st.Status {
			case model.StepRunning, model.StepFinished, model.StepMonitoring:
				status = "ACTIVE"
			case model.StepFailed:
				status = "EXCEPTION"
			}
			c.StoreList = append(c.StoreList, map[string]any{"name": name, "ip": "127.0.0.1", "region": nil, "topic": v.ID,
				"subtopic": nil, "tps": 0, "delay": v.Extra.SyncDelay, "gmt": st.Info.CheckpointSampleTimestamp, "conn": 0,
				"status": status, "errorDetails": stepErrors(st), "toSwitch": false, "port": 0, "storePort": 0,
				"beginCheckpoint": nil, "endCheckpoint": nil, "errMsg": nil, "gmtCreate": created, "gmtModified": modified,
				"latelyHeartbeatTimeSec": nil})
		}
	}
	writeOK(w, r, c, nil)
	return nil
}

func unixUTC(sec *int64) *string {
	if sec == nil {
		return nil
	}
	t := time.Unix(*sec, 0).UTC()
	return model.FormatTime(&t)
}
