package model

// SwitchoverConfig configures TRANSFER_APP_SWITCH (godwit extension `switchoverConfig`).
type SwitchoverConfig struct {
	// FenceMode is how writes on the source stop: "READ_ONLY" (default: godwit sets the
	// source read-only and un-sets it when a gate refuses) or "USER" (the user stopped the
	// writes; godwit proves no new source transaction for QuietSeconds and never changes
	// the source's settings).
	FenceMode string `json:"fenceMode,omitempty"`
	// FenceWaitSeconds is how long open write transactions may take to finish after the
	// fence (default 10).
	FenceWaitSeconds int `json:"fenceWaitSeconds,omitempty"`
	// KillOpenTransactions ends sessions whose write transaction is still open after
	// FenceWaitSeconds (default true: nil); false refuses the switch instead.
	KillOpenTransactions *bool `json:"killOpenTransactions,omitempty"`
	// QuietSeconds is the USER-mode proof window (default 5).
	QuietSeconds int `json:"quietSeconds,omitempty"`
	// CatchUpSeconds bounds the wait for the target to apply up to the fenced source
	// position (default 60).
	CatchUpSeconds int `json:"catchUpSeconds,omitempty"`
	// FullChecksum adds a full verification of every table to the final check (default:
	// only the keys changed since the last full verification are re-compared).
	FullChecksum bool `json:"fullChecksum,omitempty"`
}

// Switchover fence modes.
const (
	FenceReadOnly = "READ_ONLY"
	FenceUser     = "USER"
)

// Normalized returns c with its defaults filled in.
func (c SwitchoverConfig) Normalized() SwitchoverConfig {
	if c.FenceMode == "" {
		c.FenceMode = FenceReadOnly
	}
	if c.FenceWaitSeconds <= 0 {
		c.FenceWaitSeconds = 10
	}
	if c.KillOpenTransactions == nil {
		t := true
		c.KillOpenTransactions = &t
	}
	if c.QuietSeconds <= 0 {
		c.QuietSeconds = 5
	}
	if c.CatchUpSeconds <= 0 {
		c.CatchUpSeconds = 60
	}
	return c
}

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
	SwitchWaiting    = "WAITING"  // waiting for a request
	SwitchPrepared   = "PREPARED" // prepared (postponed), waiting for the release
	SwitchFencing    = "FENCING"  // stopping writes on the source
	SwitchCatchUp    = "CATCHING_UP"
	SwitchChecking   = "CHECKING" // final data check
	SwitchSwitched   = "SWITCHED" // Pt recorded; the target is the primary
	SwitchRolledBack = "ROLLED_BACK"
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
