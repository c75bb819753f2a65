package binlog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
)

// maxTableDefs bounds the cache of decoded table definitions (by table-map signature).
const maxTableDefs = 4096

// maxColumns is the most columns a MySQL or MariaDB table can have.
const maxColumns = 4096

// txnAssembler turns a binlog event sequence into committed transactions. It owns its
// parser and is used from one goroutine.
//
// Transactions: a GTID event (MariaDB, MySQL) opens one; BEGIN … XID (or QUERY "COMMIT" /
// "ROLLBACK" for non-transactional engines) closes it; a standalone QUERY that is not
// BEGIN/COMMIT/XA/SAVEPOINT is a DDL transaction of its own. Every emitted Txn.Pos is the
// end of its commit event, so it is a transaction boundary to resume from.
//
// Memory: once the events of the open transaction reach partBytes (estimated with
// change.Event sizes), they are emitted as a part (change.Txn More, Offset, Pos = the position
// the transaction starts after), so a transaction of any size is held at most partBytes (plus
// one rows event) at a time. 0 disables parts.
type txnAssembler struct {
	parser *replication.BinlogParser
	colls  map[uint64]string
	want   func(schema, table string) bool
	fn     func(*change.Txn) error

	file   string                  // current binlog file (from ROTATE events)
	last   Pos                     // end of the last event handled
	tables map[uint64]*binlogTable // by table id, for the current statement
	defs   map[string]*binlogTable // by table-map signature

	open   bool // inside a transaction (after GTID or BEGIN)
	begun  bool // saw BEGIN (or XA START): a DDL now is part of the transaction
	gtid   string
	events []change.Event

	partBytes int    // emit a part once events reach this estimated size; 0 = never
	start     Pos    // the position the open transaction starts after
	evStart   Pos    // the position the event being handled starts after
	offset    uint64 // events of the open transaction already emitted in parts
	size      int    // estimated bytes of events
}

func newTxnAssembler(flavor string, from Pos, colls map[uint64]string,
	want func(schema, table string) bool, fn func(*change.Txn) error) *txnAssembler {
	a := &txnAssembler{colls: colls, want: want, fn: fn, file: from.File, last: from,
		tables: map[uint64]*binlogTable{}, defs: map[string]*binlogTable{}}
	p := replication.NewBinlogParser()
	p.SetFlavor(flavor)
	p.SetParseTime(false)
	p.SetTimestampStringLocation(time.UTC)
	p.SetUseDecimal(false) // exact DECIMAL text with the column's scale
	p.SetRenderJSONAsMySQLText(true)
	p.SetVerifyChecksum(true)
	p.SetRowsEventDecodeFunc(a.decodeRows)
	a.parser = p
	return a
}

// decodeRows decodes a rows event only when its table is wanted (decided at TABLE_MAP).
func (a *txnAssembler) decodeRows(re *replication.RowsEvent, data []byte) error {
	pos, err := re.DecodeHeader(data)
	if err != nil {
		return err
	}
	if t := a.tables[re.TableID]; t == nil || !t.want {
		return nil
	}
	// The library sizes each row image by ColumnCount and loops until the body is consumed:
	// a count of 0 consumes nothing (an endless loop), a huge one allocates without bound.
	// A real event matches its table map and has 1..maxColumns columns.
	if re.ColumnCount < 1 || re.ColumnCount > maxColumns || re.Table == nil || re.ColumnCount != re.Table.ColumnCount ||
		len(re.Table.ColumnType) != int(re.ColumnCount) {
		return fmt.Errorf("rows event with %d columns does not match its table map", re.ColumnCount)
	}
	// Each image consumes a null bitmap sized by the columns present: none present consumes
	// nothing, and the library would loop forever on the same bytes.
	if !anyBit(re.ColumnBitmap1) || (re.ColumnBitmap2 != nil && !anyBit(re.ColumnBitmap2)) {
		return fmt.Errorf("rows event without any column present")
	}
	return re.DecodeData(pos, data)
}

// unusedEvents are the event types capture never looks into: they are not parsed at all
// (their decoders size allocations by counts read from the event, e.g. a GTID list's).
var unusedEvents = map[replication.EventType]bool{
	replication.MARIADB_GTID_LIST_EVENT:         true,
	replication.PREVIOUS_GTIDS_EVENT:            true,
	replication.MARIADB_BINLOG_CHECKPOINT_EVENT: true,
	replication.MARIADB_ANNOTATE_ROWS_EVENT:     true,
	replication.ROWS_QUERY_EVENT:                true,
}

// anyBit reports whether any bit of b is set.
func anyBit(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return true
		}
	}
	return false
}

