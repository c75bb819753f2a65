package endpoint

import (
	"context"
	"time"
)

// The switchover capabilities (TRANSFER_APP_SWITCH, REVERSE_INCR_TRANSFER). The switch step
// speaks only these interfaces and ChangeReader positions, so a PostgreSQL endpoint fits by
// implementing them (default_transaction_read_only / a revoked role for the fence, the
// checkpoint table as the marker); nothing in the step knows a dialect.

// FenceOptions tune Fence.
type FenceOptions struct {
	// Wait is how long open write transactions may take to finish once new writes are
	// refused; 0 = do not wait.
	Wait time.Duration
	// Kill ends the sessions whose write transactions are still open after Wait (their
	// transactions roll back). Without Kill, Fence fails when any is left open.
	Kill bool
}

// FenceReport is what Fence found and did.
type FenceReport struct {
	// WasFenced: the server already refused ordinary writes before the call (Unfence must
	// then not be called on a rollback: the fence was not godwit's).
	WasFenced bool `json:"wasFenced"`
	// Waited is how long Fence waited for open write transactions.
	WaitedMillis int64 `json:"waitedMillis"`
	// Killed counts the sessions ended because their write transaction stayed open.
	Killed int `json:"killed"`
	// Bypass lists the connected accounts other than godwit's own that the fence does not
	// stop (MySQL: SUPER / READ_ONLY ADMIN). The switch proves no write came from them
	// (the source position stays put); the list is reported so the DBA can act.
	Bypass []string `json:"bypass,omitempty"`
}

// Fencer is the capability of an endpoint whose application writes godwit can stop for a
// switchover and allow again (MySQL family: global read_only). godwit's own sessions keep
// writing through the fence (the reverse stream applies to a fenced source), which needs
// the privilege the server requires for it; Fence says so when godwit's account lacks it.
type Fencer interface {
	// Fence makes the server refuse writes of ordinary sessions, waits out or ends open
	// write transactions per opts, and reports. On error the server is left as it was found.
	Fence(ctx context.Context, opts FenceOptions) (FenceReport, error)
	// Unfence lets ordinary sessions write again.
	Unfence(ctx context.Context) error
	// Fenced reports whether ordinary sessions are refused writes now.
	Fenced(ctx context.Context) (bool, error)
}

// LoopMarker is the capability of a sink that marks every transaction it applies with a
// row of a table of its own (SQL sinks: the stream's checkpoint row, written in the same
// transaction as the data). A capture of this endpoint's log drops every transaction that
// touches that table, so what godwit applied is never captured back (no loop between the
// forward and the reverse stream). The MySQL family's and PostgreSQL's checkpoint tables
// both qualify, and it needs no server_id or GTID-domain configuration.
type LoopMarker interface {
	// MarkerTable is the table whose rows mark godwit's transactions, for the checkpoint
	// schema the project configures.
	MarkerTable(checkpointSchema string) TableName
}
