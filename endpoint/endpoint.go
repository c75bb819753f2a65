// Package endpoint defines the small contract every database endpoint satisfies and the
// optional capabilities steps discover by type assertion (the database/sql/driver pattern):
// a step asks "can this endpoint read schema / plan chunks / checksum?" instead of switching
// on a type name. Endpoint packages (endpoint/mysql, endpoint/postgres, …) register a Factory
// for their data-source types in init and never import each other.
package endpoint

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
)

// Endpoint is an open connection pool to one data source. Every method is safe for
// concurrent use. Close releases the pool; the Endpoint is unusable afterwards.
type Endpoint interface {
	// Ping checks connectivity and credentials.
	Ping(ctx context.Context) error
	// Version is the server version string seen at open time.
	Version() string
	Close() error
}

// Options tunes how an endpoint is opened.
type Options struct {
	// MaxConns bounds the pool; 0 lets the endpoint choose.
	MaxConns int
	// TxnPartBytes bounds how much of one source transaction change capture holds in memory:
	// a larger transaction is delivered in parts (change.Txn More/Offset). 0 takes
	// DefaultTxnPartBytes.
	TxnPartBytes int
	// Project is the project the endpoint is opened for (nil for a connectivity test);
	// message-queue sinks read their settings (serializer, topics, partitioning) from it.
	Project *model.Project
}

// DefaultTxnPartBytes is the default Options.TxnPartBytes.
const DefaultTxnPartBytes = 4 << 20

// Factory opens an endpoint for a data source. Errors are *errs.Error with KindUnavailable
// for network/credential failures.
type Factory func(ctx context.Context, ds model.DataSource, opts Options) (Endpoint, error)

var (
	mu        sync.RWMutex
	factories = map[model.DataSourceType]Factory{}
)

// Register binds a factory to data-source types. Called from endpoint packages' init.
func Register(f Factory, types ...model.DataSourceType) {
	mu.Lock()
	defer mu.Unlock()
	for _, t := range types {
		factories[t] = f
	}
}

// Open opens the endpoint registered for ds.Type.
func Open(ctx context.Context, ds model.DataSource, opts Options) (Endpoint, error) {
	mu.RLock()
	f := factories[ds.Type]
	mu.RUnlock()
	if f == nil {
		return nil, errs.Unsupported(fmt.Sprintf("data source type %s", ds.Type))
	}
	return f(ctx, ds, opts)
}

