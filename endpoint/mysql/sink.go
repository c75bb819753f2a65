package mysql

import (
	"context"

	"github.com/godwit/godwit/endpoint"
)

// The MySQL family's implementation of the change-sink contract (endpoint/sink.go): a
// batch and its worker's checkpoint row in <schema>.checkpoint are committed in one target
// transaction (Apply), so the stream is exactly once.

// DefaultCheckpointSchema is the checkpoint database used when none is configured.
const DefaultCheckpointSchema = "godwit"

var (
	_ endpoint.ChangeSink           = (*Endpoint)(nil)
	_ endpoint.CheckpointSchemaSink = (*Endpoint)(nil)
	_ endpoint.DDLSink              = (*Endpoint)(nil)
)

// SinkStream is SinkStreamIn with the default checkpoint schema.
func (e *Endpoint) SinkStream(ctx context.Context, stream string) (endpoint.StreamSink, error) {
	return e.SinkStreamIn(ctx, DefaultCheckpointSchema, stream)
}

// SinkStreamIn returns the stream's sink keeping its checkpoints in schema.checkpoint.
func (e *Endpoint) SinkStreamIn(_ context.Context, schema, stream string) (endpoint.StreamSink, error) {
	if schema == "" {
		schema = DefaultCheckpointSchema
	}
	return &sqlStream{e: e, schema: schema, stream: stream}, nil
}

type sqlStream struct {
	e      *Endpoint
	schema string
	stream string
}

func (s *sqlStream) CommitsPosition() bool { return true }

func (s *sqlStream) Push(ctx context.Context, b *endpoint.ChangeBatch) (endpoint.ApplyResult, error) {
	return s.e.Apply(ctx, &endpoint.ApplyBatch{Schema: s.schema, Stream: s.stream, CP: b.End, Safe: b.Safe,
		Policy: b.Policy, Changes: b.Changes})
}

func (s *sqlStream) Acknowledged(ctx context.Context) ([]endpoint.Checkpoint, error) {
	return s.e.LoadCheckpoints(ctx, s.schema, s.stream)
}

func (s *sqlStream) Acknowledge(ctx context.Context, cps []endpoint.Checkpoint) error {
	return s.e.SaveCheckpoints(ctx, s.schema, s.stream, cps)
}

func (s *sqlStream) Forget(ctx context.Context) error {
	return s.e.DropCheckpoints(ctx, s.schema, s.stream)
}
