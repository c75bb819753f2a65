// Package meta is godwit's metadata store: data sources, projects, steps, per-chunk copy and
// verification state, table progress, project logs and small key/value state. The Store
// interface is implemented by meta/sqlite (embedded, default); a PostgreSQL implementation
// for several nodes can satisfy the same interface.
//
// Contracts: every method is safe for concurrent use; every write is durable when it returns;
// lookups of unknown ids return *errs.Error (errs.ProjectNotFound / errs.DataSourceNotFound).
// Passwords are encrypted at rest by the implementation and returned decrypted only by
// GetDataSource (for the engine); ListDataSources never fills Password.
//
// Ownership (meta/lease.go): a node runs a project only while it holds the project's lease,
// and every write the run makes to the project's state (steps, chunks, tables, key/value
// state, verification results, logs, lifecycle writes through ModifyProject) goes through
// the Fenced view of that lease, so it lands only if the lease's fencing token is still the
// project's: a node whose lease was taken over can no longer change anything, even if it has
// not noticed yet. Writes through the plain Store (the API's configuration changes, user
// lifecycle requests) are not fenced.
package meta

import (
	"context"
	"time"

	"github.com/godwit/godwit/model"
)

// Store is the metadata store.
type Store interface {
	VerifyStore  // verification results and diffs (meta/verify.go)
	OpsStore     // labels, alarms and other API-surface state (meta/ops.go)
	LeaseStore   // project ownership and fenced writes (meta/lease.go)
	HistoryStore // metric history, bounded and downsampled (meta/history.go)

	CreateDataSource(ctx context.Context, ds *model.DataSource) error // errs CodeDataSourceDup on name clash
	GetDataSource(ctx context.Context, id string) (*model.DataSource, error)
	ListDataSources(ctx context.Context, f DataSourceFilter) ([]model.DataSource, int64, error)
	DeleteDataSource(ctx context.Context, id string) error // errs CodeDataSourceInUse if a live project uses it

	// CreateProject stores p and its steps (status INIT) in one transaction.
	CreateProject(ctx context.Context, p *model.Project, steps []model.Step) error
	GetProject(ctx context.Context, id string) (*model.Project, error) // DELETED projects are not found
	ListProjects(ctx context.Context, f ProjectFilter) ([]model.Project, int64, error)
	// ModifyProject is the one way to change a stored project: it reads the project, calls
	// fn on it and writes the result back atomically, so two writers never lose each other's
	// changes (fn sees the latest committed row). An error from fn aborts the write and is
	// returned as is; fn must not call the store. Writers change only the fields they own:
	// the engine the lifecycle (Status, Desired, GmtStart, GmtFinish), the service the
	// configuration — so a configuration update can never undo a transition, nor the reverse.
	ModifyProject(ctx context.Context, id string, fn func(p *model.Project) error) (*model.Project, error)
	// DeleteProject marks the project DELETED and removes its steps, chunks, tables, state.
	DeleteProject(ctx context.Context, id string) error

	ListSteps(ctx context.Context, projectID string) ([]model.Step, error) // ordered by Order
	UpdateStep(ctx context.Context, s *model.Step) error                   // by (ProjectID, Name)

	// Chunk state for resumable steps (FULL_TRANSFER, FULL_VERIFIER). SaveChunks inserts
	// the plan of one table (replacing any previous plan of that table for that step).
	SaveChunks(ctx context.Context, projectID string, step model.StepName, table string, chunks []ChunkState) error
	ListChunks(ctx context.Context, projectID string, step model.StepName, table string) ([]ChunkState, error)
	// FinishChunk marks a chunk DONE with its measured rows/bytes and an optional result.
	FinishChunk(ctx context.Context, projectID string, step model.StepName, table string, seq int, rows, bytes int64, result string) error
	// ResetStepState drops all chunk and table state of a step (used when a step restarts from scratch).
	ResetStepState(ctx context.Context, projectID string, step model.StepName) error

	// Table state: one row per (project, step, table).
	PutTable(ctx context.Context, t *TableState) error
	ListTables(ctx context.Context, projectID string, step model.StepName) ([]TableState, error)

	AppendLog(ctx context.Context, e LogEntry) error
	ListLogs(ctx context.Context, f LogFilter) ([]LogEntry, int64, error)

	// Key/value state per project (checkpoints, step payloads). Get returns nil, nil if absent.
	PutState(ctx context.Context, projectID, key string, value []byte) error
	GetState(ctx context.Context, projectID, key string) ([]byte, error)

	// Settings are server-wide key/values (e.g. generated API credentials). Secret settings are
	// encrypted at rest like passwords.
	PutSetting(ctx context.Context, key, value string, secret bool) error
	GetSetting(ctx context.Context, key string) (string, bool, error)

	Close() error
}

// Chunk status values.
const (
	ChunkPending = "PENDING"
	ChunkDone    = "DONE"
)

// ChunkState is the persisted state of one chunk. Lower/Upper are change.EncodeKey strings.
type ChunkState struct {
	Table  string
	Seq    int
	Lower  string
	Upper  string
	Status string
	Rows   int64
	Bytes  int64
	Result string // step-specific (e.g. verification checksum pair as JSON)
}

// TableState is the persisted progress of one table within a step. Table is the source
// "db.table" key. Extra is step-specific JSON.
type TableState struct {
	ProjectID string
	Step      model.StepName
	Table     string
	Target    string // mapped "db.table"
	Status    string // INIT | PLANNED | RUNNING | FINISHED | FAILED
	Capacity  int64  // estimated rows
	Done      int64  // rows processed
	Bytes     int64
	Extra     string
	Updated   time.Time
}

// LogEntry is one project event.
type LogEntry struct {
	ID        int64
	ProjectID string
	Time      time.Time
	Level     string // INFO | WARN | ERROR
	Step      string
	Message   string
}

// DataSourceFilter selects data sources; zero values match everything.
type DataSourceFilter struct {
	SearchKey  string
	Types      []string
	Page, Size int    // 1-based page; Size 0 = all
	SortField  string // gmtCreate | gmtModified
	Asc        bool
}

// ProjectFilter selects projects; zero values match everything. DELETED projects never match.
type ProjectFilter struct {
	SearchKey  string
	Type       string
	Statuses   []string
	LabelIDs   []string
	Page, Size int
	SortField  string
	Asc        bool
}

// LogFilter selects log entries, newest first.
type LogFilter struct {
	ProjectID  string
	Level      string
	Since      time.Time
	Until      time.Time
	Page, Size int
}
