// Package service is godwit's one internal API. Every wire shape (native REST, OMS v2,
// OMS V3.3, DRS v5), the CLI and the console call it; none of them touches the metadata
// store, the engine or an endpoint directly. Errors are *errs.Error.
package service

import (
	"context"
	"time"

	"github.com/godwit/godwit/model"
)

// API is the service contract the adapters depend on.
type API interface {
	VerifyAPI  // verification runs and results (service/verify_api.go)
	IncrAPI    // incremental sync status (service/incr_api.go)
	MonitorAPI // metric history (service/monitor_api.go)
	OpsAPI     // labels, config updates, modify records, prechecks, alarms, adapter documents (service/ops_api.go)
	SwitchAPI  // switchover and reverse sync (service/switch.go)

	// CreateDataSource validates ds, tests connectivity (unless skipTest) and stores it.
	// Connectivity failures are errs with Code PARAM_ERROR and a message starting
	// "Connectivity test failed" (an OMS client fact).
	CreateDataSource(ctx context.Context, ds model.DataSource, skipTest bool) (string, error)
	GetDataSource(ctx context.Context, id string) (*model.DataSource, error) // Password always empty
	ListDataSources(ctx context.Context, f DataSourceFilter) ([]model.DataSource, int64, error)
	DeleteDataSource(ctx context.Context, id string) error

	// CreateProject validates p (endpoints exist, names, filters parse) and stores it in INIT.
	CreateProject(ctx context.Context, p model.Project) (string, error)
	GetProject(ctx context.Context, id string) (*ProjectView, error)
	ListProjects(ctx context.Context, f ProjectFilter) ([]ProjectView, int64, error)
	Steps(ctx context.Context, id string) ([]model.Step, error)
	Progress(ctx context.Context, id string) (*Progress, error)
	Tables(ctx context.Context, id string, step model.StepName) ([]TableState, error)
	Logs(ctx context.Context, f LogFilter) ([]LogEntry, int64, error)
	PrecheckResult(ctx context.Context, id string) ([]CheckItem, error)

	// Lifecycle; illegal transitions return errs KindState (OMS rules, see oms-v2.md §8).
	StartProject(ctx context.Context, id string) error   // INIT → RUNNING
	StopProject(ctx context.Context, id string) error    // RUNNING → SUSPEND
	ResumeProject(ctx context.Context, id string) error  // SUSPEND | FAILED → RUNNING
	ReleaseProject(ctx context.Context, id string) error // SUSPEND | FAILED | FINISHED → RELEASED
	DeleteProject(ctx context.Context, id string) error  // INIT | RELEASED → DELETED
}

// ProjectView is a project with everything DescribeProject shows.
type ProjectView struct {
	model.Project
	Source *model.DataSource // password empty
	Sink   *model.DataSource
	Steps  []model.Step
	Extra  ProjectExtra
	Alarm  *AlarmStats // nil when the service keeps no alarm state (adapters render a quiet alarmStats)
}

// ProjectExtra is derived, not stored: the running step and its progress, delays.
type ProjectExtra struct {
	RunningStep       string
	RunningProgress   int
	MonitoringIncr    bool
	SyncDelay         *int64 // seconds
	SyncDelaySample   *int64 // unix seconds
	IncrSyncTimestamp *int64
}

// Progress is DescribeProjectProgress / V3.3 progress.
type Progress struct {
	ProjectID             string
	Status                model.ProjectStatus
	Importance            string
	CurrentStep           model.StepName // "" when none
	EnableStruct          bool
	EnableFull            bool
	EnableIncr            bool
	EnableReverse         bool
	StructProgress        int
	FullProgress          int
	IncrCheckpoint        *int64
	ReverseIncrCheckpoint *int64
	Updated               time.Time
}
