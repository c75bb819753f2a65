package kafka

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/schema"
)

// message is one record to publish. A nil value is a tombstone.
type message struct {
	topic string
	key   []byte
	value []byte
	pkey  []byte // what the partitioner hashes (HASH: the key; TABLE: db.table)
	id    string // the dedupe id, sent as header godwit-id
}

// tableMeta is a target table as the encoders see it: its columns (in the order of the
// row images), the key columns, its topic and, for Debezium with schemas, the precomputed
// schema parts.
type tableMeta struct {
	db, table string
	cols      []colMeta
	keyIdx    []int
	topic     string
	keyNames  []string
	// Debezium schema parts (mqWithSchema), rendered once.
	keySchema, valueSchema, envSchema []byte
}

func newTableMeta(cfg *projConfig, t *schema.Table, cols, key []string) (*tableMeta, error) {
	m := &tableMeta{db: t.Schema, table: t.Name, topic: cfg.tableTopic(t.Schema, t.Name)}
	for _, n := range cols {
		c := t.Column(n)
		if c == nil {
			return nil, fmt.Errorf("table %s.%s has no column %s", t.Schema, t.Name, n)
		}
		cm := classify(c)
		cm.name = n
		m.cols = append(m.cols, cm)
	}
	for _, k := range key {
		found := false
		for i := range m.cols {
			if strings.EqualFold(m.cols[i].name, k) {
				m.keyIdx = append(m.keyIdx, i)
				m.cols[i].key = true
				m.keyNames = append(m.keyNames, m.cols[i].name)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("table %s.%s: key column %s is not among the columns sent", t.Schema, t.Name, k)
		}
	}
	if cfg.WithSchema {
		m.buildDebeziumSchemas(cfg)
	}
	return m, nil
}

// event is one row change (or snapshot row) to encode.
type event struct {
	op       change.Op // OpInsert, OpUpdate, OpDelete
	snapshot bool
	before   change.Row
	after    change.Row
	seq      uint64
	pos      string
	time     int64 // source commit time, unix seconds (snapshot: read time)
	nowMs    int64
	id       string
}

// ddlEvent is one DDL to encode.
type ddlEvent struct {
	db, table string // the main table (target names)
	kinds     []string
	sql       string
	seq       uint64
	pos       string
	time      int64
	nowMs     int64
	id        string
}

// encoder renders events in one serializer's format.
type encoder struct {
	cfg *projConfig
}

// encode appends ev's messages (one, or for a Debezium delete the delete and its
// tombstone) to out.
func (e *encoder) encode(m *tableMeta, ev *event, out []message) ([]message, error) {
	key, err := e.key(m, ev)
	if err != nil {
		return out, err
	}
	var val []byte
	switch e.cfg.Serializer {
	case SerCanal:
		val, err = e.canal(m, ev)
	case SerDebezium:
		val, err = e.debezium(m, ev)
	case SerDebeziumFlatten:
		if ev.op == change.OpDelete { // the unwrap transform's default: the delete becomes its tombstone
			return append(out, e.msg(m, key, nil, ev.id)), nil
		}
		val, err = e.flatten(m, ev)
	default:
		val, err = e.godwit(m, ev)
	}
	if err != nil {
		return out, fmt.Errorf("table %s.%s: %w", m.db, m.table, err)
	}
	out = append(out, e.msg(m, key, val, ev.id))
	if e.cfg.Serializer == SerDebezium && ev.op == change.OpDelete && key != nil {
		out = append(out, e.msg(m, key, nil, ev.id+":tombstone"))
	}
	return out, nil
}

func (e *encoder) msg(m *tableMeta, key, val []byte, id string) message {
	msg := message{topic: m.topic, key: key, value: val, id: id}
	switch e.cfg.Mode {
	case PartTable:
		msg.pkey = []byte(m.db + "." + m.table)
	case PartHash:
		msg.pkey = key
		if key == nil { // a keyless table: its rows keep their order in one partition
			msg.pkey = []byte(m.db + "." + m.table)
		}
	}
	return msg
}

// image is the row image that identifies the row (after, or before for a delete).
func (ev *event) image() change.Row {
	if ev.op == change.OpDelete || ev.after == nil {
		return ev.before
	}
	return ev.after
}

// key renders the message key: the row's key columns as a JSON object in the format's
// value typing (Debezium with schemas: {"schema":…,"payload":…}); nil for a keyless table.
func (e *encoder) key(m *tableMeta, ev *event) ([]byte, error) {
	if len(m.keyIdx) == 0 {
		return nil, nil
	}
	row := ev.image()
	b := make([]byte, 0, 32)
	dbz := e.cfg.Serializer == SerDebezium || e.cfg.Serializer == SerDebeziumFlatten
	if dbz && e.cfg.WithSchema {
		b = append(b, `{"schema":`...)
		b = append(b, m.keySchema...)
		b = append(b, `,"payload":`...)
	}
	b = append(b, '{')
	var err error
	for _, i := range m.keyIdx {
		b = comma(b)
		b = appendKey(b, m.cols[i].name)
		if i >= len(row) {
			return nil, fmt.Errorf("row image has %d values for %d columns", len(row), len(m.cols))
		}
		switch e.cfg.Serializer {
		case SerCanal:
			b, err = canalVal(b, &m.cols[i], row[i])
		case SerDebezium, SerDebeziumFlatten:
			b, err = e.dbzVal(b, &m.cols[i], row[i])
		default:
			b, err = godwitVal(b, &m.cols[i], row[i])
		}
		if err != nil {
			return nil, err
		}
	}
	b = append(b, '}')
	if dbz && e.cfg.WithSchema {
		b = append(b, '}')
	}
	return b, nil
}

// rowObject appends row as a JSON object rendered by val; nil rows are null.
func rowObject(b []byte, m *tableMeta, row change.Row, val func([]byte, *colMeta, any) ([]byte, error)) ([]byte, error) {
	if row == nil {
		return append(b, "null"...), nil
	}
	if len(row) != len(m.cols) {
		return b, fmt.Errorf("row image has %d values for %d columns", len(row), len(m.cols))
	}
	b = append(b, '{')
	var err error
	for i := range m.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, m.cols[i].name)
		if b, err = val(b, &m.cols[i], row[i]); err != nil {
			return b, fmt.Errorf("column %s: %w", m.cols[i].name, err)
		}
	}
	return append(b, '}'), nil
}

