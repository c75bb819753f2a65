package endpoint

import (
	"context"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/schema"
)

// ChangeReader is the capability of a source whose change log godwit can capture
// (MySQL/MariaDB binlog, PostgreSQL logical replication).
//
// Positions are opaque strings owned by the endpoint (for MySQL-family "file:pos", e.g.
// "mariadb-bin.000003:1234"); they serialise as-is and compare with ComparePositions.
type ChangeReader interface {
	// CurrentPosition returns the position at the end of the log now: every transaction
	// committed before the call is at or before it. Used to sample P0 (before the full
	// copy) and P1 (after it).
	CurrentPosition(ctx context.Context) (string, error)
	// PositionAtTime returns the position of the first transaction committed at or after
	// the unix time ts (for incremental-only projects with a startTimestamp). It fails with
	// CodeIncrPositionGone when the log no longer reaches back that far.
	PositionAtTime(ctx context.Context, ts int64) (string, error)
	// ComparePositions orders two positions of this endpoint: -1, 0 or +1.
	ComparePositions(a, b string) (int, error)
	// StreamChanges reads committed transactions strictly after from, in log order, and
	// calls fn once per transaction (each DDL statement is a transaction of its own, with
	// its Pos), or once per part of a transaction larger than Options.TxnPartBytes (see
	// change.Txn: More, Offset; the parts' events in order, every part's Offset the number of
	// events of the transaction before it). Row events of tables for which want(schema, table) is false are dropped
	// before decoding; DDL events are always delivered. fn's Txn and its slices are owned
	// by fn after the call.
	//
	// It returns when ctx ends (ctx.Err()), when fn returns an error (that error), or on a
	// failure: *errs.Error with KindUnavailable for connection losses (the caller reconnects
	// from the last Pos it stored, with backoff), CodeIncrPositionGone when the log at from
	// was purged (never a silent gap), CodeIncrDecode for an event it cannot decode.
	StreamChanges(ctx context.Context, from string, want func(schema, table string) bool, fn func(*change.Txn) error) error
}

// TableName names a table of one side.
type TableName struct {
	Schema string
	Name   string
}

// DDLInfo describes one DDL statement read from a source log.
type DDLInfo struct {
	// Kinds are the OMS supportDDLTypes names of what the statement does, one per clause
	// (an ALTER with two clauses may be ADD_COLUMN and ADD_INDEX): CREATE_TABLE,
	// ADD_COLUMN, MODIFY_COLUMN, CHANGE_COLUMN, DROP_COLUMN, DROP_INDEX, ADD_INDEX,
	// CREATE_INDEX, RENAME_INDEX, TRUNCATE, DROP_TABLE, RENAME_TABLE, ALTER_TABLE (other
	// ALTER clauses), CREATE_DATABASE, DROP_DATABASE, CREATE_VIEW, DROP_VIEW, OTHER.
	Kinds []string
	// Tables are the source tables the statement touches, schema resolved against the
	// statement's default database; the first is the statement's main table.
	Tables []TableName
	// Target is the statement rewritten for the target: every table name replaced by its
	// mapped, fully-qualified, quoted name. Empty when some touched table is not selected
	// (mapName returned false) or the statement is not table-scoped (e.g. CREATE USER).
	Target string
}

// DDLTranslator is the capability of a source endpoint to understand the DDL its own log
// carries. mapName maps a source table to its target name and says whether it is selected.
type DDLTranslator interface {
	TranslateDDL(defaultSchema, query string, mapName func(schema, table string) (TableName, bool)) (DDLInfo, error)
}

// RowChange is one row change to apply, already mapped to the target: Table is the target
// table definition (target names), Columns the target column names of Before/After.
type RowChange struct {
	Op     change.Op // OpInsert, OpUpdate or OpDelete
	Table  *schema.Table
	Key    []string // the target table's row identity (PK, else a NOT NULL unique key); nil = none
	Cols   []string
	Before change.Row
	After  change.Row
	// Seq, Pos and Time are the source transaction of the change (as in Checkpoint), set by
	// the replayer; message sinks put them in their messages, SQL sinks ignore them.
	Seq  uint64
	Pos  string
	Time int64
}

// Checkpoint is the apply position of one worker of one stream: every change the worker
// was given with a transaction Seq <= Seq has been applied, and none after it.
type Checkpoint struct {
	Worker int
	Seq    uint64
	Pos    string
	Time   int64 // source commit time of the transaction at Seq, unix seconds
}

// ApplyBatch is one atomic unit of apply work of one worker.
type ApplyBatch struct {
	Schema  string // godwit's checkpoint database on the target
	Stream  string // the stream id (project id)
	CP      Checkpoint
	Safe    bool   // idempotent mode: insert/update → upsert of the after-image, delete → delete-if-exists
	Policy  string // outside safe mode: overwrite | ignore | stop
	Changes []RowChange
}

// ApplyResult reports what an apply did.
type ApplyResult struct {
	Conflicts int // changes that met a conflict (ignored or overwritten per policy)
}

// ChangeApplier is the capability of a target to apply change batches exactly once.
//
// Apply executes the batch's changes and stores its checkpoint row in ONE target
// transaction: either both land or neither does. It may be retried with the same batch
// after a failure. Under policy "stop" a conflict returns CodeIncrConflict and nothing of
// the batch is applied. Safe mode never reports conflicts.
type ChangeApplier interface {
	// LoadCheckpoints creates the checkpoint schema and table if missing and returns the
	// stream's checkpoint rows (none for a new stream).
	LoadCheckpoints(ctx context.Context, schema, stream string) ([]Checkpoint, error)
	// SaveCheckpoints upserts checkpoint rows outside any data change (stream start, DDL).
	SaveCheckpoints(ctx context.Context, schema, stream string, cps []Checkpoint) error
	// DropCheckpoints removes the stream's rows (project release).
	DropCheckpoints(ctx context.Context, schema, stream string) error
	Apply(ctx context.Context, b *ApplyBatch) (ApplyResult, error)
	// ExecDDL runs a translated DDL statement. Re-running a statement that already took
	// effect (after a crash between the DDL and its checkpoint) succeeds.
	ExecDDL(ctx context.Context, stmt string) error
}
