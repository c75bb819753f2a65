// Package verify is godwit's data verifier: it proves that a target holds the same rows as a
// source, and when it does not, names every differing row by key, with the SQL that shows it
// on each side and the SQL that fixes the target. It needs no project: FULL_VERIFIER, the
// API and `godwit verify` all drive the same Verifier.
//
// Algorithm (per table): the source's endpoint.ChunkPlanner splits the key space into
// half-open ranges; for each range both sides compute a row count and an order-independent
// hash of a canonical encoding of the compared columns. When both endpoints offer the same
// pushed-down hash algorithm (HashAlgorithms/HashChunk, e.g. two MySQL-family servers) the
// hash is one aggregate query per side; otherwise (different engines, or Options.GoHash)
// both sides stream the range and the rows are hashed here with one canonical value
// encoding (canon.go). A range whose counts or hashes differ is cut into Fanout pieces by
// key (SplitRange on the larger side) and the pieces re-compared, down to ranges of at most
// LeafRows rows, whose rows are then read on both sides and matched by key: rows only in
// the source, only in the target, and rows that differ (with the differing column names).
//
// State: runs, per-table results, per-chunk state and differences live in a
// meta.VerifyStore (meta/sqlite for the server, MemStore for the CLI). A chunk is DONE with
// its differences in one transaction, so a run resumed after a crash (same run id) skips
// DONE chunks and redoes at most the chunks in flight.
//
// Result vocabulary: a table's Result is an OMS resultType (CONSISTENT, INCONSISTENT,
// BOTH_EMPTY, SOURCE_EMPTY, TARGET_EMPTY, TARGET_TABLE_NOT_EXIST, RUNTIME_EXCEPTION,
// MISMATCH_LIMIT_NO_PK); DRSStatus maps it to the DRS compare status vocabulary. A run is
// CONSISTENT only when every table is CONSISTENT or BOTH_EMPTY: a table that could not be
// compared (Compared false) makes it INCONSISTENT.
package verify

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/schema"
)

// Result types (OMS resultType vocabulary).
const (
	Consistent          = "CONSISTENT"
	Inconsistent        = "INCONSISTENT"
	BothEmpty           = "BOTH_EMPTY"
	SourceEmpty         = "SOURCE_EMPTY"
	TargetEmpty         = "TARGET_EMPTY"
	TargetTableNotExist = "TARGET_TABLE_NOT_EXIST"
	RuntimeException    = "RUNTIME_EXCEPTION"
	MismatchNoPK        = "MISMATCH_LIMIT_NO_PK"
)

// DRSStatus maps a table's status and result type to the DRS compare status vocabulary
// (CONSISTENT, INCONSISTENT, COMPARING, WAITING_FOR_COMPARISON, FAILED_TO_COMPARE,
// TARGET_DB_NOT_EXIST, CAN_NOT_COMPARE):
//
//	RUNNING                          → COMPARING
//	"" / INIT                        → WAITING_FOR_COMPARISON
//	CONSISTENT, BOTH_EMPTY           → CONSISTENT
//	INCONSISTENT, SOURCE_EMPTY, TARGET_EMPTY, MISMATCH_LIMIT_NO_PK → INCONSISTENT
//	TARGET_TABLE_NOT_EXIST           → TARGET_DB_NOT_EXIST
//	RUNTIME_EXCEPTION                → FAILED_TO_COMPARE
func DRSStatus(status, result string) string {
	switch result {
	case Consistent, BothEmpty:
		return "CONSISTENT"
	case Inconsistent, SourceEmpty, TargetEmpty, MismatchNoPK:
		return "INCONSISTENT"
	case TargetTableNotExist:
		return "TARGET_DB_NOT_EXIST"
	case RuntimeException:
		return "FAILED_TO_COMPARE"
	}
	if status == "RUNNING" {
		return "COMPARING"
	}
	return "WAITING_FOR_COMPARISON"
}

// IsConsistent reports whether a table result type counts as consistent.
func IsConsistent(result string) bool { return result == Consistent || result == BothEmpty }

// Compared reports whether a finished table's result type comes from comparing its rows:
// false for TARGET_TABLE_NOT_EXIST (no base table on the target: missing, or a view) and
// RUNTIME_EXCEPTION (the table could not be read, e.g. the source table is missing). A run
// with such a table is INCONSISTENT and lists it in its message.
func Compared(result string) bool { return result != TargetTableNotExist && result != RuntimeException }

// Table is one table pair to verify. Source may be nil (it is then read from the source);
// the target table is always read from the target, so the hash uses its real column types.
type Table struct {
	SourceDB, SourceName string
	TargetDB, TargetName string
	Source               *schema.Table
	// Columns are the compared source columns (nil: every source column).
	Columns []string
	// ColumnMap maps source column names (lower case) to target names; absent = same name.
	ColumnMap map[string]string
	// Where is an already-validated source row filter in the source dialect ("" for none).
	Where string
}

// Key is the source "db.table".
func (t *Table) Key() string { return t.SourceDB + "." + t.SourceName }

