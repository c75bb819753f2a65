package state

// Switchover state keys (TRANSFER_APP_SWITCH). The service writes the request, the step
// owns the state; both are persisted so a restarted step re-derives its phase.
const (
	// SwitchRequestKey holds the user's latest model.SwitchRequest (JSON).
	SwitchRequestKey = "switch.request"
	// SwitchKey holds the step's model.SwitchState (JSON).
	SwitchKey = "switch.state"
)

// VerifyFromSeq holds the forward stream's applied store seq when FULL_VERIFIER started a
// run (decimal text): the switchover's final check re-compares the keys changed after it.
const VerifyFromSeq = "switch.verifyFromSeq"
