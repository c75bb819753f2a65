package service

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
)

// HistoryConfig configures the metric sampler.
type HistoryConfig struct {
	Interval     time.Duration      // between samples (default 10 s)
	CompactEvery time.Duration      // between compactions (default 10 min)
	Policy       meta.HistoryPolicy // retention and downsampling (zero = meta.DefaultHistoryPolicy)
}

func (c HistoryConfig) withDefaults() HistoryConfig {
	if c.Interval <= 0 {
		c.Interval = 10 * time.Second
	}
	if c.CompactEvery <= 0 {
		c.CompactEvery = 10 * time.Minute
	}
	c.Policy = c.Policy.WithDefaults()
	return c
}

// history is the sampler's memory: the previous counters of each running step (to derive
// rates) and the latest derived rates (shown in the step info of steps that do not measure
// their own). It is rebuilt after a restart from the next two samples.
type history struct {
	cfg HistoryConfig

	mu     sync.Mutex
	prev   map[string]counters           // project/step → last counters
	latest map[string]map[string]float64 // project/step → metric → latest derived value
	seen   map[string]time.Time          // project/step → when latest was computed
}

type counters struct {
	at          time.Time
	rows, rows2 int64 // applied or compared rows (source, target)
	bytes       int64
}

func newHistory(cfg HistoryConfig) *history {
	return &history{cfg: cfg.withDefaults(), prev: map[string]counters{}, latest: map[string]map[string]float64{}, seen: map[string]time.Time{}}
}

// SetHistory configures the metric sampler. Call before serving and before RunHistory.
func (s *Service) SetHistory(cfg HistoryConfig) { s.hist = newHistory(cfg) }

func (s *Service) historyState() *history { return s.hist }

// RunHistory samples the metrics of running projects every HistoryConfig.Interval and
// compacts the history every CompactEvery, until ctx ends.
func (s *Service) RunHistory(ctx context.Context) {
	h := s.historyState()
	t := time.NewTicker(h.cfg.Interval)
	defer t.Stop()
	lastCompact := s.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.SampleMetrics(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("metric sampling failed", "err", err)
			}
			if now := s.now(); now.Sub(lastCompact) >= h.cfg.CompactEvery {
				lastCompact = now
				if err := s.store.CompactPoints(ctx, h.cfg.Policy, now); err != nil && ctx.Err() == nil {
					s.log.Warn("metric history compaction failed", "err", err)
				}
			}
		}
	}
}

// SampleMetrics records one sample of every step that is running (RUNNING, or MONITORING
// for incremental sync) in a RUNNING project.
func (s *Service) SampleMetrics(ctx context.Context) error {
	views, _, err := s.ListProjects(ctx, meta.ProjectFilter{Statuses: []string{string(model.StatusRunning)}})
	if err != nil {
		return err
	}
	h := s.historyState()
	now := s.now().UTC()
	var pts []meta.MetricPoint
	for i := range views {
		v := &views[i]
		for j := range v.Steps {
			st := &v.Steps[j]
			if st.Status != model.StepRunning && st.Status != model.StepMonitoring {
				continue
			}
			vals := s.sampleStep(ctx, h, v, st, now)
			for m, val := range vals {
				pts = append(pts, meta.MetricPoint{ProjectID: v.ID, Step: string(st.Name), Metric: m, Time: now, Value: val, N: 1})
			}
		}
	}
	return s.store.AppendPoints(ctx, pts)
}

func pick(dst map[string]float64, metric string, v *int64) {
	if v != nil {
		dst[metric] = float64(*v)
	}
}