// TargetKey is the target "db.table".
func (t *Table) TargetKey() string { return t.TargetDB + "." + t.TargetName }

// targetCol maps a source column name to its target name.
func (t *Table) targetCol(n string) string {
	if m, ok := t.ColumnMap[strings.ToLower(n)]; ok && m != "" {
		return m
	}
	return n
}

// Options tune a verification. The zero value is usable.
type Options struct {
	ChunkRows int  // rows per planned chunk; 0 = 50000
	LeafRows  int  // ranges of at most this many rows are compared row by row; 0 = 1000
	Fanout    int  // pieces a mismatching range is cut into; 0 = 16
	Workers   int  // chunks compared concurrently; 0 = 4
	GoHash    bool // hash rows in Go even when both sides could push the hash down
	// HashAlgorithm forces a pushed-down algorithm; "" = best common.
	HashAlgorithm string
	// FastHash prefers the sides' fast (weaker) pushed-down algorithm (FastHasher), when both
	// offer the same one; FAST speed mode sets it.
	FastHash bool
	// MaxStoredDiffs bounds the differences stored per chunk (all are counted); 0 = 1000.
	MaxStoredDiffs int
	// RowsPerSecond throttles the rows read on each side; 0 = unlimited.
	RowsPerSecond int64
	// NoSnapshot reads without consistent-snapshot transactions.
	NoSnapshot bool
	// Recheck, when set, re-checks each difference after the current sync delay before
	// reporting it (live sync).
	Recheck *Rechecker
	// OnChunk is called after each chunk is compared in this process (not for chunks
	// skipped because they were DONE); calls may be concurrent.
	OnChunk func(table string, seq int, rows int64)
	// Progress is called (serialised) when a table is planned or a chunk finishes.
	Progress func(Progress)
	Log      *slog.Logger
	Now      func() time.Time
}

func (o Options) withDefaults() Options {
	if o.ChunkRows <= 0 {
		o.ChunkRows = 50000
	}
	if o.LeafRows <= 0 {
		o.LeafRows = 1000
	}
	if o.Fanout < 2 {
		o.Fanout = 16
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxStoredDiffs <= 0 {
		o.MaxStoredDiffs = 1000
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// SpeedMode applies an OMS fullVerifySpeedMode to o: STEADY compares one chunk at a time,
// throttled to 20k rows/s per side; NORMAL uses workers; FAST uses twice as many workers and
// the 32-bit pushed-down hash when the servers offer it.
func (o Options) SpeedMode(mode string, workers int) Options {
	if workers <= 0 {
		workers = 4
	}
	switch strings.ToUpper(mode) {
	case "STEADY":
		o.Workers = 1
		if o.RowsPerSecond == 0 {
			o.RowsPerSecond = 20000
		}
	case "FAST":
		o.Workers = 2 * workers
		o.FastHash = true
	default:
		o.Workers = workers
	}
	return o
}

// Progress is a snapshot of a run's progress.
type Progress struct {
	Table       string
	Chunks      int
	ChunksDone  int
	SourceRows  int64 // compared so far in this table
	RowsTotal   int64 // estimated rows of every table
	RowsDone    int64 // compared so far in every table
	TablesDone  int
	TablesTotal int
}

// Capabilities discovered on endpoints by type assertion (endpoint/mysql implements them).
type (
	// Hasher computes a range's count and hash on the server.
	Hasher interface {
		HashAlgorithms() []string
		HashChunk(ctx context.Context, req endpoint.ChecksumRequest, algo string) (int64, string, error)
	}
	// FastHasher names a Hasher's fast algorithm (fewer hash bits, cheaper on the server),
	// which FAST verification prefers when both sides offer it.
	FastHasher interface {
		FastHashAlgorithm() string
	}
	// RangeReader streams a range's rows (any order).
	RangeReader interface {
		ReadRange(ctx context.Context, req endpoint.ReadRequest, fn func(change.Row) error) error
	}
	// Splitter returns the keys cutting a range into pieces of about every rows.
	Splitter interface {
		SplitRange(ctx context.Context, req endpoint.ReadRequest, every int) ([]change.Key, error)
	}
	// KeyFetcher streams the rows with the given keys.
	KeyFetcher interface {
		FetchKeys(ctx context.Context, req endpoint.ReadRequest, keys []change.Key, fn func(change.Row) error) error
	}
	// Snapshotter opens a consistent-snapshot view offering the capabilities above.
	Snapshotter interface {
		BeginSnapshot(ctx context.Context) (endpoint.Endpoint, error)
	}
	// Renderer renders the SQL shown with differences and the corrections.
	Renderer interface {
		RenderSelect(t *schema.Table, cols, key []string, k change.Key) (string, error)
		RenderReplace(t *schema.Table, cols []string, row change.Row) (string, error)
		RenderDelete(t *schema.Table, key []string, k change.Key) (string, error)
	}
	// Executor applies corrections in one transaction.
	Executor interface {
		ExecStatements(ctx context.Context, stmts []string) (int64, error)
	}
)
