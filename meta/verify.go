package meta

import (
	"context"
	"time"
)

// VerifyStore persists verification runs, per-table results, per-chunk state and row
// differences. Embedded in Store. Contracts as for Store: safe for concurrent use, durable
// on return; unknown run ids return a KindNotFound *errs.Error.
type VerifyStore interface {
	// CreateVerifyRun stores a new run (r.ID set by the caller).
	CreateVerifyRun(ctx context.Context, r *VerifyRun) error
	// UpdateVerifyRun overwrites status, result, counters, message and times of r.ID.
	UpdateVerifyRun(ctx context.Context, r *VerifyRun) error
	GetVerifyRun(ctx context.Context, id string) (*VerifyRun, error)
	// ListVerifyRuns lists the runs of a project, newest first.
	ListVerifyRuns(ctx context.Context, projectID string, page, size int) ([]VerifyRun, int64, error)

	// SaveVerifyChunks replaces the chunk plan of (runID, table).
	SaveVerifyChunks(ctx context.Context, runID, table string, chunks []VerifyChunk) error
	ListVerifyChunks(ctx context.Context, runID, table string) ([]VerifyChunk, error)
	// FinishVerifyChunk marks c DONE with its counts and stores its differences in one
	// transaction, replacing any differences stored for that chunk before (so a chunk
	// redone after a crash never duplicates them).
	FinishVerifyChunk(ctx context.Context, c VerifyChunk, diffs []VerifyDiff) error

	// PutVerifyTable inserts or replaces the result of (t.RunID, t.Table).
	PutVerifyTable(ctx context.Context, t *VerifyTable) error
	ListVerifyTables(ctx context.Context, f VerifyTableFilter) ([]VerifyTable, int64, error)

	// AddVerifyDiffs appends differences not tied to a chunk plan (incremental verification,
	// re-checks); Chunk should be -1.
	AddVerifyDiffs(ctx context.Context, diffs []VerifyDiff) error
	// ListVerifyDiffs lists differences ordered by table, then insertion.
	ListVerifyDiffs(ctx context.Context, f VerifyDiffFilter) ([]VerifyDiff, int64, error)
	// DeleteVerifyRuns removes every run of a project with its tables, chunks and diffs.
	DeleteVerifyRuns(ctx context.Context, projectID string) error
}

// Verification run statuses.
const (
	VerifyRunning  = "RUNNING"
	VerifyFinished = "FINISHED"
	VerifyFailed   = "FAILED"
	VerifyStopped  = "SUSPEND"
)

// Difference kinds.
const (
	DiffOnlyInSource = "ONLY_IN_SOURCE"
	DiffOnlyInTarget = "ONLY_IN_TARGET"
	DiffDifferent    = "DIFFERENT"
)

// VerifyRun is one verification pass over a selection of tables.
type VerifyRun struct {
	ID        string
	ProjectID string // "" for runs not tied to a project
	Kind      string // FULL | RECHECK | INCR
	Status    string // RUNNING | FINISHED | FAILED | SUSPEND
	Result    string // CONSISTENT | INCONSISTENT | "" while running
	Tables    int
	Diffs     int64
	Message   string
	Options   string // JSON of the options the run was started with
	Started   time.Time
	Finished  time.Time // zero while running
}

// VerifyTable is the result of one table within a run. Table is the source "db.table".
type VerifyTable struct {
	RunID        string
	Table        string
	Target       string
	Status       string // RUNNING | FINISHED | ERROR
	Result       string // DRS/OMS resultType: CONSISTENT | INCONSISTENT | BOTH_EMPTY | …
	SourceRows   int64
	TargetRows   int64
	OnlyInSource int64
	OnlyInTarget int64
	Different    int64
	Chunks       int
	ChunksDone   int
	Message      string
	Updated      time.Time
}

// VerifyChunk is the persisted state of one verification chunk; Lower/Upper are
// change.EncodeKey strings.
type VerifyChunk struct {
	RunID      string
	Table      string
	Seq        int
	Lower      string
	Upper      string
	Status     string // PENDING | DONE
	SourceRows int64
	TargetRows int64
	// Differences found in the chunk by kind (counted even beyond the stored-diff limit).
	OnlyInSource int64
	OnlyInTarget int64
	Different    int64
	Mismatch     bool // the chunk's counts or hashes differed
}

// VerifyDiff is one row difference.
type VerifyDiff struct {
	ID        int64
	RunID     string
	Table     string   // source "db.table"
	Target    string   // target "db.table"
	Chunk     int      // chunk seq; -1 when not from a chunk
	Kind      string   // ONLY_IN_SOURCE | ONLY_IN_TARGET | DIFFERENT
	Key       string   // change.EncodeKey of the key values
	KeyText   string   // human form, e.g. "id=42"
	Columns   []string // differing columns (source names), DIFFERENT only
	SourceSQL string   // SELECT showing the row on the source
	TargetSQL string   // SELECT showing the row on the target
	FixSQL    string   // statement that makes the target row equal
}

// VerifyTableFilter selects table results of a run; zero values match everything.
type VerifyTableFilter struct {
	RunID         string
	SourceSchemas []string
	DestSchemas   []string
	Statuses      []string
	Page, Size    int
}

// VerifyDiffFilter selects differences of a run; zero values match everything.
type VerifyDiffFilter struct {
	RunID      string
	Table      string // source "db.table"
	Kind       string
	Page, Size int
}
