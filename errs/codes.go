package errs

import "fmt"

// Stable codes. GHANA-* and PARAM_ERROR/INNER_ERROR are OMS wire facts that clients match on;
// GODWIT-* are ours.
const (
	CodeInternal          = "INNER_ERROR"
	CodeParam             = "PARAM_ERROR"
	CodeProjectNotFound   = "GHANA-PROJECT000001"
	CodeProjectState      = "GHANA-PROJECT000002"
	CodeProjectDuplicate  = "GHANA-PROJECT000003"
	CodeDataSourceMissing = "GHANA-ENDPOINT000001"
	CodeDataSourceInUse   = "GHANA-ENDPOINT000002"
	CodeDataSourceDup     = "GHANA-ENDPOINT000003"
	CodeUnauthorized      = "GHANA-AUTH000001"
	CodeForbidden         = "GHANA-AUTH000002"
	CodeUnsupportedAction = "GHANA-OPERAT000404"
	CodeBodyTooLarge      = "GODWIT-API-0413"

	CodeConnect          = "GODWIT-CONN-0001"
	CodeAccessDenied     = "GODWIT-CONN-0002" // the server refused the credentials or the client host: not retried
	CodePrecheckFailed   = "GODWIT-PRECHECK-0001"
	CodeSchemaRead       = "GODWIT-STRUCT-0001"
	CodeSchemaCreate     = "GODWIT-STRUCT-0002"
	CodeCopyRead         = "GODWIT-FULL-0001"
	CodeCopyWrite        = "GODWIT-FULL-0002"
	CodeTargetNotEmpty   = "GODWIT-FULL-0003"
	CodeVerifyMismatch   = "GODWIT-VERIFY-0001"
	CodeVerifyFailed     = "GODWIT-VERIFY-0002"
	CodeBadFilter        = "GODWIT-FILTER-0001"
	CodeStepNotSupported = "GODWIT-STEP-0001"

	// Incremental sync (TRANSFER_INCR_LOG_PULL, INCR_TRANSFER).
	CodeIncrPositionGone = "GODWIT-INCR-0001" // the source purged the log at the stored position
	CodeIncrDecode       = "GODWIT-INCR-0002" // an event could not be decoded
	CodeIncrStore        = "GODWIT-INCR-0003" // the local change store is damaged or unwritable
	CodeIncrApply        = "GODWIT-INCR-0004" // a change could not be applied to the target
	CodeIncrConflict     = "GODWIT-INCR-0005" // conflict under the "stop" conflict policy
	CodeIncrDDL          = "GODWIT-INCR-0006" // a DDL could not be applied, or is refused by policy
	CodeIncrSettings     = "GODWIT-INCR-0007" // source log settings do not allow capture
)

// CodeTargetObject: a mapped target object is not a base table (a view, a sequence, …) or
// lies in a system schema, so godwit refuses to write rows into it.
const CodeTargetObject = "GODWIT-STRUCT-0003"

// ProjectNotFound is returned for an unknown project id.
func ProjectNotFound(id string) *Error {
	return New(KindNotFound, CodeProjectNotFound, fmt.Sprintf("project %s does not exist", id),
		"Check the project ID.").With("id", id)
}

// DataSourceNotFound is returned for an unknown data source id.
func DataSourceNotFound(id string) *Error {
	return New(KindNotFound, CodeDataSourceMissing, fmt.Sprintf("data source %s does not exist", id),
		"Check the data source ID (ListDataSource shows them).").With("id", id)
}

// Invalid is a parameter error.
func Invalid(format string, a ...any) *Error {
	return New(KindInvalid, CodeParam, fmt.Sprintf(format, a...),
		"Correct the request parameters and send it again.")
}

// IllegalState is an action not allowed from the project's current status.
func IllegalState(id, action, status, allowed string) *Error {
	return New(KindState, CodeProjectState,
		fmt.Sprintf("project %s cannot %s while %s", id, action, status),
		fmt.Sprintf("%s is allowed only when the project is %s.", action, allowed)).
		With("id", id).With("status", status)
}

// Unsupported is an action or option godwit does not implement.
func Unsupported(what string) *Error {
	return New(KindUnsupported, CodeUnsupportedAction, what+" is not supported by godwit",
		"See docs/API-COMPAT.md for what godwit supports.")
}

// Ownership of projects (meta.LeaseStore) and engine jobs.
const (
	// CodeLeaseLost: a write was refused because the writer's lease on the project was taken
	// over by another owner (its fencing token is stale). Nothing was written.
	CodeLeaseLost = "GODWIT-LEASE-0001"
	// CodeLeaseHeld: the project's lease is held by another live owner (another godwit node).
	CodeLeaseHeld = "GODWIT-LEASE-0002"
	// CodeJobBusy: a job of the same kind already runs for the project.
	CodeJobBusy = "GODWIT-JOB-0001"
)

// LeaseLost is the error of a write refused by its fencing token.
func LeaseLost(projectID string, token int64) *Error {
	return New(KindState, CodeLeaseLost,
		fmt.Sprintf("the lease on project %s (token %d) was taken over by another owner: write refused", projectID, token),
		"Another godwit node runs the project now; this node stopped its run. Nothing to do unless that node is unexpected.").
		With("id", projectID)
}

// Switchover gates (TRANSFER_APP_SWITCH). Each refusal names its gate in Params["gate"]
// (fence, lag, diff, verify, state) and leaves the source un-fenced.
const (
	// CodeSwitchFence: the source could not be fenced, or it accepted a write after the fence.
	CodeSwitchFence = "GODWIT-SWITCH-0001"
	// CodeSwitchLag: the target did not catch up with the fenced source in time.
	CodeSwitchLag = "GODWIT-SWITCH-0002"
	// CodeSwitchDiff: the final check found rows that differ between source and target.
	CodeSwitchDiff = "GODWIT-SWITCH-0003"
	// CodeSwitchState: the switchover cannot be asked for now (step not reached, verification
	// not CONSISTENT, incremental sync not MONITORING, a switch in progress).
	CodeSwitchState = "GODWIT-SWITCH-0004"
)
