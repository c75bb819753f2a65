package service

import "context"

// IncrAPI is the incremental-sync part of the service contract. Embedded in API.
type IncrAPI interface {
	// IncrStatus reports the capture and apply state of a project with incremental sync.
	// A project without it answers errs KindInvalid.
	IncrStatus(ctx context.Context, id string) (*IncrStatus, error)
}

// Incremental phases (IncrStatus.Phase). CATCHING_UP and MONITORING are the apply step's own
// account and are shown only while the project is RUNNING; otherwise the project's status
// decides, so a stopped project never reads as live.
const (
	IncrPhaseWaiting    = "WAITING"     // not started yet, or the apply step has not begun
	IncrPhaseCatchingUp = "CATCHING_UP" // applying a backlog
	IncrPhaseMonitoring = "MONITORING"  // caught up, applying live changes
	IncrPhaseSuspended  = "SUSPENDED"   // the project is SUSPEND: nothing is captured or applied
	IncrPhaseFailed     = "FAILED"      // the project is FAILED: nothing is captured or applied
	IncrPhaseStopped    = "STOPPED"     // the project is FINISHED or released
)

// IncrStatus is the live state of TRANSFER_INCR_LOG_PULL and INCR_TRANSFER.
//
// Positions are the source endpoint's opaque strings (MySQL-family "file:pos"). P0 is where
// capture started (sampled before the full copy), P1 where the full copy ended (safe mode
// lasts until AppliedPos passes it). Times are source commit times, unix seconds.
type IncrStatus struct {
	ProjectID    string `json:"projectId"`
	Phase        string `json:"phase"` // one of the IncrPhase* values
	P0           string `json:"p0"`
	P1           string `json:"p1,omitempty"`
	PulledPos    string `json:"pulledPos"`
	PulledSeq    uint64 `json:"pulledSeq"`
	PulledTime   int64  `json:"pulledTime"`
	AppliedPos   string `json:"appliedPos"`
	AppliedSeq   uint64 `json:"appliedSeq"`
	AppliedTime  int64  `json:"appliedTime"`
	SafeMode     bool   `json:"safeMode"`
	DelayMillis  int64  `json:"delayMillis"`  // now − commit time of the oldest unapplied txn; 0 when caught up; as last measured while running
	EventsPerSec int64  `json:"eventsPerSec"` // row events applied per second, recent average
	RowsApplied  int64  `json:"rowsApplied"`
	RowsFiltered int64  `json:"rowsFiltered"` // row changes skipped because they stay outside a whereClause
	DDLApplied   int64  `json:"ddlApplied"`
	StoreBytes   int64  `json:"storeBytes"`
	// Tables has per-table DML/DDL counts when enableIncrSyncStatistics is on.
	Tables []IncrTableStats `json:"tables,omitempty"`
}

// IncrTableStats counts applied changes of one source table.
type IncrTableStats struct {
	Table   string `json:"table"` // source "db.table"
	Inserts int64  `json:"inserts"`
	Updates int64  `json:"updates"`
	Deletes int64  `json:"deletes"`
	DDLs    int64  `json:"ddls"`
}
