package service

import (
	"context"
	"io"
)

// VerifyAPI is the verification part of the service contract (runs, results, diffs,
// corrections, object comparison). Embedded in API. A runID of "" means the project's
// latest run (FULL_VERIFIER's, or a later re-check).
type VerifyAPI interface {
	// VerifyRuns lists a project's verification runs, newest first.
	VerifyRuns(ctx context.Context, projectID string, page, size int) ([]VerifyRun, int64, error)
	// VerifyRun returns one run of the project; errs KindNotFound when there is none.
	VerifyRun(ctx context.Context, projectID, runID string) (*VerifyRun, error)
	// VerifyTables lists per-table results of a run (f.RunID "" = latest).
	VerifyTables(ctx context.Context, projectID string, f VerifyTableFilter) ([]VerifyTable, int64, error)
	// VerifyDiffs lists row differences of a run (f.RunID "" = latest), with their SQL.
	VerifyDiffs(ctx context.Context, projectID string, f VerifyDiffFilter) ([]VerifyDiff, int64, error)
	// VerifyCorrections writes the run's correction script (one statement per line) to w.
	VerifyCorrections(ctx context.Context, projectID, runID string, w io.Writer) error
	// StartVerify starts a verification run of the project in the background and returns
	// its id (and how many corrections were applied); see VerifyRequest. Errs KindState while
	// another run of the project is RUNNING.
	StartVerify(ctx context.Context, projectID string, req VerifyRequest) (*VerifyStarted, error)
	// CompareObjects compares databases, tables, views, columns and indexes of the project's
	// selection on both sides by mapped name.
	CompareObjects(ctx context.Context, projectID string) (*ObjectReport, error)
}

// VerifyRequest says what StartVerify does.
type VerifyRequest struct {
	// FromRun is the run whose results drive this one ("" = latest).
	FromRun string `json:"fromRun"`
	// ApplyCorrections applies FromRun's corrections on the target first (synchronously;
	// errors are returned), then re-checks.
	ApplyCorrections bool `json:"applyCorrections"`
	// OnlyInconsistent re-checks only FromRun's tables that were not consistent (implied by
	// ApplyCorrections); otherwise every table of the project is verified.
	OnlyInconsistent bool `json:"onlyInconsistent"`
	// Resume continues FromRun itself (after a crash or restart) instead of starting a new run.
	Resume bool `json:"resume"`
}

// VerifyStarted is StartVerify's answer on the wire.
type VerifyStarted struct {
	RunID   string `json:"runId"`
	Applied int    `json:"appliedCorrections"`
}
