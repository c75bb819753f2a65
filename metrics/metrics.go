// Package metrics is godwit's Prometheus exposition (GET /metrics). It owns its registry
// (no package-level registry, no global collectors): New builds one per server.
//
// Two kinds of series:
//   - project series are read from the service at scrape time (a custom collector), so they
//     are never stale and cost nothing between scrapes: per project and step the rows and
//     bytes moved, rates, progress and status; per project the apply delay, capture lag,
//     change-store size and age, verification progress and differences, active alarms and
//     the codes of failed steps;
//   - request series are counted as requests are answered (ObserveRequest, wired through
//     api.Config.Observe): requests by route and status, their duration, errors by code;
//
// plus the Go runtime and process collectors.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/godwit/godwit/api"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// Metrics is one server's registry and request counters. Safe for concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	apiErrs  *prometheus.CounterVec
}

// Options configures New.
type Options struct {
	// ScrapeTimeout bounds the service reads of one scrape (default 10 s).
	ScrapeTimeout time.Duration
	Now           func() time.Time // default time.Now
	Log           *slog.Logger
}

// New returns the metrics of a server reading project state from svc.
func New(svc service.API, opt Options) *Metrics {
	if opt.ScrapeTimeout <= 0 {
		opt.ScrapeTimeout = 10 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "godwit_api_requests_total",
		Help: "API requests answered, by route pattern and HTTP status."}, []string{"route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "godwit_api_request_duration_seconds",
		Help: "API request duration by route pattern.", Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
		[]string{"route"})
	m.apiErrs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "godwit_errors_total",
		Help: "Errors answered by the API, by stable error code (OMS business errors included, whatever their HTTP status)."},
		[]string{"code"})
	m.reg.MustRegister(m.requests, m.duration, m.apiErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&projectCollector{svc: svc, timeout: opt.ScrapeTimeout, now: opt.Now, log: opt.Log})
	return m
}

// Registry returns the registry (tests, embedding).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the text exposition of the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// ObserveRequest counts one answered request (api.Config.Observe).
func (m *Metrics) ObserveRequest(o api.Observation) {
	m.requests.WithLabelValues(o.Route, strconv.Itoa(o.Status)).Inc()
	m.duration.WithLabelValues(o.Route).Observe(o.Duration.Seconds())
	if o.ErrorCode != "" {
		m.apiErrs.WithLabelValues(o.ErrorCode).Inc()
	}
}

// projectCollector reads every stored project from the service at scrape time.
type projectCollector struct {
	svc     service.API
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	dProject      = desc("godwit_project_info", "1 per project, labelled with its name, status and current step.", "project", "name", "status", "step")
	dStepStatus   = desc("godwit_step_status", "1 per step of a project, labelled with its status.", "project", "step", "status")
	dStepProgress = desc("godwit_step_progress_percent", "Progress of a step, 0..100.", "project", "step")
	dStepRows     = desc("godwit_step_rows_total", "Rows a step has moved or compared (processedRecords).", "project", "step")
	dStepBytes    = desc("godwit_step_bytes_total", "Source bytes a step has moved.", "project", "step")
	dStepRps      = desc("godwit_step_rows_per_second", "Recent rows per second of a step, by side.", "project", "step", "side")
	dStepIops     = desc("godwit_step_bytes_per_second", "Recent bytes per second of a step, by side.", "project", "step", "side")
	dStepError    = desc("godwit_step_failed", "1 for a FAILED step, labelled with its error code.", "project", "step", "code")
	dDelay        = desc("godwit_apply_delay_seconds", "Incremental apply delay: now minus the commit time of the oldest unapplied change (0 when caught up).", "project")
	dCaptureLag   = desc("godwit_capture_lag_seconds", "Now minus the source commit time of the last captured change (grows while the source is idle).", "project")
	dStoreBytes   = desc("godwit_change_store_bytes", "Size of the project's durable change store.", "project")
	dStoreAge     = desc("godwit_change_store_age_seconds", "Age of the oldest captured change not yet applied (0 when nothing is pending).", "project")
	dStoreKept    = desc("godwit_change_store_retention_seconds", "The change store's retention (storeLogKeptHour).", "project")
	dIncrRows     = desc("godwit_incr_rows_applied_total", "Row changes applied by incremental sync.", "project")
	dIncrDDL      = desc("godwit_incr_ddl_applied_total", "DDL statements applied by incremental sync.", "project")
	dIncrEps      = desc("godwit_incr_events_per_second", "Row changes applied per second, recent average.", "project")
	dVerifyTables = desc("godwit_verify_tables", "Tables of the latest verification run, by state (total, done).", "project", "state")
	dVerifyChunks = desc("godwit_verify_chunks", "Chunks of the latest verification run, by state (total, done).", "project", "state")
	dVerifyRows   = desc("godwit_verify_rows_total", "Rows compared by the latest verification run, by side.", "project", "side")
	dVerifyDiffs  = desc("godwit_verify_differences", "Differences found by the latest verification run, by kind.", "project", "kind")
	dAlarm        = desc("godwit_alarm_active", "1 for each alarm currently triggered, by rule.", "project", "rule")
	dAlarmCount   = desc("godwit_alarm_triggered_total", "How many times each alarm rule has triggered for a project.", "project", "rule")
	dScrapeErr    = desc("godwit_scrape_errors", "Service reads that failed during this scrape.")
)

