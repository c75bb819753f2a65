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
