package oms

import (
	"net/http"
	"strings"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
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

// omsMetricSteps are the steps DescribeProjectStepMetric serves (oms-v2.md §6.7).
var omsMetricSteps = map[string]bool{"FULL_TRANSFER": true, "INCR_TRANSFER": true, "FULL_VERIFIER": true, "REVERSE_INCR_TRANSFER": true}

// omsMetricTypes are the OMS metric types of a step: the service's history types without
// godwit's own (ROWS, PROGRESS).
func omsMetricTypes(step string) map[string]bool {
	out := map[string]bool{}
	for _, t := range service.StepMetricTypes[model.StepName(step)] {
		if t != service.MetricRows && t != service.MetricProgress {
			out[t] = true
		}
	}
	return out
}

// describeProjectStepMetric answers a series of the step from the metric history (sampled
// every few seconds while the step runs, downsampled as it ages), at most maxPointNum points
// (default 360), aggregated per bucket with aggregator when more are stored.
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
	case !omsMetricSteps[step]:
		return errs.Invalid("stepName must be FULL_TRANSFER, INCR_TRANSFER, FULL_VERIFIER or REVERSE_INCR_TRANSFER, got %q", req.StepName)
	case agg != "AVG" && agg != "NONE":
		return errs.Invalid("aggregator must be AVG or NONE, got %q", req.Aggregator)
	case req.BeginTimestamp < 0 || req.EndTimestamp < req.BeginTimestamp:
		return errs.Invalid("beginTimestamp and endTimestamp must be Unix seconds with begin ≤ end")
	case req.MaxPointNum != 0 && (req.MaxPointNum < 5 || req.MaxPointNum > 10080):
		return errs.Invalid("maxPointNum must be between 5 and 10080, got %d", req.MaxPointNum)
	}
	if !omsMetricTypes(step)[mt] {
		return errs.Invalid("metricType %q is not a metric of step %s", req.MetricType, step)
	}
	q := service.MetricQuery{ProjectID: trimmed(req.ProjectID), Step: model.StepName(step), Metric: mt,
		MaxPoints: req.MaxPointNum, Aggregator: agg}
	if req.EndTimestamp > 0 {
		q.From, q.To = time.Unix(req.BeginTimestamp, 0), time.Unix(req.EndTimestamp, 0)
	}
	ser, err := h.svc.MetricHistory(r.Context(), q)
	if err != nil {
		return err
	}
	series := metricSeries{Name: mt, Tags: map[string]string{"projectId": ser.ProjectID, "stepName": step}, DataPoints: make([]dataPoint, 0, len(ser.Points))}
	for _, p := range ser.Points {
		series.DataPoints = append(series.DataPoints, dataPoint{Timestamp: p.Time, Value: p.Value})
	}
	writeOK(w, r, stepMetric{Aggregator: agg, Metrics: []metricSeries{series}}, nil)
	return nil
}
