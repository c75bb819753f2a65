package mysql

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/load"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

var _ endpoint.RowWriter = (*Endpoint)(nil)

const (
	// writeMaxRowsPerStmt bounds the rows of one multi-row statement.
	writeMaxRowsPerStmt = 2000
	// writeBatchBytesCap bounds a multi-row statement's size whatever the server allows, to
	// keep memory bounded; a single row may still use up to max_allowed_packet.
	writeBatchBytesCap = 16 << 20
	// writePacketMargin is kept free below max_allowed_packet for the protocol framing.
	writePacketMargin = 1024
)

// WriteRows writes req.Rows into req.Table: atomic per call, idempotent by key (rows with
// an existing key replace it; a table without any key gets plain inserts, the copy step
// truncates it first), and may be retried with the same request. Values of generated
// columns are skipped (the target computes them). It returns the bytes sent.
//
// The fast path is one streamed LOAD DATA LOCAL … REPLACE statement (loaddata.go). When the
// server refuses LOAD DATA LOCAL (local_infile=OFF), the endpoint logs nothing, remembers
// it, and from then on uses multi-row REPLACE statements in one transaction (writeStatements).
func (e *Endpoint) WriteRows(ctx context.Context, req endpoint.WriteRequest) (int64, error) {
	if len(req.Rows) == 0 {
		return 0, nil
	}
	st := e.writeState()
	if !st.noLoad.Load() {
		n, err := load.Rows(ctx, e.db, req)
		if !errors.Is(err, load.ErrRefused) {
			return n, err
		}
		st.noLoad.Store(true)
	}
	return e.writeStatements(ctx, req)
}

// WritePath reports the write path WriteRows currently uses: "LOAD DATA" or "REPLACE".
func (e *Endpoint) WritePath() string {
	if e.writeState().noLoad.Load() {
		return "REPLACE"
	}
	return "LOAD DATA"
}

// setLoadData enables or disables the LOAD DATA path (tests).
func (e *Endpoint) setLoadData(on bool) { e.writeState().noLoad.Store(!on) }

// writeStatements is WriteRows with multi-row REPLACE statements (plain INSERT for a table
// without any key) in one transaction. Values are rendered as literals by target column
// type (see sqlval.Append). Each statement stays below the server's max_allowed_packet and
// writeMaxRowsPerStmt rows. It returns the bytes of SQL sent.
func (e *Endpoint) writeStatements(ctx context.Context, req endpoint.WriteRequest) (int64, error) {
	t := req.Table
	kinds := make([]sqlval.Kind, len(req.Columns))
	keep := make([]bool, len(req.Columns)) // generated columns are computed by the target
	var names []string
	for i, n := range req.Columns {
		c := t.Column(n)
		if c == nil {
			return 0, errs.New(errs.KindInvalid, errs.CodeCopyWrite,
				fmt.Sprintf("column %s not found in target table %s.%s", n, t.Schema, t.Name),
				"Check the column mapping and the target table definition.")
		}
		kinds[i] = sqlval.KindOf(c)
		if keep[i] = c.Generated == ""; keep[i] {
			names = append(names, n)
		}
	}
	maxPacket, err := e.writeMaxPacket(ctx)
	if err != nil {
		return 0, writeErr(t, "cannot read max_allowed_packet", err)
	}
	limit := maxPacket - writePacketMargin
	budget := min(limit, writeBatchBytesCap)

	verb := "REPLACE INTO "
	if len(t.KeyColumns()) == 0 {
		verb = "INSERT INTO "
	}
	header := verb + sqlval.QuoteTable(t.Schema, t.Name) + " (" + selectList(names) + ") VALUES "

	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, writeErr(t, "cannot begin a transaction", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	var total int64
	stmt := make([]byte, 0, min(budget, 1<<20))
	stmt = append(stmt, header...)
	n := 0
	flush := func() error {
		if _, err := tx.ExecContext(ctx, string(stmt)); err != nil {
			return writeErr(t, "cannot write rows", err)
		}
		total += int64(len(stmt))
		stmt, n = append(stmt[:0], header...), 0
		return nil
	}
	var rb []byte
	for ri, row := range req.Rows {
		if len(row) != len(kinds) {
			return 0, errs.New(errs.KindInternal, errs.CodeCopyWrite,
				fmt.Sprintf("row %d for %s.%s has %d values for %d columns", ri, t.Schema, t.Name, len(row), len(kinds)),
				"Report this; the row does not match the column list.")
		}
		rb = append(rb[:0], '(')
		for i, v := range row {
			if !keep[i] {
				continue
			}
			if len(rb) > 1 {
				rb = append(rb, ',')
			}
			if rb, err = sqlval.Append(rb, kinds[i], v); err != nil {
				return 0, errs.New(errs.KindInvalid, errs.CodeCopyWrite,
					fmt.Sprintf("cannot write column %s of %s.%s: %v", req.Columns[i], t.Schema, t.Name, err),
					"Check the column mapping; the value cannot be stored in the target column.")
			}
		}
		rb = append(rb, ')')
		if n > 0 && (len(stmt)+1+len(rb) > budget || n >= writeMaxRowsPerStmt) {
			if err := flush(); err != nil {
				return 0, err
			}
		}
		if n == 0 && len(header)+len(rb) > limit {
			return 0, errs.New(errs.KindInvalid, errs.CodeCopyWrite,
				fmt.Sprintf("a row of %s.%s needs a %d-byte statement but the target's max_allowed_packet is %d",
					t.Schema, t.Name, len(header)+len(rb)+writePacketMargin, maxPacket),
				"Raise max_allowed_packet on the target server (SET GLOBAL max_allowed_packet) and retry.")
		}
		if n > 0 {
			stmt = append(stmt, ',')
		}
		stmt = append(stmt, rb...)
		n++
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, writeErr(t, "cannot commit rows", err)
	}
	return total, nil
}

// writeState returns the endpoint's write-path state.
func (e *Endpoint) writeState() *writePacket { return &e.write }

func writeErr(t *schema.Table, what string, err error) error {
	return myerr.CopyWrite(t.Schema, t.Name, what, err)
}

// writePacket is one endpoint's write-path state (the Endpoint's write field): its cached
// max_allowed_packet and whether LOAD DATA LOCAL was refused. The zero value is ready.
type writePacket struct {
	mu         sync.Mutex
	n          int
	noLoad     atomic.Bool
	loadProbed atomic.Bool // an empty LOAD DATA LOCAL succeeded (WriteEncoding)
}

// writeMaxPacket returns the server's max_allowed_packet, read once per endpoint (a failed
// read is not cached).
func (e *Endpoint) writeMaxPacket(ctx context.Context) (int, error) {
	p := e.writeState()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		var n int64
		if err := e.db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&n); err != nil {
			return 0, err
		}
		p.n = int(n)
	}
	return p.n, nil
}