// handle processes one event as the binlog connection delivered it (raw mode: ROTATE and
// FORMAT_DESCRIPTION parsed, the rest as raw bytes). The library parser and its metadata
// accessors index by lengths read from the event and can panic on a malformed one (a rows
// event before any format description, truncated table-map metadata); that is a decoding
// error of this event (CodeIncrDecode), never a crash of the process.
func (a *txnAssembler) handle(ev *replication.BinlogEvent) (err error) {
	if r, ok := ev.Event.(*replication.RotateEvent); ok {
		a.file = string(r.NextLogName)
		a.last = Pos{File: a.file, Pos: uint32(r.Position)}
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = binlogDecodeErr(a.last, fmt.Errorf("malformed %s event (%d bytes): %v", ev.Header.EventType, len(ev.RawData), r))
		}
	}()
	if unusedEvents[ev.Header.EventType] {
		return a.handleParsed(ev.Header, nil) // the position only
	}
	parsed, err := a.parser.Parse(ev.RawData)
	if err != nil {
		return binlogDecodeErr(a.last, err)
	}
	return a.handleParsed(ev.Header, parsed.Event)
}

func (a *txnAssembler) handleParsed(h *replication.EventHeader, ev replication.Event) error {
	before := a.last
	a.evStart = before
	// A dump re-sends the format description at its start with a log_pos that is not an
	// event boundary (MariaDB: the start position plus the event's length), and heartbeats
	// carry no position of their own: neither moves the position.
	if h.LogPos != 0 && h.Flags&replication.LOG_EVENT_ARTIFICIAL_F == 0 &&
		h.EventType != replication.FORMAT_DESCRIPTION_EVENT && h.EventType != replication.HEARTBEAT_EVENT {
		a.last = Pos{File: a.file, Pos: h.LogPos}
	}
	switch e := ev.(type) {
	case *replication.MariadbGTIDEvent:
		a.reset()
		a.open, a.gtid, a.start = true, e.GTID.String(), before
	case *replication.GTIDEvent:
		a.reset()
		a.open, a.start = true, before
		if e.GNO > 0 && len(e.SID) == 16 {
			s := e.SID
			a.gtid = fmt.Sprintf("%x-%x-%x-%x-%x:%d", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16], e.GNO)
		}
	case *replication.QueryEvent:
		return a.query(h, e)
	case *replication.XIDEvent:
		return a.commit(h)
	case *replication.TableMapEvent:
		return a.tableMap(e)
	case *replication.RowsEvent:
		return a.rows(h, e)
	case *replication.TransactionPayloadEvent:
		for _, in := range e.Events {
			if err := a.handleParsed(in.Header, in.Event); err != nil {
				return err
			}
		}
	case *replication.GenericEvent:
		if h.EventType == replication.XA_PREPARE_LOG_EVENT {
			return a.commit(h) // delivered at prepare: XA ROLLBACK after PREPARE is not undone
		}
	}
	return nil
}

func (a *txnAssembler) reset() {
	a.open, a.begun, a.gtid, a.events, a.offset, a.size = false, false, "", nil, 0, 0
}

func (a *txnAssembler) commit(h *replication.EventHeader) error {
	t := &change.Txn{Pos: Pos{File: a.file, Pos: h.LogPos}.String(), TxID: a.gtid,
		Time: int64(h.Timestamp), Offset: a.offset, Events: a.events}
	a.reset()
	return a.fn(t)
}

// grew accounts for the events appended since the last call and emits them as a part of the
// open transaction once they reach partBytes.
func (a *txnAssembler) grew(h *replication.EventHeader, added []change.Event) error {
	if a.partBytes <= 0 {
		return nil
	}
	for i := range added {
		e := &added[i]
		a.size += 48 + len(e.Query) + e.Before.Size() + e.After.Size()
	}
	if a.size < a.partBytes {
		return nil
	}
	t := &change.Txn{Pos: a.start.String(), TxID: a.gtid, Time: int64(h.Timestamp), Offset: a.offset, More: true, Events: a.events}
	a.offset += uint64(len(a.events))
	a.events, a.size = nil, 0
	return a.fn(t)
}

// queryKind classifies a QUERY event's statement by its leading words.
func queryKind(q string) string {
	f := strings.Fields(strings.ToUpper(q))
	if len(f) == 0 {
		return "EMPTY"
	}
	switch f[0] {
	case "BEGIN", "COMMIT", "SAVEPOINT":
		return f[0]
	case "ROLLBACK":
		if len(f) > 1 && f[1] == "TO" {
			return "SAVEPOINT"
		}
		return "ROLLBACK"
	case "RELEASE":
		return "SAVEPOINT"
	case "XA":
		if len(f) > 1 {
			switch f[1] {
			case "START", "BEGIN":
				return "BEGIN"
			case "COMMIT", "ROLLBACK":
				return "XA_END"
			}
		}
		return "SAVEPOINT" // XA END / XA PREPARE: inside the transaction
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD":
		return "DML"
	}
	return "DDL"
}

