package endpoint

import "context"

// The change-sink contract: what the replayer needs from any sink of a stream — a SQL
// database, PostgreSQL, a Kafka topic. The MySQL family implements it (endpoint/mysql/sink.go);
// PostgreSQL and Kafka sinks implement it as peers.
//
//   - Push delivers one batch of one worker with its end position (ChangeBatch.End: every
//     change of the worker up to End.Seq is in the batch or an earlier one). It is retriable:
//     after an error whose outcome is unknown the replayer first reads Acknowledged and
//     pushes the same batch again only when its end was not acknowledged.
//   - Push is never called concurrently for one worker of one stream; different workers of a
//     stream push concurrently, and their batches never share a row key (the replayer routes
//     by key and waits at conflicts), so a sink needs no ordering across workers.
//   - The acknowledged position of a worker is the End of its last batch the sink made
//     durable; the replayer resumes each worker after it. A sink that implements
//     PositionCommitter makes a batch and its position durable together (exactly once);
//     any other sink acknowledges after the data is durable and is at least once: a replay
//     may push a batch again, and the changes carry their row identity (RowChange.Key) to
//     dedupe by.
//   - Row identity, the columns and the target names come from the plan (RowChange.Table,
//     Key, Cols), never from the sink: a sink does not need to be able to read a schema.
//   - Safe marks idempotent replay (up to the end of the full copy, and after a crash up to
//     the highest acknowledged position): insert/update become upserts of the after image,
//     delete becomes delete-if-exists.

// ChangeBatch is one atomic unit of work of one worker of one stream.
type ChangeBatch struct {
	End     Checkpoint // the worker, and the last transaction covered (Seq, Pos, Time)
	Safe    bool       // idempotent mode (see the contract)
	Policy  string     // outside safe mode: overwrite | ignore | stop
	Changes []RowChange
}

// StreamSink is a sink's handle of one stream (see the contract above).
type StreamSink interface {
	// Push applies or publishes the batch; see the contract for retries and concurrency.
	Push(ctx context.Context, b *ChangeBatch) (ApplyResult, error)
	// Acknowledged returns the stream's acknowledged position per worker (none for a new
	// stream), numbered 0..n-1.
	Acknowledged(ctx context.Context) ([]Checkpoint, error)
	// Acknowledge records positions outside any data (stream start, after a DDL, idle
	// workers moved to a common position). Positions never move back.
	Acknowledge(ctx context.Context, cps []Checkpoint) error
	// Forget removes the stream's acknowledged positions (project release).
	Forget(ctx context.Context) error
}

// ChangeSink is the capability of a target that accepts a stream's changes.
type ChangeSink interface {
	SinkStream(ctx context.Context, stream string) (StreamSink, error)
}

// PositionCommitter is the optional capability of a StreamSink that commits a batch's
// end position in the same transaction as its data (SQL targets: a checkpoint row), which
// makes the stream exactly once.
type PositionCommitter interface {
	CommitsPosition() bool
}

// CheckpointSchemaSink is the optional capability of SQL sinks that keep a stream's
// positions in a table in a database of their own: the project's checkpointSchema names
// that database. Sinks without it ignore the setting.
type CheckpointSchemaSink interface {
	SinkStreamIn(ctx context.Context, schema, stream string) (StreamSink, error)
}

// DDLSink is the optional capability of a sink that applies translated source DDL.
// Re-running a statement that already took effect succeeds.
type DDLSink interface {
	ExecDDL(ctx context.Context, stmt string) error
}

// DDLPublisher is the optional capability of a message sink (Kafka) whose StreamSink
// publishes a source DDL as a message in its format's own way instead of running it.
// PublishDDL commits the message and d.Positions (every worker moved to the DDL) together,
// so a DDL is published exactly once; the replayer calls it instead of DDLSink.ExecDDL.
type DDLPublisher interface {
	PublishDDL(ctx context.Context, d DDLMessage) error
}

// DDLMessage is one source DDL to publish.
type DDLMessage struct {
	Database  string      // the statement's default database on the source
	Tables    []TableName // the touched tables, target names (first: the main table)
	Kinds     []string    // DDLInfo.Kinds
	Query     string      // the statement as the source ran it
	Target    string      // the statement rewritten with target names
	Seq       uint64
	Pos       string
	Time      int64 // source commit time, unix seconds
	Positions []Checkpoint
}

// Schemaless is the capability of a target that has no schema to create (a message
// queue): STRUCT_TRANSFER and INDEX_TRANSFER have nothing to do on it, and a project's
// verification cannot read it back (the endpoint's project check refuses FULL_VERIFIER).
type Schemaless interface {
	// SchemaNote says, for the step's log, what the target does instead (e.g. "topics are
	// created on first write").
	SchemaNote() string
}
