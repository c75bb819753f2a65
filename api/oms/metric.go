package oms

import (
	"net/http"
	"strings"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

type stepMetricRequest struct {
	ProjectID      string `json:"projectId"`
	StepName       string `json:"stepName"`
	MetricType     string `json:"metricType"`
	Aggregator     string `json:"aggregator"`
	BeginTimestamp int64  `json:"beginTimestamp"`
	EndTimestamp   int64  `json:"endTimestamp"`
	MaxPointNum    int    `json:"maxPointNum"`
}

// metricSource maps (step, metricType) to the step-info value that carries it.
var metricSource = map[string]map[string]func(*model.StepInfo) *int64{
	"FULL_TRANSFER": {
		"RPS":               func(i *model.StepInfo) *int64 { return i.DstRps },
		"IOPS":              func(i *model.StepInfo) *int64 { return i.DstIops },
		"SOURCE_READ_TIME":  func(i *model.StepInfo) *int64 { return i.SrcRt },
		"SOURCE_SLICE_TIME": func(*model.StepInfo) *int64 { return nil },
		"SINK_EXECUTE_TIME": func(i *model.StepInfo) *int64 { return i.DstRt },
	},
	"FULL_VERIFIER": {
		"FULL_VERIFY_SOURCE_RPS":       func(i *model.StepInfo) *int64 { return i.SrcRps },
		"FULL_VERIFY_SOURCE_READ_IOPS": func(i *model.StepInfo) *int64 { return i.SrcIops },
		"FULL_VERIFY_DEST_RPS":         func(i *model.StepInfo) *int64 { return i.DstRps },
		"FULL_VERIFY_DEST_READ_IOPS":   func(i *model.StepInfo) *int64 { return i.DstIops },
	},
	"INCR_TRANSFER": {
		"DELAY": nil, "IOPS": func(i *model.StepInfo) *int64 { return i.DstIops }, "RPS": func(i *model.StepInfo) *int64 { return i.DstRps },
		"SINK_COMMIT_TIME": func(*model.StepInfo) *int64 { return nil }, "SINK_EXECUTE_TIME": func(i *model.StepInfo) *int64 { return i.DstRt },
	},
	"REVERSE_INCR_TRANSFER": {
		"DELAY": nil, "IOPS": func(i *model.StepInfo) *int64 { return i.DstIops }, "RPS": func(i *model.StepInfo) *int64 { return i.DstRps },
		"SINK_COMMIT_TIME": func(*model.StepInfo) *int64 { return nil }, "SINK_EXECUTE_TIME": func(i *model.StepInfo) *int64 { return i.DstRt },
	},
}

type dataPoint struct {
	Timestamp int64   `json:"timestamp"` // ms
	Value     float64 `json:"value"`
}

type metricSeries struct {
	Name       string            `json:"name"`
	Tags       map[string]string `json:"tags"`
	DataPoints []dataPoint       `json:"dataPoints"`
}

type stepMetric struct {
	ReferenceValue *int64         `json:"referenceValue"`
	Aggregator     string         `json:"aggregator"`
	Metrics        []metricSeries `json:"metrics"`
}

// describeProjectStepMetric answers with the step's latest measured value as the one data
// point (godwit keeps the current rates per step, not a time series), when it falls in the
// requested window.
func (h *Handler) describeProjectStepMetric(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req stepMetricRequest
	if e := Decode(body, &req); e != nil {
		return e
	}
	step, mt := strings.ToUpper(trimmed(req.StepName)), strings.ToUpper(trimmed(req.MetricType))
	agg := strings.ToUpper(trimmed(req.Aggregator))
	switch {
	case trimmed(req.ProjectID) == "":
		return errs.Invalid("projectId is required")
	case metricSource[step] == nil:
		return errs.Invalid("stepName must be FULL_TRANSFER, INCR_TRANSFER, FULL_VERIFIER or REVERSE_INCR_TRANSFER, got %q", req.StepName)
	case agg != "AVG" && agg != "NONE":
		return errs.Invalid("aggregator must be AVG or NONE, got %q", req.Aggregator)
	case req.BeginTimestamp < 0 || req.EndTimestamp < req.BeginTimestamp:
		return errs.Invalid("beginTimestamp and endTimestamp must be Unix seconds with begin ≤ end")
	case req.MaxPointNum != 0 && (req.MaxPointNum < 5 || req.MaxPointNum > 10080):
		return errs.Invalid("maxPointNum must be between 5 and 10080, got %d", req.MaxPointNum)
	}
	get, ok := metricSource[step][mt]
	if !ok {
		return errs.Invalid("metricType %q is not a metric of step %s", req.MetricType, step)
	}
	v, err := h.svc.GetProject(r.Context(), trimmed(req.ProjectID))
	if err != nil {
		return err
	}
	series := metricSeries{Name: mt, Tags: map[string]string{"projectId": v.ID, "stepName": step}, DataPoints: []dataPoint{}}
	now := time.Now()
	inWindow := req.EndTimestamp == 0 || (now.Unix() >= req.BeginTimestamp && now.Unix()-60 <= req.EndTimestamp)
	for i := range v.Steps {
		st := &v.Steps[i]
		if string(st.Name) != step || !inWindow {
			continue
		}
		val := v.Extra.SyncDelay
		if get != nil {
			val = get(&st.Info)
		}
		if val != nil {
			series.DataPoints = append(series.DataPoints, dataPoint{Timestamp: now.UnixMilli(), Value: float64(*val)})
		}
	}
	writeOK(w, r, stepMetric{Aggregator: agg, Metrics: []metricSeries{series}}, nil)
	return nil
}
