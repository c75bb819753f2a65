package steps

import (
	"context"
	"encoding/json"
	"time"

	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/stream"
)

// forward is the project's forward stream (its ids, state keys and change store).
func forward(env *Env) stream.Stream { return stream.ForwardOf(env.Project.ID) }

// openLog opens (or joins) the forward stream's change store in the run's resources.
// release must be called once.
func openLog(env *Env) (*stream.Log, func(), error) {
	return env.Streams.Open(forward(env), changestore.Options{Fsync: env.Project.IncrTransferConfig.StoreFsync})
}

func putJSON(ctx context.Context, env *Env, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return env.Store.PutState(context.WithoutCancel(ctx), env.Project.ID, key, b)
}

// getJSON loads a state key; ok is false when absent.
func getJSON(ctx context.Context, env *Env, key string, v any) (bool, error) {
	b, err := env.Store.GetState(ctx, env.Project.ID, key)
	if err != nil || b == nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

// retryUnavailable runs fn until it succeeds, fails with something other than
// KindUnavailable, or ctx ends; waits grow from 200 ms to 5 s between attempts.
func retryUnavailable(ctx context.Context, env *Env, what string, fn func() error) error {
	wait := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || ctx.Err() != nil {
			if ctx.Err() != nil && err != nil {
				return ctx.Err()
			}
			return err
		}
		if errs.As(err).Kind != errs.KindUnavailable {
			return err
		}
		if attempt == 0 || attempt%10 == 0 {
			env.Logf(ctx, "WARN", "%s failed, retrying: %s", what, errs.As(err).FullMessage())
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// incrDelay is the project's current incremental delay as INCR_TRANSFER last published it
// (0 when unknown).
func incrDelay(ctx context.Context, env *Env) time.Duration {
	var st stream.ApplyStatus
	if ok, err := getJSON(ctx, env, forward(env).Keys.Apply, &st); err != nil || !ok {
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