func (c *projectCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dProject, dStepStatus, dStepProgress, dStepRows, dStepBytes, dStepRps, dStepIops,
		dStepError, dDelay, dCaptureLag, dStoreBytes, dStoreAge, dStoreKept, dIncrRows, dIncrDDL, dIncrEps,
		dVerifyTables, dVerifyChunks, dVerifyRows, dVerifyDiffs, dAlarm, dAlarmCount, dScrapeErr} {
		ch <- d
	}
}

func (c *projectCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	failed := 0
	views, _, err := c.svc.ListProjects(ctx, service.ProjectFilter{})
	if err != nil {
		c.log.Warn("metrics: listing projects failed", "err", err)
		failed++
	}
	now := c.now()
	for i := range views {
		failed += c.project(ctx, ch, &views[i], now)
	}
	ch <- prometheus.MustNewConstMetric(dScrapeErr, prometheus.GaugeValue, float64(failed))
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

func opt(ch chan<- prometheus.Metric, d *prometheus.Desc, v *int64, labels ...string) {
	if v != nil {
		gauge(ch, d, float64(*v), labels...)
	}
}

// project emits one project's series and returns how many service reads failed.
func (c *projectCollector) project(ctx context.Context, ch chan<- prometheus.Metric, v *service.ProjectView, now time.Time) int {
	id := v.ID
	gauge(ch, dProject, 1, id, v.Name, string(v.Status), v.Extra.RunningStep)
	for i := range v.Steps {
		st := &v.Steps[i]
		step := string(st.Name)
		gauge(ch, dStepStatus, 1, id, step, string(st.Status))
		gauge(ch, dStepProgress, float64(st.Progress), id, step)
		if st.Info.ProcessedRecords != nil {
			counter(ch, dStepRows, float64(*st.Info.ProcessedRecords), id, step)
		}
		if st.Info.ProcessedBytes != nil {
			counter(ch, dStepBytes, float64(*st.Info.ProcessedBytes), id, step)
		}
		opt(ch, dStepRps, st.Info.SrcRps, id, step, "source")
		opt(ch, dStepRps, st.Info.DstRps, id, step, "target")
		opt(ch, dStepIops, st.Info.SrcIops, id, step, "source")
		opt(ch, dStepIops, st.Info.DstIops, id, step, "target")
		if st.Status == model.StepFailed {
			code := "UNKNOWN"
			if st.Error != nil && st.Error.Code != "" {
				code = st.Error.Code
			}
			gauge(ch, dStepError, 1, id, step, code)
		}
	}
	if v.Alarm != nil {
		for rule, n := range v.Alarm.RuleToRecentlyTriggerCount {
			counter(ch, dAlarmCount, float64(n), id, rule)
		}
		for _, rule := range v.Alarm.Active {
			gauge(ch, dAlarm, 1, id, rule)
		}
	}
	failed := 0
	if v.EnableIncrTransfer {
		if st, err := c.svc.IncrStatus(ctx, id); err != nil {
			failed++
		} else {
			gauge(ch, dDelay, float64(st.DelayMillis)/1000, id)
			if st.PulledTime > 0 {
				gauge(ch, dCaptureLag, max(0, now.Sub(time.Unix(st.PulledTime, 0)).Seconds()), id)
			}
			gauge(ch, dStoreBytes, float64(st.StoreBytes), id)
			age := 0.0
			if st.AppliedSeq < st.PulledSeq && st.AppliedTime > 0 {
				age = max(0, now.Sub(time.Unix(st.AppliedTime, 0)).Seconds())
			}
			gauge(ch, dStoreAge, age, id)
			gauge(ch, dStoreKept, float64(v.IncrTransferConfig.StoreLogKeptHour)*3600, id)
			counter(ch, dIncrRows, float64(st.RowsApplied), id)
			counter(ch, dIncrDDL, float64(st.DDLApplied), id)
			gauge(ch, dIncrEps, float64(st.EventsPerSec), id)
		}
	}
	if v.EnableFullVerify {
		failed += c.verify(ctx, ch, id)
	}
	return failed
}

func (c *projectCollector) verify(ctx context.Context, ch chan<- prometheus.Metric, id string) int {
	run, err := c.svc.VerifyRun(ctx, id, "")
	if err != nil {
		return 0 // no run yet
	}
	tables, _, err := c.svc.VerifyTables(ctx, id, service.VerifyTableFilter{RunID: run.ID})
	if err != nil {
		return 1
	}
	var done, chunks, chunksDone int
	var src, dst, onlySrc, onlyDst, different int64
	for _, t := range tables {
		if t.Status != "RUNNING" {
			done++
		}
		chunks += t.Chunks
		chunksDone += t.ChunksDone
		src, dst = src+t.SourceRows, dst+t.TargetRows
		onlySrc, onlyDst, different = onlySrc+t.OnlyInSource, onlyDst+t.OnlyInTarget, different+t.Different
	}
	total := max(run.Tables, len(tables))
	gauge(ch, dVerifyTables, float64(total), id, "total")
	gauge(ch, dVerifyTables, float64(done), id, "done")
	gauge(ch, dVerifyChunks, float64(chunks), id, "total")
	gauge(ch, dVerifyChunks, float64(chunksDone), id, "done")
	counter(ch, dVerifyRows, float64(src), id, "source")
	counter(ch, dVerifyRows, float64(dst), id, "target")
	gauge(ch, dVerifyDiffs, float64(onlySrc), id, "only_in_source")
	gauge(ch, dVerifyDiffs, float64(onlyDst), id, "only_in_target")
	gauge(ch, dVerifyDiffs, float64(different), id, "different")
	return 0
}
