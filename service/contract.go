package service

import (
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/verify"
)

// The names of the service contract. The adapters (api/...) and the CLI use these and never
// import meta, endpoint or verify themselves (internal/archtest enforces it), so the service
// is the one seam between a wire shape and the packages behind it.
//
// They are aliases: a value is the very record the metadata store, the verifier or an
// endpoint produced, so what an adapter renders is unchanged. Adapters must treat them as
// read-only data; the packages behind may add fields, never repurpose one.

// List filters and pages. Page numbers start at 1; a Size of 0 means the store's default.
type (
	// DataSourceFilter selects data sources (ListDataSources).
	DataSourceFilter = meta.DataSourceFilter
	// ProjectFilter selects projects (ListProjects).
	ProjectFilter = meta.ProjectFilter
	// LogFilter selects project log entries (Logs).
	LogFilter = meta.LogFilter
	// LogEntry is one project log entry.
	LogEntry = meta.LogEntry
	// TableState is the per-table progress of a step (Tables).
	TableState = meta.TableState
)

// Verification results (VerifyAPI).
type (
	// VerifyRun is one verification run: its status, result and counts.
	VerifyRun = meta.VerifyRun
	// VerifyTable is one table's result in a run.
	VerifyTable = meta.VerifyTable
	// VerifyTableFilter selects tables of a run (RunID "" = the project's latest run).
	VerifyTableFilter = meta.VerifyTableFilter
	// VerifyDiff is one row difference of a run, with the SQL that shows and fixes it.
	VerifyDiff = meta.VerifyDiff
	// VerifyDiffFilter selects differences of a run (RunID "" = the latest run).
	VerifyDiffFilter = meta.VerifyDiffFilter
	// ObjectReport is CompareObjects' answer.
	ObjectReport = verify.ObjectReport
	// VerifyOptions tune a standalone verification (StandaloneVerifier).
	VerifyOptions = verify.Options
	// VerifyProgress is what a verification reports while it runs (VerifyOptions.Progress).
	VerifyProgress = verify.Progress
)

// Verification run and table statuses (VerifyRun.Status, VerifyTable.Status).
const (
	VerifyRunning  = meta.VerifyRunning
	VerifyFinished = meta.VerifyFinished
	VerifyStopped  = meta.VerifyStopped
)

// Row difference kinds (VerifyDiff.Kind, VerifyDiffFilter.Kind).
const (
	DiffOnlyInSource = meta.DiffOnlyInSource
	DiffOnlyInTarget = meta.DiffOnlyInTarget
	DiffDifferent    = meta.DiffDifferent
)

// Verification result types (OMS resultType vocabulary) the adapters distinguish.
const (
	VerifyConsistent          = verify.Consistent
	VerifyTargetTableNotExist = verify.TargetTableNotExist
	VerifyRuntimeException    = verify.RuntimeException
)

// VerifyDRSStatus maps a table's status and result type to the DRS compare status
// vocabulary (see verify.DRSStatus).
func VerifyDRSStatus(status, result string) string { return verify.DRSStatus(status, result) }

// VerifyIsConsistent reports whether a table result type counts as consistent.
func VerifyIsConsistent(result string) bool { return verify.IsConsistent(result) }

// VerifyCompared reports whether a finished table's result type comes from comparing its
// rows (false for TARGET_TABLE_NOT_EXIST and RUNTIME_EXCEPTION).
func VerifyCompared(result string) bool { return verify.Compared(result) }

// Precheck items (PrecheckResult, PrecheckRun.Items).
type (
	// CheckItem is one precheck result.
	CheckItem = endpoint.CheckItem
	// CheckStatus is a precheck item outcome.
	CheckStatus = endpoint.CheckStatus
)

// Precheck item outcomes.
const (
	CheckPassed = endpoint.CheckPassed
	CheckAlarm  = endpoint.CheckAlarm
	CheckFailed = endpoint.CheckFailed
)

// Documents adapters keep (OpsAPI.PutDocument and friends).
type (
	// Document is an opaque JSON object an adapter keeps; it never holds a password.
	Document = meta.Object
	// DocumentFilter selects documents.
	DocumentFilter = meta.ObjectFilter
)

// DocDRSJob is the document kind of a DRS job description.
const DocDRSJob = meta.KindDRSJob