// ---- DEFAULT: godwit's own format (documented in README, "Kafka sink") ----

func opName(op change.Op, snapshot bool) string {
	switch {
	case snapshot:
		return "SNAPSHOT"
	case op == change.OpInsert:
		return "INSERT"
	case op == change.OpUpdate:
		return "UPDATE"
	case op == change.OpDelete:
		return "DELETE"
	}
	return "UNKNOWN"
}

func (e *encoder) godwit(m *tableMeta, ev *event) ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, `{"version":1,"id":`...)
	b = appendStr(b, ev.id)
	b = append(b, `,"op":`...)
	b = appendStr(b, opName(ev.op, ev.snapshot))
	b = append(b, `,"database":`...)
	b = appendStr(b, m.db)
	b = append(b, `,"table":`...)
	b = appendStr(b, m.table)
	b = append(b, `,"pk":`...)
	b = appendNames(b, m.keyNames)
	var err error
	before := ev.before
	if ev.op == change.OpInsert {
		before = nil
	}
	b = append(b, `,"before":`...)
	if b, err = rowObject(b, m, before, godwitVal); err != nil {
		return nil, err
	}
	after := ev.after
	if ev.op == change.OpDelete {
		after = nil
	}
	b = append(b, `,"after":`...)
	if b, err = rowObject(b, m, after, godwitVal); err != nil {
		return nil, err
	}
	b = append(b, `,"source":{"pos":`...)
	b = appendStr(b, ev.pos)
	b = append(b, `,"seq":`...)
	b = appendUint(b, ev.seq)
	b = append(b, `,"ts_ms":`...)
	b = appendInt(b, ev.time*1000)
	b = append(b, `},"ts_ms":`...)
	b = appendInt(b, ev.nowMs)
	return append(b, '}'), nil
}

func appendNames(b []byte, names []string) []byte {
	if names == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStr(b, n)
	}
	return append(b, ']')
}

// godwitVal: integers and floats as JSON numbers (exact, unsigned included), BIT as a
// number, YEAR as a number, DECIMAL as its exact text, binary and spatial values as base64,
// everything else as the source's text.
func godwitVal(b []byte, c *colMeta, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch c.kind {
	case kInt, kYear:
		i, u, signed, err := intValue(v)
		if err != nil {
			return b, err
		}
		if signed {
			return appendInt(b, i), nil
		}
		return appendUint(b, u), nil
	case kFloat:
		return appendFloat(b, v, 32)
	case kDouble:
		return appendFloat(b, v, 64)
	case kBit:
		n, err := bitValue(v)
		if err != nil {
			return b, err
		}
		return appendUint(b, n), nil
	case kBinary, kGeometry:
		if x, ok := v.([]byte); ok {
			return appendBase64(b, x), nil
		}
	}
	return appendAnyText(b, v)
}

