package mysql

import (
	"context"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/binlog"
)

var _ endpoint.ChangeReader = (*Endpoint)(nil)

// binlogSource is e's binlog side (package binlog holds the decoding and streaming).
func (e *Endpoint) binlogSource() *binlog.Source { return binlog.New(e.db, e.ds, e.mariadb, e.parts) }

// StreamChanges reads the transactions committed after from ("file:pos") and calls fn for
// each, in log order, decoded with the table maps' own metadata (see binlog.Source and
// endpoint.ChangeReader).
func (e *Endpoint) StreamChanges(ctx context.Context, from string, want func(schema, table string) bool, fn func(*change.Txn) error) error {
	return e.binlogSource().StreamChanges(ctx, from, want, fn)
}

// PositionAtTime returns the boundary just before the first transaction committed at or
// after the unix time ts (see binlog.Source.PositionAtTime).
func (e *Endpoint) PositionAtTime(ctx context.Context, ts int64) (string, error) {
	return e.binlogSource().PositionAtTime(ctx, ts)
}

// ComparePositions orders two "file:pos" positions by file sequence number, then offset.
func (e *Endpoint) ComparePositions(a, b string) (int, error) {
	return e.binlogSource().ComparePositions(a, b)
}

// CurrentPosition returns the end of the binlog now. It fails with CodeIncrSettings when
// binary logging is off.
func (e *Endpoint) CurrentPosition(ctx context.Context) (string, error) {
	return e.binlogSource().CurrentPosition(ctx)
}
