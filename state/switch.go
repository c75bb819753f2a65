package state

// Switchover state keys (TRANSFER_APP_SWITCH). The service writes the request, the step
// owns the state; both are persisted so a restarted step re-derives its phase.
const (
	// SwitchRequestKey holds the user's latest SwitchRequest (JSON).
	SwitchRequestKey = "switch.request"
	// SwitchKey holds the step's SwitchState (JSON).
	SwitchKey = "switch.state"
)

// Switch request actions.
const (
	SwitchNow     = "SWITCH"  // switch as soon as the gates pass
	SwitchPrepare = "PREPARE" // check the gates (lag, last verification) and hold; release with SWITCH
	SwitchCancel  = "CANCEL"  // drop a prepared switch
)

// SwitchRequest is what the user asked for; ID is unique per request, so the step acts on
// each request once (a refused request is not retried until the user asks again).
type SwitchRequest struct {
	ID     string `json:"id"`
	Action string `json:"action"`
	Time   int64  `json:"time"` // unix milliseconds
}

// Switch phases, in order. SWITCHED is the commit point: before it any interruption or
// refused gate un-fences the source; from it on the target is the primary.
const (
	PhaseWaiting    = "WAITING"  // waiting for a request
	PhasePrepared   = "PREPARED" // prepared (postponed), waiting for the release
	PhaseFencing    = "FENCING"  // stopping writes on the source
	PhaseCatchUp    = "CATCHING_UP"
	PhaseChecking   = "CHECKING" // final data check
	PhaseSwitched   = "SWITCHED" // Pt recorded; the target is the primary
	PhaseRolledBack = "ROLLED_BACK"
)

// SwitchState is TRANSFER_APP_SWITCH's persisted state.
type SwitchState struct {
	Phase     string `json:"phase"`
	RequestID string `json:"requestId,omitempty"` // the request being (or last) handled
	FenceMode string `json:"fenceMode,omitempty"`
	// Fenced: godwit set the fence in this attempt (a rollback un-fences only then).
	Fenced     bool   `json:"fenced,omitempty"`
	Ps         string `json:"ps,omitempty"`         // source position sampled after the fence
	Pt         string `json:"pt,omitempty"`         // target position the reverse stream starts at
	FencedAt   int64  `json:"fencedAt,omitempty"`   // unix ms
	CaughtUpAt int64  `json:"caughtUpAt,omitempty"` // unix ms
	SwitchedAt int64  `json:"switchedAt,omitempty"` // unix ms
	// DowntimeMillis: fence → target writable for the application (Pt recorded).
	DowntimeMillis int64    `json:"downtimeMillis,omitempty"`
	KeysChecked    int64    `json:"keysChecked,omitempty"`
	Killed         int      `json:"killed,omitempty"`
	Bypass         []string `json:"bypass,omitempty"`
	// LastError is the typed error of the last refused attempt (the gate in Gate).
	LastError *SwitchError `json:"lastError,omitempty"`
	Updated   int64        `json:"updated"` // unix ms
}

// SwitchError is a refused gate.
type SwitchError struct {
	Gate    string `json:"gate"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Advice  string `json:"advice"`
	Time    int64  `json:"time"`
}
