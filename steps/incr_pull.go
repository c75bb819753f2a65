package steps

import (
	"context"

	"github.com/godwit/godwit/capture"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/plan"
)

// IncrLogPull runs TRANSFER_INCR_LOG_PULL with package capture. On its first run it records
// P0, the source log position before the full copy starts (or the position at
// incrTransferConfig.startTimestamp for an incremental-only project), then detaches and
// keeps capturing the log from there into the forward stream's durable change store for as
// long as the project runs.
//
// Resumption: the change store's last transaction carries the position just past it, so
// after a stop or crash capture continues exactly there (transactions are appended whole).
// Connection losses are retried with backoff forever (logged); a purged log fails the step
// with CodeIncrPositionGone. Retention: segments older than storeLogKeptHour whose changes
// INCR_TRANSFER has applied are deleted every minute.
func IncrLogPull(ctx context.Context, env *Env) error {
	rd, err := need[endpoint.ChangeReader](env.Source, "source", "capture its change log")
	if err != nil {
		return err
	}
	// With reverse sync the source also receives the reverse stream's writes: the forward
	// capture drops the transactions carrying its marker (no loop).
	var marker *endpoint.TableName
	if lm, ok := env.Source.(endpoint.LoopMarker); ok && env.Project.EnableReverseIncrTransfer {
		m := lm.MarkerTable(reverseCheckpointSchema(env.Project))
		marker = &m
	}
	return capture.Run(ctx, capture.Config{Project: env.Project, Stream: forward(env), Streams: env.Streams,
		Store: env.Store, Host: env, Log: env.Log, Now: env.Now, Reader: rd, Marker: marker,
		Plan: func(ctx context.Context) (*plan.Plan, error) { return loadPlan(ctx, env) }})
}
