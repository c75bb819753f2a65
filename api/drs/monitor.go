package drs

import (
	"net/http"
	"runtime"
	"strconv"

	"github.com/godwit/godwit/api/internal/httpx"
	"github.com/godwit/godwit/model"
)

// MonitorData is the ShowMonitorData body (drs-v5.md §7.2). Rates and sizes are strings on
// the wire; bandwidth is MB/s, trans_data MB, used_volumes GB (the change store), used_memory
// MB (this godwit process).
type MonitorData struct {
	Bandwidth      string `json:"bandwidth"`
	IsSrcNormal    bool   `json:"is_src_normal"`
	IsDstNormal    bool   `json:"is_dst_normal"`
	SrcOffset      string `json:"src_offset"`
	NodeOffset     string `json:"node_offset"`
	DstOffset      string `json:"dst_offset"`
	SrcDelay       int32  `json:"src_delay"`
	DstDelay       int32  `json:"dst_delay"`
	SrcRps         string `json:"src_rps"`
	SrcIO          string `json:"src_io"`
	DstRps         string `json:"dst_rps"`
	DstIO          string `json:"dst_io"`
	TransData      string `json:"trans_data"`
	TransLines     string `json:"trans_lines"`
	UsedVolumes    string `json:"used_volumes"`
	UsedMemory     string `json:"used_memory"`
	UsedCPUPercent string `json:"used_cpu_percent"`
	NodeVolumeSize int32  `json:"node_volume_size"`
	NodeMemorySize int32  `json:"node_memory_size"`
	UpdateTime     string `json:"update_time"`
	ApplyRate      int32  `json:"apply_rate"`
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func clamp32(v int64) int32 { return int32(min(max(v, 0), 1<<31-1)) }

// showMonitorData serves GET /v5/{project_id}/jobs/{job_id}/monitor-data: the job's current
// rates, offsets and delays, from the running step (the full copy while it runs, then
// incremental sync). A job that has not started answers zeros.
func (h *Handler) showMonitorData(w http.ResponseWriter, r *http.Request) error {
	d, err := h.loadJob(r.Context(), r.PathValue("project_id"), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	v, err := h.view(r.Context(), d)
	if err != nil {
		return err
	}
	now := h.now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := MonitorData{IsSrcNormal: true, IsDstNormal: true, UpdateTime: utc(now), Bandwidth: "0", SrcRps: "0", SrcIO: "0",
		DstRps: "0", DstIO: "0", TransData: "0", TransLines: "0", UsedVolumes: "0", UsedCPUPercent: "0",
		UsedMemory: num(float64(ms.Sys / (1 << 20)))}
	if v == nil {
		httpx.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	var lines, bytes int64
	var cur *model.Step
	for i := range v.Steps {
		st := &v.Steps[i]
		if st.Status == model.StepFailed {
			out.IsSrcNormal, out.IsDstNormal = false, false
		}
		if st.Name == model.StepFull {
			if st.Info.ProcessedRecords != nil {
				lines += *st.Info.ProcessedRecords
			}
			if st.Info.ProcessedBytes != nil {
				bytes += *st.Info.ProcessedBytes
			}
		}
		if (st.Name == model.StepFull || st.Name == model.StepIncr) && (st.Status == model.StepRunning || st.Status == model.StepMonitoring) {
			cur = st
		}
	}
	val := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	if cur != nil && v.Status == model.StatusRunning {
		out.SrcRps, out.SrcIO = num(float64(val(cur.Info.SrcRps))), num(float64(val(cur.Info.SrcIops)))
		out.DstRps, out.DstIO = num(float64(val(cur.Info.DstRps))), num(float64(val(cur.Info.DstIops)))
		out.Bandwidth = num(float64(val(cur.Info.DstIops)) / 1e6)
		out.ApplyRate = clamp32(val(cur.Info.DstIops))
	}
	if v.EnableIncrTransfer {
		if st, err := h.svc.IncrStatus(r.Context(), v.ID); err == nil {
			out.SrcOffset, out.NodeOffset, out.DstOffset = st.PulledPos, st.PulledPos, st.AppliedPos
			out.DstDelay = clamp32(st.DelayMillis / 1000)
			lines += st.RowsApplied
			out.UsedVolumes = num(float64(st.StoreBytes) / (1 << 30))
		}
	}
	out.TransLines, out.TransData = strconv.FormatInt(lines, 10), num(float64(bytes)/(1<<20))
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
