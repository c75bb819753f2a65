package binlog

import (
	"context"
	"fmt"

	gmmysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

var _ endpoint.ChangeReader = (*Source)(nil)

func (e *Source) flavor() string {
	if e.mariadb {
		return gmmysql.MariaDBFlavor
	}
	return gmmysql.MySQLFlavor
}

// StreamChanges reads the transactions committed after from ("file:pos", a transaction
// boundary as emitted in Txn.Pos or returned by CurrentPosition / PositionAtTime) and calls
// fn for each, in log order; see endpoint.ChangeReader for the full contract.
//
// Row events are decoded with the table map's own metadata (binlog_row_metadata=FULL):
// column names, signedness, ENUM/SET members, character sets and the primary key as logged,
// never today's catalog. Values follow the change.Row conventions exactly as ReadChunk
// produces them. want and fn are called on the caller's goroutine, never concurrently.
func (e *Source) StreamChanges(ctx context.Context, from string, want func(schema, table string) bool, fn func(*change.Txn) error) error {
	pos, err := ParsePos(from)
	if err != nil {
		return err
	}
	if pos.Pos < 4 {
		pos.Pos = 4
	}
	colls, err := e.loadCollations(ctx)
	if err != nil {
		return err
	}
	a := newTxnAssembler(e.flavor(), pos, colls, want, fn)
	a.partBytes = e.partBytes
	return e.runBinlog(ctx, pos, a, nil)
}

// runBinlog feeds the events from pos to a until ctx ends, a fails, or stop (checked after
// every event) returns true.
func (e *Source) runBinlog(ctx context.Context, pos Pos, a *txnAssembler, stop func() bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := e.OpenDump(pos)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			if ee, ok := err.(*errs.Error); ok && ee.Kind == errs.KindUnavailable {
				return ee.With("position", a.last.String())
			}
			return err
		}
		if err := a.handle(ev); err != nil {
			return err
		}
		if stop != nil && stop() {
			return nil
		}
	}
}

// PositionAtTime returns the boundary just before the first transaction committed at or
// after the unix time ts: streaming from it yields that transaction first. It finds the
// binlog file by the time its first event was written (binary search over SHOW BINARY
// LOGS), then scans that file onwards. It fails with CodeIncrPositionGone when the oldest
// retained file starts after ts, and returns the current position when nothing committed
// at or after ts yet.
func (e *Source) PositionAtTime(ctx context.Context, ts int64) (string, error) {
	end, err := e.currentBinlogPos(ctx)
	if err != nil {
		return "", err
	}
	files, err := e.binlogFiles(ctx)
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return end.String(), nil
	}
	first, err := e.binlogFileTime(ctx, files[0])
	if err != nil {
		return "", err
	}
	if first > ts {
		return "", errs.New(errs.KindInvalid, errs.CodeIncrPositionGone,
			fmt.Sprintf("the source's oldest binlog (%s) starts at unix time %d, after the requested start %d", files[0], first, ts),
			"Choose a later start timestamp, or increase binlog retention (expire_logs_days / binlog_expire_logs_seconds) "+
				"and run a full copy instead.").With("file", files[0])
	}
	// The last file whose first event is at or before ts holds the boundary.
	lo, hi := 0, len(files)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		t, err := e.binlogFileTime(ctx, files[mid])
		if err != nil {
			return "", err
		}
		if t <= ts {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	start := Pos{File: files[lo], Pos: 4}
	if start.compare(end) >= 0 {
		return end.String(), nil
	}
	boundary, found := start, false
	a := newTxnAssembler(e.flavor(), start, nil, func(string, string) bool { return false },
		func(t *change.Txn) error {
			if t.Time >= ts {
				found = true
				return nil
			}
			p, err := ParsePos(t.Pos)
			if err != nil {
				return err
			}
			boundary = p
			return nil
		})
	err = e.runBinlog(ctx, start, a, func() bool {
		return found || (!a.open && a.last.compare(end) >= 0)
	})
	if err != nil {
		return "", err
	}
	if !found {
		return end.String(), nil
	}
	return boundary.String(), nil
}

// binlogFileTime returns the timestamp of the first real event of a binlog file (its
// FORMAT_DESCRIPTION event, written when the file was created).
func (e *Source) binlogFileTime(ctx context.Context, file string) (int64, error) {
	pos := Pos{File: file, Pos: 4}
	c, err := e.OpenDump(pos)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			return 0, err
		}
		if _, ok := ev.Event.(*replication.FormatDescriptionEvent); ok && ev.Header.Timestamp != 0 {
			return int64(ev.Header.Timestamp), nil
		}
		if ev.Header.Timestamp != 0 && ev.Header.Flags&replication.LOG_EVENT_ARTIFICIAL_F == 0 {
			return int64(ev.Header.Timestamp), nil
		}
	}
}
