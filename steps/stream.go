package steps

import (
	"context"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/stream"
)

// forward is the project's forward stream (its ids, state keys and change store).
func forward(env *Env) stream.Stream { return stream.ForwardOf(env.Project.ID) }

// incrDelay is the project's current incremental delay as INCR_TRANSFER last published it
// (0 when unknown).
func incrDelay(ctx context.Context, env *Env) time.Duration {
	var st stream.ApplyStatus
	if ok, err := state.GetJSON(ctx, env.Store, env.Project.ID, forward(env).Keys.Apply, &st); err != nil || !ok {
		return 0
	}
	return time.Duration(st.DelayMillis) * time.Millisecond
}

// openSink opens the forward stream on the target through the change-sink contract: in the
// project's checkpointSchema for sinks that keep positions in a database of their own
// (endpoint.CheckpointSchemaSink), else as the sink chooses.
func openSink(ctx context.Context, env *Env) (endpoint.StreamSink, error) {
	id := forward(env).ID
	if cs, ok := env.Sink.(endpoint.CheckpointSchemaSink); ok {
		return cs.SinkStreamIn(ctx, env.Project.IncrTransferConfig.CheckpointSchema, id)
	}
	cs, err := need[endpoint.ChangeSink](env.Sink, "target", "apply incremental changes")
	if err != nil {
		return nil, err
	}
	return cs.SinkStream(ctx, id)
}
