package service

import (
	"context"
	"time"

	"github.com/godwit/godwit/model"
)

// MonitorAPI is the metric-history part of the service contract (OMS
// DescribeProjectStepMetric, DRS ShowMonitorData, the console charts). Embedded in API.
type MonitorAPI interface {
	// MetricHistory returns one series of a project's step from the metric history, at most
	// q.MaxPoints points (see MetricQuery). Unknown steps or metric types are errs
	// KindInvalid naming the field; an unknown project is errs.ProjectNotFound.
	MetricHistory(ctx context.Context, q MetricQuery) (*MetricSeries, error)
}

// Aggregators of MetricQuery.
const (
	AggregateAvg  = "AVG"  // each returned point is the sample-weighted average of its bucket
	AggregateNone = "NONE" // each returned point is a stored point (the last of its bucket)
	AggregateMax  = "MAX"  // each returned point is the largest stored value of its bucket
)

// MetricQuery selects a series. From/To bound it (zero To = now, zero From = To − 1 h).
// MaxPoints caps the answer (0 = 360): when more points are stored, [From, To] is cut into
// MaxPoints equal buckets and each non-empty bucket yields one point.
type MetricQuery struct {
	ProjectID  string
	Step       model.StepName
	Metric     string
	From, To   time.Time
	MaxPoints  int
	Aggregator string // AVG (default) | NONE | MAX
}

// MetricSeries is the answer of MetricHistory, oldest point first.
type MetricSeries struct {
	ProjectID string         `json:"projectId"`
	Step      string         `json:"step"`
	Metric    string         `json:"metric"`
	Unit      string         `json:"unit"`
	Points    []MetricSample `json:"points"`
}

// MetricSample is one point: Time in unix milliseconds.
type MetricSample struct {
	Time  int64   `json:"t"`
	Value float64 `json:"v"`
}

// Metric types kept in the history. The OMS ones keep their OMS names and units (rates per
// second, IOPS in bytes per second, times in milliseconds, DELAY in seconds); ROWS (rows moved
// or compared so far) and PROGRESS (percent) are godwit's, for the console.
const (
	MetricRPS             = "RPS"
	MetricIOPS            = "IOPS"
	MetricDelay           = "DELAY"
	MetricSourceReadTime  = "SOURCE_READ_TIME"
	MetricSourceSliceTime = "SOURCE_SLICE_TIME"
	MetricSinkExecuteTime = "SINK_EXECUTE_TIME"
	MetricSinkCommitTime  = "SINK_COMMIT_TIME"
	MetricVerifySrcRps    = "FULL_VERIFY_SOURCE_RPS"
	MetricVerifySrcIops   = "FULL_VERIFY_SOURCE_READ_IOPS"
	MetricVerifyDstRps    = "FULL_VERIFY_DEST_RPS"
	MetricVerifyDstIops   = "FULL_VERIFY_DEST_READ_IOPS"
	MetricRows            = "ROWS"
	MetricProgress        = "PROGRESS"
)

// StepMetricTypes lists the metric types of each step that has a history. SOURCE_SLICE_TIME
// and SINK_COMMIT_TIME are accepted (OMS clients ask for them) but godwit does not measure
// them: their series are empty.
var StepMetricTypes = map[model.StepName][]string{
	model.StepFull: {MetricRPS, MetricIOPS, MetricSourceReadTime, MetricSourceSliceTime, MetricSinkExecuteTime, MetricRows, MetricProgress},
	model.StepIncr: {MetricDelay, MetricIOPS, MetricRPS, MetricSinkCommitTime, MetricSinkExecuteTime, MetricRows},
	model.StepFullVerify: {MetricVerifySrcRps, MetricVerifySrcIops, MetricVerifyDstRps, MetricVerifyDstIops,
		MetricRows, MetricProgress},
	model.StepReverseIncr: {MetricRPS, MetricIOPS, MetricDelay, MetricSinkExecuteTime, MetricSinkCommitTime},
}

// MetricUnit is the unit of a metric type.
func MetricUnit(metric string) string {
	switch metric {
	case MetricRPS, MetricVerifySrcRps, MetricVerifyDstRps:
		return "rows/s"
	case MetricIOPS, MetricVerifySrcIops, MetricVerifyDstIops:
		return "bytes/s"
	case MetricDelay:
		return "s"
	case MetricRows:
		return "rows"
	case MetricProgress:
		return "%"
	}
	return "ms"
}