// sampleStep returns the values of one running step now, deriving rates from the previous
// sample where the step does not measure them itself.
func (s *Service) sampleStep(ctx context.Context, h *history, v *ProjectView, st *model.Step, now time.Time) map[string]float64 {
	out := map[string]float64{}
	key := v.ID + "/" + string(st.Name)
	info := &st.Info
	rate := func(cur counters) (float64, float64, float64, bool) {
		h.mu.Lock()
		prev, ok := h.prev[key]
		h.prev[key] = cur
		h.mu.Unlock()
		dt := cur.at.Sub(prev.at).Seconds()
		if !ok || dt <= 0 || cur.rows < prev.rows {
			return 0, 0, 0, false
		}
		return float64(cur.rows-prev.rows) / dt, float64(cur.rows2-prev.rows2) / dt, max(0, float64(cur.bytes-prev.bytes)/dt), true
	}
	derived := map[string]float64{}
	switch st.Name {
	case model.StepFull:
		pick(out, MetricRPS, info.DstRps)
		pick(out, MetricIOPS, info.DstIops)
		pick(out, MetricSourceReadTime, info.SrcRt)
		pick(out, MetricSinkExecuteTime, info.DstRt)
		pick(out, MetricRows, info.ProcessedRecords)
		out[MetricProgress] = float64(st.Progress)
	case model.StepIncr:
		inc, err := s.IncrStatus(ctx, v.ID)
		if err != nil {
			return out
		}
		out[MetricDelay] = float64(inc.DelayMillis) / 1000
		out[MetricRows] = float64(inc.RowsApplied)
		if r, _, b, ok := rate(counters{at: now, rows: inc.RowsApplied, bytes: inc.StoreBytes}); ok {
			derived[MetricRPS], derived[MetricIOPS] = r, b
		} else {
			derived[MetricRPS] = float64(inc.EventsPerSec)
		}
	case model.StepFullVerify:
		run, err := s.VerifyRun(ctx, v.ID, "")
		if err != nil {
			return out
		}
		tables, _, err := s.VerifyTables(ctx, v.ID, meta.VerifyTableFilter{RunID: run.ID})
		if err != nil {
			return out
		}
		var src, dst int64
		for _, t := range tables {
			src, dst = src+t.SourceRows, dst+t.TargetRows
		}
		out[MetricRows] = float64(src)
		out[MetricProgress] = float64(st.Progress)
		if rs, rd, _, ok := rate(counters{at: now, rows: src, rows2: dst}); ok {
			derived[MetricVerifySrcRps], derived[MetricVerifyDstRps] = rs, rd
			// Bytes read are not measured by the verifier: estimated from the rows read and
			// the average row size the full copy measured.
			if w := avgRowBytes(v); w > 0 {
				derived[MetricVerifySrcIops], derived[MetricVerifyDstIops] = rs*w, rd*w
			}
		}
	default:
		return out
	}
	for m, val := range derived {
		out[m] = val
	}
	if len(derived) > 0 {
		h.mu.Lock()
		h.latest[key], h.seen[key] = derived, now
		h.mu.Unlock()
	}
	return out
}

// avgRowBytes is the average source row size the project's full copy measured (0 unknown).
func avgRowBytes(v *ProjectView) float64 {
	for _, st := range v.Steps {
		if st.Name == model.StepFull && st.Info.ProcessedRecords != nil && st.Info.ProcessedBytes != nil && *st.Info.ProcessedRecords > 0 {
			return float64(*st.Info.ProcessedBytes) / float64(*st.Info.ProcessedRecords)
		}
	}
	return 0
}

// fillRates sets the rates of incremental sync and verification steps that do not report
// their own from the sampler's latest derived values (while they are fresh: at most three
// sample intervals old, and only while the step runs).
func (s *Service) fillRates(v *ProjectView) {
	if s.hist == nil {
		return
	}
	h := s.hist
	now := s.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range v.Steps {
		st := &v.Steps[i]
		key := v.ID + "/" + string(st.Name)
		d, ok := h.latest[key]
		if !ok || now.Sub(h.seen[key]) > 3*h.cfg.Interval || (st.Status != model.StepRunning && st.Status != model.StepMonitoring) {
			continue
		}
		set := func(p **int64, metric string) {
			if val, ok := d[metric]; ok && (*p == nil || **p == 0) {
				*p = model.Int64(int64(val + 0.5))
			}
		}
		switch st.Name {
		case model.StepIncr:
			set(&st.Info.DstRps, MetricRPS)
			set(&st.Info.SrcRps, MetricRPS)
			set(&st.Info.DstIops, MetricIOPS)
			set(&st.Info.SrcIops, MetricIOPS)
		case model.StepFullVerify:
			set(&st.Info.SrcRps, MetricVerifySrcRps)
			set(&st.Info.DstRps, MetricVerifyDstRps)
			set(&st.Info.SrcIops, MetricVerifySrcIops)
			set(&st.Info.DstIops, MetricVerifyDstIops)
		}
	}
}

