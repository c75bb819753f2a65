package mysql

import (
	"context"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/chunk"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.ChunkPlanner = (*Endpoint)(nil)

// chunker is e's chunk planner (package chunk holds the planning).
func (e *Endpoint) chunker() *chunk.Planner { return chunk.New(e.db) }

// PlanChunks splits t into half-open key ranges (Lower, Upper] of about rows rows each
// (rows <= 0: a default), holding every row matching where ("" for all) exactly once, rows
// inserted after planning included; see chunk.Planner.PlanChunks for how and
// endpoint.ChunkPlanner for the contract.
func (e *Endpoint) PlanChunks(ctx context.Context, t *schema.Table, key []string, where string, rows int) ([]change.Chunk, error) {
	return e.chunker().PlanChunks(ctx, t, key, where, rows)
}

// KeyRangeWhere returns the predicate selecting chunk c's key range over key and its
// arguments (see chunk.KeyRangeWhere).
func KeyRangeWhere(key []string, c change.Chunk) (string, []any) { return chunk.KeyRangeWhere(key, c) }
