package change

import "strings"

// Op is the kind of a change event.
type Op uint8

const (
	OpInsert Op = 1
	OpUpdate Op = 2
	OpDelete Op = 3
	OpDDL    Op = 4
)

func (o Op) String() string {
	switch o {
	case OpInsert:
		return "INSERT"
	case OpUpdate:
		return "UPDATE"
	case OpDelete:
		return "DELETE"
	case OpDDL:
		return "DDL"
	}
	return "UNKNOWN"
}

// Event is one row change or one DDL statement read from a source change log.
//
// Row events are self-describing: Columns holds the column names of the table as it was
// at the event's position in the log (from the log's own metadata, e.g. a MySQL table map
// with binlog_row_metadata=FULL), in the table's column order, and Before/After hold values
// in that order with the Row value conventions of this package. Insert sets After, Delete
// sets Before, Update sets both. Key lists the positions (into Columns) of the primary key
// as the log records it; it may be empty (tables without a primary key, or logs that do not
// say), in which case the applier uses the target's table definition.
//
// Types, when the log records them, holds one ColType per Columns entry: the column's type at
// the event's position in the log, which can differ from the table's type in today's catalog
// (an ALTER later in the log). nil when the log records none.
//
// A DDL event sets Schema (the statement's default database, may be empty), Query (the
// statement text as executed on the source) and leaves the row fields empty.
type Event struct {
	Op      Op
	Schema  string
	Table   string
	Columns []string
	Types   []ColType
	Key     []int
	Before  Row
	After   Row
	Query   string
}

// ColType is the type a change log recorded for one column of a row event, in the source
// endpoint's vocabulary (MySQL family: information_schema DATA_TYPE names such as "int",
// "varbinary", "mediumtext", "bit"); where the log cannot tell several catalog types apart
// it names them all, first the one to assume, separated by "|" (MySQL family: a MariaDB
// JSON column is logged as "longtext|json"). Binary marks a byte string without a character
// set; Unsigned an unsigned number.
type ColType struct {
	DataType string
	Binary   bool
	Unsigned bool
}

// Is reports whether the logged type can be the catalog type dataType (compared ignoring case).
func (c ColType) Is(dataType string) bool {
	for _, t := range strings.Split(c.DataType, "|") {
		if strings.EqualFold(t, dataType) {
			return true
		}
	}
	return false
}

// Assumed is the type to assume when nothing else is known: the first one named.
func (c ColType) Assumed() string {
	t, _, _ := strings.Cut(c.DataType, "|")
	return t
}

// Txn is one committed source transaction (or one DDL statement, which commits on its own),
// or one part of a large one.
//
// Pos is the endpoint-owned position just past this transaction's commit: resuming the log
// from Pos yields the next transaction. Positions of one endpoint compare with the
// endpoint's ComparePositions. TxID is the source's own id of the transaction, opaque to
// godwit and informational (MySQL-family: the GTID; PostgreSQL: the xid); "" when none.
// Time is the source commit time, unix seconds. Seq is assigned by the change store (1, 2,
// 3, … in log order) and is 0 until stored.
//
// Parts: a source transaction too large to hold in memory is delivered as several Txns, in
// order, with the same TxID. Offset is the index, within the source transaction, of the
// part's first event (0 for the first part and for a whole transaction); More is true on
// every part but the last. A part with More carries as Pos the position the source
// transaction starts after (resuming from it yields the whole transaction again, whose
// first Offset events the consumer already has) and as Time the time of its last event;
// the last part carries the commit position and time like a whole transaction. Parts are
// the same whatever the reader's memory bound when consumers trim by Offset.
type Txn struct {
	Seq    uint64
	Pos    string
	TxID   string
	Time   int64
	Offset uint64
	More   bool
	Events []Event
}

// Size estimates the bytes a transaction occupies, for memory accounting.
func (t *Txn) Size() int {
	n := 64 + len(t.Pos) + len(t.TxID)
	for i := range t.Events {
		e := &t.Events[i]
		n += 48 + len(e.Schema) + len(e.Table) + len(e.Query) + e.Before.Size() + e.After.Size()
		for _, c := range e.Columns {
			n += len(c) + 16
		}
		for _, c := range e.Types {
			n += len(c.DataType) + 24
		}
	}
	return n
}