// MetricHistory implements MonitorAPI.
func (s *Service) MetricHistory(ctx context.Context, q MetricQuery) (*MetricSeries, error) {
	q.Step = model.StepName(strings.ToUpper(strings.TrimSpace(string(q.Step))))
	q.Metric = strings.ToUpper(strings.TrimSpace(q.Metric))
	q.Aggregator = strings.ToUpper(strings.TrimSpace(q.Aggregator))
	types, ok := StepMetricTypes[q.Step]
	if !ok {
		names := make([]string, 0, len(StepMetricTypes))
		for n := range StepMetricTypes {
			names = append(names, string(n))
		}
		sort.Strings(names)
		return nil, errs.Invalid("step %q has no metric history (steps: %s)", q.Step, strings.Join(names, ", "))
	}
	known := false
	for _, t := range types {
		known = known || t == q.Metric
	}
	if !known {
		return nil, errs.Invalid("metric %q is not a metric of step %s (metrics: %s)", q.Metric, q.Step, strings.Join(types, ", "))
	}
	switch q.Aggregator {
	case "":
		q.Aggregator = AggregateAvg
	case AggregateAvg, AggregateNone, AggregateMax:
	default:
		return nil, errs.Invalid("aggregator %q must be AVG, NONE or MAX", q.Aggregator)
	}
	if q.MaxPoints < 0 || q.MaxPoints > 10080 {
		return nil, errs.Invalid("maxPoints %d must be between 1 and 10080", q.MaxPoints)
	}
	if q.MaxPoints == 0 {
		q.MaxPoints = 360
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-time.Hour)
	}
	if q.To.Before(q.From) {
		return nil, errs.Invalid("the time range ends before it begins")
	}
	if _, err := s.store.GetProject(ctx, q.ProjectID); err != nil {
		return nil, err
	}
	pts, err := s.store.QueryPoints(ctx, meta.PointQuery{ProjectID: q.ProjectID, Step: string(q.Step), Metric: q.Metric, From: q.From, To: q.To})
	if err != nil {
		return nil, err
	}
	return &MetricSeries{ProjectID: q.ProjectID, Step: string(q.Step), Metric: q.Metric, Unit: MetricUnit(q.Metric),
		Points: downsample(pts, q)}, nil
}

// downsample reduces pts (oldest first) to at most q.MaxPoints points over [From, To].
func downsample(pts []meta.MetricPoint, q MetricQuery) []MetricSample {
	out := make([]MetricSample, 0, min(len(pts), q.MaxPoints))
	if len(pts) <= q.MaxPoints {
		for _, p := range pts {
			out = append(out, MetricSample{Time: p.Time.UnixMilli(), Value: p.Value})
		}
		return out
	}
	from, span := q.From.UnixMilli(), q.To.UnixMilli()-q.From.UnixMilli()+1
	cur, n := -1, 0
	var sum, weight float64
	flush := func() {
		if n > 0 && q.Aggregator == AggregateAvg && weight > 0 {
			out[len(out)-1].Value = sum / weight
		}
	}
	for _, p := range pts {
		b := int((p.Time.UnixMilli() - from) * int64(q.MaxPoints) / span)
		b = min(max(b, 0), q.MaxPoints-1)
		w := float64(max(p.N, 1))
		if b != cur {
			flush()
			cur, n, sum, weight = b, 0, 0, 0
			out = append(out, MetricSample{Time: p.Time.UnixMilli(), Value: p.Value})
		}
		n++
		sum, weight = sum+p.Value*w, weight+w
		last := &out[len(out)-1]
		switch q.Aggregator {
		case AggregateNone:
			last.Time, last.Value = p.Time.UnixMilli(), p.Value
		case AggregateMax:
			last.Value = max(last.Value, p.Value)
		}
	}
	flush()
	return out
}
