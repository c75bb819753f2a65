// Package state names the project state keys (meta.Store PutState/GetState) that more than
// one package reads: the steps write them, the service and the API views read them. Keys of
// one stream are in package stream (stream.Keys); the plan's key is plan.StateKey.
//
// These names are persisted: changing one is a format change that needs an upgrade path.
package state

const (
	// Precheck holds the JSON array of TRANSFER_PRECHECK's items (endpoint.CheckItem).
	Precheck = "precheck.items"
	// VerifyRun holds FULL_VERIFIER's run id, so a restarted step resumes the same run.
	VerifyRun = "verify.fullRun"
	// IncrVerifyRun holds the id of the run incremental verification stores differences in.
	IncrVerifyRun = "incr.verify.run"
)
