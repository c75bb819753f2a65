package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

// The change-sink contract (endpoint/sink.go) for PostgreSQL: a batch's statements and its
// worker's checkpoint row in <schema>.checkpoint commit in one transaction (Apply), so the
// stream is exactly once (PositionCommitter).

// DefaultCheckpointSchema is the checkpoint schema used when none is configured.
const DefaultCheckpointSchema = "godwit"

var (
	_ endpoint.ChangeSink           = (*Endpoint)(nil)
	_ endpoint.CheckpointSchemaSink = (*Endpoint)(nil)
	_ endpoint.DDLSink              = (*Endpoint)(nil)
	_ endpoint.ChangeApplier        = (*Endpoint)(nil)
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
	return &pgStream{e: e, schema: schema, stream: stream}, nil
}

type pgStream struct {
	e      *Endpoint
	schema string
	stream string
}

func (s *pgStream) CommitsPosition() bool { return true }

func (s *pgStream) Push(ctx context.Context, b *endpoint.ChangeBatch) (endpoint.ApplyResult, error) {
	return s.e.Apply(ctx, &endpoint.ApplyBatch{Schema: s.schema, Stream: s.stream, CP: b.End, Safe: b.Safe,
		Policy: b.Policy, Changes: b.Changes})
}

func (s *pgStream) Acknowledged(ctx context.Context) ([]endpoint.Checkpoint, error) {
	return s.e.LoadCheckpoints(ctx, s.schema, s.stream)
}

func (s *pgStream) Acknowledge(ctx context.Context, cps []endpoint.Checkpoint) error {
	return s.e.SaveCheckpoints(ctx, s.schema, s.stream, cps)
}

func (s *pgStream) Forget(ctx context.Context) error {
	return s.e.DropCheckpoints(ctx, s.schema, s.stream)
}

const checkpointTable = "checkpoint"

func applyErr(what string, err error) error { return pgErr(errs.CodeIncrApply, what, err) }

// LoadCheckpoints creates the checkpoint schema and table if missing and reads the
// stream's rows.
func (e *Endpoint) LoadCheckpoints(ctx context.Context, schemaName, stream string) ([]endpoint.Checkpoint, error) {
	for _, q := range []string{
		"CREATE SCHEMA IF NOT EXISTS " + quoteIdent(schemaName),
		"CREATE TABLE IF NOT EXISTS " + quoteTable(schemaName, checkpointTable) + ` (
  stream varchar(64) NOT NULL,
  worker integer NOT NULL,
  seq numeric(20,0) NOT NULL,
  pos varchar(512) NOT NULL,
  ts bigint NOT NULL,
  updated timestamptz(6) NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, worker)
)`,
	} {
		if _, err := e.pool.Exec(ctx, q); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && (pe.Code == "42P06" || pe.Code == "42P07" || pe.Code == "23505") {
				continue // created concurrently
			}
			return nil, applyErr("creating the checkpoint table", err)
		}
	}
	rows, err := e.pool.Query(ctx, "SELECT worker, seq::text, pos, ts FROM "+quoteTable(schemaName, checkpointTable)+" WHERE stream = $1 ORDER BY worker", stream)
	if err != nil {
		return nil, applyErr("reading checkpoints", err)
	}
	defer rows.Close()
	var out []endpoint.Checkpoint
	for rows.Next() {
		var c endpoint.Checkpoint
		var seq string
		if err := rows.Scan(&c.Worker, &seq, &c.Pos, &c.Time); err != nil {
			return nil, applyErr("reading checkpoints", err)
		}
		if _, err := fmt.Sscan(seq, &c.Seq); err != nil {
			return nil, applyErr("reading checkpoints", err)
		}
		out = append(out, c)
	}
	return out, applyErr("reading checkpoints", rows.Err())
}

func checkpointSQL(schemaName string) string {
	return "INSERT INTO " + quoteTable(schemaName, checkpointTable) + ` (stream, worker, seq, pos, ts) VALUES ($1, $2, $3::numeric, $4, $5)
ON CONFLICT (stream, worker) DO UPDATE SET seq = EXCLUDED.seq, pos = EXCLUDED.pos, ts = EXCLUDED.ts, updated = now()`
}

// SaveCheckpoints upserts checkpoint rows outside any data change.
func (e *Endpoint) SaveCheckpoints(ctx context.Context, schemaName, stream string, cps []endpoint.Checkpoint) error {
	for _, c := range cps {
		if _, err := e.pool.Exec(ctx, checkpointSQL(schemaName), stream, c.Worker, fmt.Sprint(c.Seq), c.Pos, c.Time); err != nil {
			return applyErr("saving checkpoints", err)
		}
	}
	return nil
}

// DropCheckpoints removes the stream's rows.
func (e *Endpoint) DropCheckpoints(ctx context.Context, schemaName, stream string) error {
	_, err := e.pool.Exec(ctx, "DELETE FROM "+quoteTable(schemaName, checkpointTable)+" WHERE stream = $1", stream)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "3F000") { // no table / no schema
		return nil
	}
	return applyErr("dropping checkpoints", err)
}