func appendAnyText(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return appendBytesStr(b, x), nil
	case string:
		return appendStr(b, x), nil
	case int64:
		return appendStr(b, strconv.FormatInt(x, 10)), nil
	case uint64:
		return appendStr(b, strconv.FormatUint(x, 10)), nil
	case float32:
		return appendStr(b, strconv.FormatFloat(float64(x), 'g', -1, 32)), nil
	case float64:
		return appendStr(b, strconv.FormatFloat(x, 'g', -1, 64)), nil
	case bool:
		return appendStr(b, strconv.FormatBool(x)), nil
	}
	return b, fmt.Errorf("value of type %T", v)
}

// ---- DDL messages ----

// canalDDLType is Canal's event type of a DDL.
func canalDDLType(kinds []string) string {
	if len(kinds) == 0 {
		return "QUERY"
	}
	switch kinds[0] {
	case "CREATE_TABLE":
		return "CREATE"
	case "DROP_TABLE":
		return "ERASE"
	case "TRUNCATE":
		return "TRUNCATE"
	case "RENAME_TABLE":
		return "RENAME"
	case "CREATE_INDEX":
		return "CINDEX"
	case "DROP_INDEX":
		return "DINDEX"
	case "OTHER", "CREATE_DATABASE", "DROP_DATABASE", "CREATE_VIEW", "DROP_VIEW":
		return "QUERY"
	}
	return "ALTER"
}

// encodeDDL renders a DDL: Canal and DEFAULT put it in the table's topic (Canal isDdl
// true), Debezium in the schema-change topic named after the prefix, keyed by database.
func (e *encoder) encodeDDL(d *ddlEvent) (message, error) {
	ev := &event{seq: d.seq, pos: d.pos, time: d.time, nowMs: d.nowMs, id: d.id}
	b := make([]byte, 0, 256)
	var key []byte
	switch e.cfg.Serializer {
	case SerCanal:
		b = append(b, `{"data":null,"database":`...)
		b = appendStr(b, d.db)
		b = append(b, `,"es":`...)
		b = appendInt(b, d.time*1000)
		b = append(b, `,"id":`...)
		b = appendUint(b, d.seq)
		b = append(b, `,"isDdl":true,"mysqlType":null,"old":null,"pkNames":null,"sql":`...)
		b = appendStr(b, d.sql)
		b = append(b, `,"sqlType":null,"table":`...)
		b = appendStr(b, d.table)
		b = append(b, `,"ts":`...)
		b = appendInt(b, d.nowMs)
		b = append(b, `,"type":`...)
		b = appendStr(b, canalDDLType(d.kinds))
		b = append(b, '}')
	case SerDebezium, SerDebeziumFlatten:
		key = appendStr([]byte(`{"databaseName":`), d.db)
		key = append(key, '}')
		if e.cfg.WithSchema {
			key = append(append([]byte(`{"schema":`), ddlKeySchema...), append([]byte(`,"payload":`), append(key, '}')...)...)
			b = append(b, `{"schema":`...)
			b = append(b, ddlValueSchema...)
			b = append(b, `,"payload":`...)
		}
		b = append(b, `{"source":`...)
		b = e.source(b, d.db, d.table, ev)
		b = append(b, `,"ts_ms":`...)
		b = appendInt(b, d.nowMs)
		b = append(b, `,"databaseName":`...)
		b = appendStr(b, d.db)
		b = append(b, `,"schemaName":null,"ddl":`...)
		b = appendStr(b, d.sql)
		b = append(b, `,"tableChanges":[]}`...)
		if e.cfg.WithSchema {
			b = append(b, '}')
		}
	default:
		b = append(b, `{"version":1,"id":`...)
		b = appendStr(b, d.id)
		b = append(b, `,"op":"DDL","database":`...)
		b = appendStr(b, d.db)
		b = append(b, `,"table":`...)
		b = appendStr(b, d.table)
		b = append(b, `,"kinds":`...)
		b = appendNames(b, d.kinds)
		b = append(b, `,"sql":`...)
		b = appendStr(b, d.sql)
		b = append(b, `,"source":{"pos":`...)
		b = appendStr(b, d.pos)
		b = append(b, `,"seq":`...)
		b = appendUint(b, d.seq)
		b = append(b, `,"ts_ms":`...)
		b = appendInt(b, d.time*1000)
		b = append(b, `},"ts_ms":`...)
		b = appendInt(b, d.nowMs)
		b = append(b, '}')
	}
	topic := e.cfg.ddlTopic(d.db, d.table)
	msg := message{topic: topic, key: key, value: b, id: d.id}
	switch e.cfg.Mode {
	case PartTable, PartHash:
		// A table's DDL goes where TABLE mode sends the table; in HASH mode to the partition
		// of the database name (Debezium keys schema changes by database).
		msg.pkey = []byte(d.db + "." + d.table)
		if e.cfg.Mode == PartHash && key != nil {
			msg.pkey = key
		}
	}
	return msg, nil
}
