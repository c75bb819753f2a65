package drs

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// showJob is ShowJobDetail: GET /v5/{project_id}/jobs/{job_id}?type=… → {"job": {…}} with
// id and status always set and the blocks of the asked type.
func (h *Handler) showJob(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	typ := q.Get("type")
	if typ == "" {
		return invalid("the type query parameter is required (detail, network, precheck, progress, log, compare, file, is_writable, cloud_connection)")
	}
	d, err := h.loadJob(r.Context(), r.PathValue("project_id"), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	v, err := h.view(r.Context(), d)
	if err != nil {
		return err
	}
	status := JobStatus(v, d.Ended)
	job := JobDetail{ID: sp(d.ID), Status: sp(status)}
	switch typ {
	case "detail":
		job.CreateTime = sp(utc(d.Created))
		job.BaseInfo = d.Req.BaseInfo
		job.SourceEndpoint, job.TargetEndpoint = d.Req.SourceEndpoint, d.Req.TargetEndpoint
		job.AlarmNotify, job.SpeedLimit, job.UserMigration = d.Req.AlarmNotify, d.Req.SpeedLimit, d.Req.UserMigration
		job.PolicyConfig, job.DBParam, job.TuningParams = d.Req.PolicyConfig, d.Req.DBParam, d.Req.TuningParams
		job.PeriodOrder, job.NodeInfo, job.PublicIPList = d.Req.PeriodOrder, d.Req.NodeInfo, d.Req.PublicIPList
		job.TaskVersion = sp("2.0")
		job.InstanceFeatures = map[string]string{"engine": "godwit"}
	case "overview":
		job.CreateTime = sp(utc(d.Created))
		job.BaseInfo = d.Req.BaseInfo
	case "network", "cloud_connection":
		qid := q.Get("query_id")
		if qid == "" && typ == "network" {
			qid = d.LastNetwork
		}
		qr, ok := d.Queries[qid]
		if !ok || (qr.Kind != typ) {
			return invalid("query_id %s is not a %s query of this job", strconvQuote(qid), typ)
		}
		job.NetworkResults = qr.Network
		if job.NetworkResults == nil {
			job.NetworkResults = []NetworkResult{}
		}
	case "precheck":
		res, err := h.precheckResult(r.Context(), d, q.Get("query_id"))
		if err != nil {
			return err
		}
		job.PrecheckResult = res
	case "progress":
		job.ProgressInfo, job.MigrationObjectProgressInfo, err = h.progress(r.Context(), d, v, status)
		if err != nil {
			return err
		}
	case "log":
		if job.Logs, err = h.logs(r, d); err != nil {
			return err
		}
	case "compare":
		if job.CompareResult, err = h.compare(r.Context(), r, d, v); err != nil {
			return err
		}
	case "file":
		job.SupportImportFileResp = &ImportFile{FileSize: sp("0"), PreviousSelect: sp("false")}
	case "is_writable":
		job.IsWritable = sp("success") // godwit never sets the target read-only
	default:
		return unsupported("ShowJobDetail type " + strconvQuote(typ))
	}
	writeJSON(w, map[string]any{"job": job})
	return nil
}

func (h *Handler) precheckResult(ctx context.Context, d *jobDoc, qid string) (*PrecheckResult, error) {
	if qid == "" {
		qid = d.LastPrecheck
	}
	qr, ok := d.Queries[qid]
	if !ok || qr.Kind != "precheck" {
		return nil, invalid("query_id %s is not a precheck query of this job (run action precheck first)", strconvQuote(qid))
	}
	run, err := h.svc.GetPrecheck(ctx, qr.PrecheckID)
	if err != nil {
		return nil, err
	}
	return RenderPrecheck(run), nil
}

// RenderPrecheck renders a precheck run as precheck_result.
func RenderPrecheck(run *service.PrecheckRun) *PrecheckResult {
	out := &PrecheckResult{Result: bp(false), Process: sp("0%"), TotalPassedRate: sp("0"), JobDirection: sp("non-dbs"), PrecheckResults: []PrecheckItem{}}
	if run.Status == service.PrecheckRunning {
		return out
	}
	out.Process = sp("100%")
	passed := 0
	for _, it := range run.Items {
		pi := PrecheckItem{Item: sp(it.Name), Result: sp(string(it.Status)), Group: sp(strings.ToLower(it.Side)),
			IsSupportSkip: bp(it.Skippable), IsSkipped: bp(false)}
		if it.Status != "PASSED" {
			pi.FailedReason = sp(it.Message)
			if it.Advice != "" {
				pi.Data = sp(it.Advice)
			}
		} else {
			passed++
		}
		out.PrecheckResults = append(out.PrecheckResults, pi)
	}
	if run.Status == service.PrecheckFailed {
		out.PrecheckResults = append(out.PrecheckResults, PrecheckItem{Item: sp("precheck"), Result: sp("FAILED"),
			FailedReason: sp(run.Error), Group: sp("source"), IsSupportSkip: bp(false), IsSkipped: bp(false)})
	}
	if n := len(out.PrecheckResults); n > 0 {
		out.TotalPassedRate = sp(strconv.FormatFloat(float64(passed)*100/float64(n), 'f', 2, 64))
	}
	out.Result = bp(run.Passed())
	return out
}

func (h *Handler) progress(ctx context.Context, d *jobDoc, v *service.ProjectView, status string) (*ProgressInfo, *ObjectProgress, error) {
	pi := &ProgressInfo{Progress: sp("0"), TaskMode: sp(d.taskType()), TransferStatus: sp(status), ProcessTime: sp("0"), RemainingTime: sp("0"),
		ProgressMap: map[string]ProgressComplete{}}
	op := &ObjectProgress{MigrationObjectOverview: []ObjectOverview{}, CreateTime: sp(utc(d.Created))}
	if v == nil {
		return pi, op, nil
	}
	if v.Extra.SyncDelay != nil {
		pi.IncrTransDelay = i64s(*v.Extra.SyncDelay)
		pi.IncrTransDelayMillis = i64s(*v.Extra.SyncDelay * 1000)
	}
	if v.GmtStart != nil {
		end := time.Now()
		if v.GmtFinish != nil {
			end = *v.GmtFinish
		}
		pi.ProcessTime = i64s(int64(end.Sub(*v.GmtStart) / time.Second))
	}
	full := -1
	for _, st := range v.Steps {
		key := map[model.StepName]string{model.StepStruct: "structure", model.StepFull: "table", model.StepIndex: "index",
			model.StepFullVerify: "compare", model.StepIncr: "incremental"}[st.Name]
		if key != "" {
			rem := "0"
			if st.Info.RemainingSeconds != nil && st.Status == model.StepRunning {
				rem = strconv.FormatInt(*st.Info.RemainingSeconds, 10)
				pi.RemainingTime = sp(rem) // the copy's estimate (DRS remaining_time, seconds)
			}
			pi.ProgressMap[key] = ProgressComplete{Completed: sp(strconv.Itoa(st.Progress)), RemainingTime: sp(rem)}
		}
		switch st.Name {
		case model.StepFull:
			full = st.Progress
			op.FullStartTime, op.FullCompleteTime = utcp(st.StartTime), utcp(st.FinishTime)
		case model.StepIncr:
			op.IncrStartTime = utcp(st.StartTime)
		}
	}
	switch {
	case v.Status == model.StatusFinished:
		pi.Progress = sp("100")
	case full >= 0:
		pi.Progress = sp(strconv.Itoa(full))
	}
	op.EndTime = utcp(v.GmtFinish)
	tables, err := h.svc.Tables(ctx, v.ID, model.StepFull)
	if err != nil && errs.As(err).Kind != errs.KindInvalid {
		return nil, nil, err
	}
	if len(tables) > 0 {
		var done int
		dbs := map[string]bool{}
		for _, t := range tables {
			if t.Status == "FINISHED" {
				done++
			}
			db, _, _ := strings.Cut(t.Table, ".")
			dbs[db] = true
		}
		st := "TRANSFERING"
		if done == len(tables) {
			st = "COMPLETED"
		}
		op.MigrationObjectOverview = append(op.MigrationObjectOverview,
			ObjectOverview{Type: sp("DATABASE"), SrcCount: sp(strconv.Itoa(len(dbs))), DstCount: sp(strconv.Itoa(len(dbs))), Status: sp("COMPLETED")},
			ObjectOverview{Type: sp("TABLE"), SrcCount: sp(strconv.Itoa(len(tables))), DstCount: sp(strconv.Itoa(done)), Status: sp(st),
				StartTime: op.FullStartTime, EndTime: op.FullCompleteTime})
	}
	return pi, op, nil
}

// logs answers type=log: offset, limit (1..1000, default 10), log_level Info|Warn|Error.
func (h *Handler) logs(r *http.Request, d *jobDoc) ([]LogInfo, error) {
	offset, err := queryInt(r, "offset", 0, 0, 100_000)
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit", 10, 1, 1000)
	if err != nil {
		return nil, err
	}
	level := ""
	switch strings.ToLower(r.URL.Query().Get("log_level")) {
	case "":
	case "info":
		level = "INFO"
	case "warn", "warning":
		level = "WARN"
	case "error":
		level = "ERROR"
	default:
		return nil, invalid("log_level must be Info, Warn or Error")
	}
	out := []LogInfo{}
	if d.ProjectID == "" {
		return out, nil
	}
	entries, _, err := h.svc.Logs(r.Context(), service.LogFilter{ProjectID: d.ProjectID, Level: level, Page: 1, Size: offset + limit})
	if err != nil {
		if errs.As(err).Kind == errs.KindNotFound {
			return out, nil
		}
		return nil, err
	}
	for i := offset; i < len(entries); i++ {
		e := entries[i]
		msg := e.Message
		if e.Step != "" {
			msg = "[" + e.Step + "] " + msg
		}
		out = append(out, LogInfo{Level: sp(e.Level), Message: sp(msg), CreateTime: sp(utc(e.Time))})
	}
	return out, nil
}