// Types lists the registered data-source types, sorted.
func Types() []model.DataSourceType {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]model.DataSourceType, 0, len(factories))
	for t := range factories {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// SchemaReader reads the catalog.
type SchemaReader interface {
	ListDatabases(ctx context.Context) ([]string, error) // user databases, system ones excluded
	ListTables(ctx context.Context, db string) ([]string, error)
	ListViews(ctx context.Context, db string) ([]string, error)
	ReadTable(ctx context.Context, db, name string) (*schema.Table, error)
	ReadView(ctx context.Context, db, name string) (*schema.View, error)
}

// SchemaWriter creates objects. t carries the target names already mapped.
type SchemaWriter interface {
	CreateDatabase(ctx context.Context, name, charset, collation string) error // IF NOT EXISTS
	// CreateTable creates t. With deferIndexes, only the primary key (or, lacking one, the
	// key KeyColumns chose) is created; CreateIndexes adds the rest later.
	CreateTable(ctx context.Context, t *schema.Table, deferIndexes bool) error
	CreateIndexes(ctx context.Context, t *schema.Table) error
	// CreateView creates or replaces v; its definition has already been rewritten to target names.
	CreateView(ctx context.Context, v *schema.View) error
	// TableExists reports whether db.name exists and whether it holds at least one row.
	TableExists(ctx context.Context, db, name string) (exists, hasRows bool, err error)
	TruncateTable(ctx context.Context, db, name string) error
}

// ReadRequest describes one chunk read. Columns are source column names in the order the
// rows are produced; Where is an already-validated, re-rendered filter ("" for none).
type ReadRequest struct {
	Table   *schema.Table
	Columns []string
	Key     []string // key columns the chunk bounds refer to; nil for a table read whole
	Where   string
	Chunk   change.Chunk
}

// ChunkPlanner splits a table into key ranges of about rows rows each.
type ChunkPlanner interface {
	PlanChunks(ctx context.Context, t *schema.Table, key []string, where string, rows int) ([]change.Chunk, error)
}

// RowReader streams a chunk's rows in key order. fn must not retain the Row after it returns
// unless it copies it; RowReader returns the bytes read.
type RowReader interface {
	ReadChunk(ctx context.Context, req ReadRequest, fn func(change.Row) error) (int64, error)
}

// WriteRequest is one idempotent batch write into the target. Columns are target column
// names matching the Row positions.
type WriteRequest struct {
	Table   *schema.Table // target table (target names)
	Columns []string
	Rows    []change.Row
}

// KeyResumer is implemented by a RowReader that can resume a chunk after the last key it
// delivered: ResumesAfter reports whether "c > value" (in the reader's SQL) follows key column
// c's index order, so that the rows after value are exactly the ones not yet read. The
// dialect decides (MySQL: not for ENUM, SET, BIT, JSON or spatial columns). A reader without
// it is never resumed mid-chunk: a failed read re-reads the chunk whole.
type KeyResumer interface {
	ResumesAfter(c *schema.Column) bool
}

// ViewRenamer is implemented by a source whose view definitions can be rewritten to name
// the targets of the tables and databases they reference (the dialect's quoting decides
// what a reference is). table maps a source table to its target (ok false: not renamed);
// database maps a source database (ok false: not renamed).
type ViewRenamer interface {
	RenameViewRefs(def string, table func(db, name string) (tdb, tname string, ok bool), database func(db string) (string, bool)) string
}

// RowWriter writes rows. WriteRows is idempotent by key (rows with an existing key replace
// it), atomic per call, and may be retried with the same request.
type RowWriter interface {
	WriteRows(ctx context.Context, req WriteRequest) (int64, error) // returns bytes written
}

// ChecksumRequest asks for a chunk's row count and order-independent checksum computed over
// Columns. Two endpoints agree on Sum only if they use the same canonical encoding, which is
// true within one endpoint package (different engines compare rows instead).
type ChecksumRequest struct {
	Table   *schema.Table
	Columns []string
	Key     []string
	Where   string
	Chunk   change.Chunk
}

// Checksummer computes a chunk's row count and checksum on the server.
type Checksummer interface {
	Checksum(ctx context.Context, req ChecksumRequest) (rows int64, sum string, err error)
}

// CheckStatus is a precheck item outcome.
type CheckStatus string

const (
	CheckPassed CheckStatus = "PASSED"
	CheckAlarm  CheckStatus = "ALARM"
	CheckFailed CheckStatus = "FAILED"
)

// CheckItem is one precheck result.
type CheckItem struct {
	Name      string      `json:"name"`
	Side      string      `json:"endpointType"` // SOURCE | DEST
	Status    CheckStatus `json:"status"`
	Message   string      `json:"message"`
	Advice    string      `json:"advice,omitempty"`
	Skippable bool        `json:"skippable"`
}

// PrecheckRequest tells an endpoint what will be asked of it.
type PrecheckRequest struct {
	Side          string         // SOURCE | DEST
	NeedChangeLog bool           // source of a project with incremental sync
	Tables        []schema.Table // the tables selected on this side (names as on this side)
	Databases     []string
}

// Prechecker inspects server settings and privileges.
type Prechecker interface {
	Precheck(ctx context.Context, req PrecheckRequest) ([]CheckItem, error)
}

// Filter validates a user where-clause against t and returns it re-rendered in this
// endpoint's dialect. Implemented by endpoints that accept row filters.
type Filter interface {
	RenderFilter(t *schema.Table, where string) (string, error)
}

// FilterSyntax checks a where-clause without a table (syntax and safety only).
type FilterSyntax func(where string) error

var filterSyntax []FilterSyntax

// RegisterFilterSyntax adds a syntax checker for row filters; endpoint packages register
// theirs in init. CheckFilterSyntax accepts a clause that at least one checker accepts.
func RegisterFilterSyntax(f FilterSyntax) {
	mu.Lock()
	defer mu.Unlock()
	filterSyntax = append(filterSyntax, f)
}

// CheckFilterSyntax validates a where-clause at project creation, before any server is
// contacted. An empty clause is valid. Precheck re-validates against the real columns.
func CheckFilterSyntax(where string) error {
	if where == "" {
		return nil
	}
	mu.RLock()
	fs := filterSyntax
	mu.RUnlock()
	return firstAccepting(fs, where)
}

// firstAccepting returns nil when one of fs accepts where, else the first refusal (nil too
// when fs is empty).
func firstAccepting(fs []FilterSyntax, where string) error {
	var first error
	for _, f := range fs {
		err := f(where)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// RowFilterCompiler is the capability of a source endpoint to evaluate its own row filters
// in Go, on change images: incremental sync uses it to apply only the changes of rows that
// satisfy a table's whereClause (entering rows are upserted, leaving rows deleted).
//
// CompileRowFilter compiles where (as accepted by Filter.RenderFilter) over t, the source
// table. It must either guarantee the server's semantics for every row or refuse the filter
// with an *errs.Error of KindInvalid and code errs.CodeBadFilter naming the table, the filter
// and the unsupported construct; it never guesses. A nil RowFilter and nil error mean an
// empty filter.
type RowFilterCompiler interface {
	CompileRowFilter(t *schema.Table, where string) (RowFilter, error)
}

// RowFilter is a compiled row filter; safe for concurrent use.
type RowFilter interface {
	// Bind returns the predicate for row images whose values are in the order of cols
	// (column names, case-insensitive; a change event's Columns). It fails when cols lacks a
	// column the filter reads. The predicate reports whether the row satisfies the filter
	// (SQL TRUE; FALSE and NULL do not); an error means the server would fail evaluating it
	// too (e.g. an integer overflow) or the row does not follow the change.Row conventions.
	Bind(cols []string) (func(change.Row) (bool, error), error)
	// String is the filter as rendered for the server.
	String() string
}

var rowFilterSyntax []FilterSyntax

// RegisterRowFilterSyntax adds a checker telling whether a where-clause uses only what an
// endpoint's RowFilterCompiler evaluates; endpoint packages register theirs in init.
func RegisterRowFilterSyntax(f FilterSyntax) {
	mu.Lock()
	defer mu.Unlock()
	rowFilterSyntax = append(rowFilterSyntax, f)
}

// CheckRowFilterSyntax validates a where-clause of a project with incremental sync at
// creation, before any server is contacted: it must pass CheckFilterSyntax and one of the
// registered row-filter checkers. Column types are checked later, against the source
// table (precheck, and every step that resolves the project's objects).
func CheckRowFilterSyntax(where string) error {
	if err := CheckFilterSyntax(where); err != nil || where == "" {
		return err
	}
	mu.RLock()
	fs := rowFilterSyntax
	mu.RUnlock()
	if len(fs) == 0 {
		return errs.New(errs.KindInvalid, errs.CodeBadFilter, "no endpoint can evaluate row filters for incremental sync",
			"Remove the whereClause or run the project without enableIncrTransfer.")
	}
	return firstAccepting(fs, where)
}
