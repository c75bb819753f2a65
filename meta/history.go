package meta

import (
	"context"
	"time"
)

// HistoryStore keeps the metric history of projects: one value per (project, step, metric)
// and sample time, downsampled as it ages so that its size is bounded by the policy and the
// number of series, never by how long a project runs. Embedded in Store.
//
// Contracts: AppendPoints is idempotent per (series, resolution, time): a second point at the
// same instant replaces the first. QueryPoints returns the points of one series in
// [From, To] oldest first, whatever their resolution (the tiers cover disjoint time ranges
// once compacted). CompactPoints folds raw points older than RawFor into per-minute averages,
// per-minute averages older than MinuteFor into ten-minute averages, and drops what is older
// than Keep; averages are weighted by how many samples they stand for. Points are removed
// with their project by DeleteProject.
type HistoryStore interface {
	AppendPoints(ctx context.Context, pts []MetricPoint) error
	QueryPoints(ctx context.Context, q PointQuery) ([]MetricPoint, error)
	CompactPoints(ctx context.Context, p HistoryPolicy, now time.Time) error
}

// MetricPoint is one value of a series. Res is the resolution the value stands for, in
// seconds: 0 for a raw sample, 60 or 600 for an average over that bucket (Time is then the
// bucket's start). N is how many raw samples it averages (1 for a raw sample).
type MetricPoint struct {
	ProjectID string
	Step      string // OMS step name
	Metric    string // OMS metricType (RPS, IOPS, DELAY, …) or godwit's own (ROWS, PROGRESS)
	Time      time.Time
	Res       int
	Value     float64
	N         int
}

// PointQuery selects one series in a closed time range (zero To = now).
type PointQuery struct {
	ProjectID, Step, Metric string
	From, To                time.Time
}

// HistoryPolicy bounds the history. Zero fields take the defaults of DefaultHistoryPolicy.
type HistoryPolicy struct {
	RawFor    time.Duration // raw samples are kept this long (default 6 h)
	MinuteFor time.Duration // one-minute averages are kept this long (default 7 days)
	Keep      time.Duration // ten-minute averages are kept this long (default 90 days)
}

// DefaultHistoryPolicy is the default retention: at a 10 s sample interval a series holds at
// most 2 160 raw points, 10 080 one-minute and 12 960 ten-minute points.
var DefaultHistoryPolicy = HistoryPolicy{RawFor: 6 * time.Hour, MinuteFor: 7 * 24 * time.Hour, Keep: 90 * 24 * time.Hour}

// WithDefaults returns p with zero fields set from DefaultHistoryPolicy.
func (p HistoryPolicy) WithDefaults() HistoryPolicy {
	if p.RawFor <= 0 {
		p.RawFor = DefaultHistoryPolicy.RawFor
	}
	if p.MinuteFor <= 0 {
		p.MinuteFor = DefaultHistoryPolicy.MinuteFor
	}
	if p.Keep <= 0 {
		p.Keep = DefaultHistoryPolicy.Keep
	}
	return p
}