func (a *txnAssembler) query(h *replication.EventHeader, e *replication.QueryEvent) error {
	q := string(e.Query)
	switch queryKind(q) {
	case "BEGIN":
		if !a.open {
			a.start = a.evStart
		}
		a.open, a.begun = true, true
	case "COMMIT", "ROLLBACK":
		return a.commit(h)
	case "SAVEPOINT", "EMPTY":
	case "XA_END":
		a.reset() // the prepared part was delivered at XA PREPARE
	case "DML":
		return errs.New(errs.KindInvalid, errs.CodeIncrSettings,
			fmt.Sprintf("the binlog holds a statement-logged change near %s (binlog_format is not ROW)", a.last),
			"Run SET GLOBAL binlog_format=ROW on the source (and set it in the server configuration), "+
				"then restart the project's incremental sync from a new full copy.")
	default:
		ev := change.Event{Op: change.OpDDL, Schema: string(e.Schema), Query: q}
		if a.begun {
			a.events = append(a.events, ev)
			return a.grew(h, a.events[len(a.events)-1:])
		}
		a.events = append(a.events[:0:0], ev)
		return a.commit(h)
	}
	return nil
}

func (a *txnAssembler) tableMap(tm *replication.TableMapEvent) error {
	sig := tableMapSig(tm)
	t := a.defs[sig]
	if t == nil {
		if !a.want(string(tm.Schema), string(tm.Table)) {
			t = &binlogTable{schema: string(tm.Schema), name: string(tm.Table)}
		} else {
			var err error
			if t, err = buildBinlogTable(tm, a.colls); err != nil {
				return err
			}
		}
		if len(a.defs) >= maxTableDefs {
			clear(a.defs)
		}
		a.defs[sig] = t
	}
	a.tables[tm.TableID] = t
	return nil
}

func (a *txnAssembler) rows(h *replication.EventHeader, re *replication.RowsEvent) error {
	n := len(a.events)
	if err := a.rowsInto(re); err != nil {
		return err
	}
	return a.grew(h, a.events[n:])
}

func (a *txnAssembler) rowsInto(re *replication.RowsEvent) error {
	t := a.tables[re.TableID]
	if re.Flags&replication.RowsEventStmtEndFlag != 0 {
		defer clear(a.tables)
	}
	if t == nil {
		return binlogDecodeErr(a.last, fmt.Errorf("rows event for table id %d without a table map", re.TableID))
	}
	if !t.want {
		return nil
	}
	for _, sk := range re.SkippedColumns {
		if len(sk) > 0 {
			return errs.New(errs.KindInvalid, errs.CodeIncrSettings,
				fmt.Sprintf("the binlog logs only some columns of %s.%s (binlog_row_image is not FULL)", t.schema, t.name),
				"Run SET GLOBAL binlog_row_image=FULL on the source, then restart the project's incremental sync from a new full copy.")
		}
	}
	cols, types, key := slices.Clone(t.cols), slices.Clone(t.types), slices.Clone(t.key)
	mk := func(op change.Op) change.Event {
		return change.Event{Op: op, Schema: t.schema, Table: t.name, Columns: cols, Types: types, Key: key}
	}
	switch re.Type() {
	case replication.EnumRowsEventTypeInsert, replication.EnumRowsEventTypeDelete:
		for _, r := range re.Rows {
			row, err := t.rowValues(r)
			if err != nil {
				return err
			}
			if re.Type() == replication.EnumRowsEventTypeInsert {
				ev := mk(change.OpInsert)
				ev.After = row
				a.events = append(a.events, ev)
			} else {
				ev := mk(change.OpDelete)
				ev.Before = row
				a.events = append(a.events, ev)
			}
		}
	case replication.EnumRowsEventTypeUpdate:
		if len(re.Rows)%2 != 0 {
			return binlogDecodeErr(a.last, fmt.Errorf("update rows event of %s.%s has an odd number of images", t.schema, t.name))
		}
		for i := 0; i < len(re.Rows); i += 2 {
			before, err := t.rowValues(re.Rows[i])
			if err != nil {
				return err
			}
			after, err := t.rowValues(re.Rows[i+1])
			if err != nil {
				return err
			}
			ev := mk(change.OpUpdate)
			ev.Before, ev.After = before, after
			a.events = append(a.events, ev)
		}
	default:
		return binlogDecodeErr(a.last, fmt.Errorf("rows event of unknown kind for %s.%s", t.schema, t.name))
	}
	return nil
}
