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

// ---- CANAL: the flat message ----

// canalSQLType is the java.sql.Types code Canal reports for a column.
func canalSQLType(c *colMeta) int {
	switch c.dataType {
	case "tinyint", "bool", "boolean":
		if c.unsigned {
			return 5 // SMALLINT
		}
		return -6 // TINYINT
	case "smallint":
		if c.unsigned {
			return 4
		}
		return 5
	case "mediumint":
		return 4
	case "int", "integer":
		if c.unsigned {
			return -5 // BIGINT
		}
		return 4
	case "bigint":
		if c.unsigned {
			return 3 // DECIMAL
		}
		return -5
	case "float":
		return 7 // REAL
	case "double", "real", "double precision":
		return 8
	case "decimal", "numeric", "dec", "fixed":
		return 3
	case "bit":
		return -7
	case "date":
		return 91
	case "time":
		return 92
	case "datetime", "timestamp":
		return 93
	case "year":
		return 12
	case "char", "enum", "set":
		return 1
	case "varchar", "json", "inet4", "inet6", "uuid":
		return 12
	case "tinytext", "text", "mediumtext", "longtext":
		return 2005 // CLOB
	case "binary":
		return -2
	case "varbinary":
		return -3
	case "tinyblob", "blob", "mediumblob", "longblob":
		return 2004 // BLOB
	}
	if c.kind == kGeometry {
		return -2
	}
	return 1111 // OTHER
}

func canalType(op change.Op) string {
	switch op {
	case change.OpUpdate:
		return "UPDATE"
	case change.OpDelete:
		return "DELETE"
	}
	return "INSERT" // inserts and snapshot rows
}

func (e *encoder) canal(m *tableMeta, ev *event) ([]byte, error) {
	b := make([]byte, 0, 384)
	b = append(b, `{"data":[`...)
	var err error
	if b, err = rowObject(b, m, ev.image(), canalVal); err != nil {
		return nil, err
	}
	b = append(b, `],"database":`...)
	b = appendStr(b, m.db)
	b = append(b, `,"es":`...)
	b = appendInt(b, ev.time*1000)
	b = append(b, `,"id":`...)
	b = appendUint(b, ev.seq)
	b = append(b, `,"isDdl":false,"mysqlType":{`...)
	for i := range m.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, m.cols[i].name)
		b = appendStr(b, m.cols[i].colType)
	}
	b = append(b, `},"old":`...)
	if ev.op == change.OpUpdate && ev.before != nil {
		// Only the columns the update changed, with their old values.
		b = append(b, `[{`...)
		for i := range m.cols {
			if i < len(ev.before) && i < len(ev.after) && sameValue(ev.before[i], ev.after[i]) {
				continue
			}
			b = comma(b)
			b = appendKey(b, m.cols[i].name)
			if b, err = canalVal(b, &m.cols[i], ev.before[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, `}]`...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"pkNames":`...)
	b = appendNames(b, m.keyNames)
	b = append(b, `,"sql":"","sqlType":{`...)
	for i := range m.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, m.cols[i].name)
		b = strconv.AppendInt(b, int64(canalSQLType(&m.cols[i])), 10)
	}
	b = append(b, `},"table":`...)
	b = appendStr(b, m.table)
	b = append(b, `,"ts":`...)
	b = appendInt(b, ev.nowMs)
	b = append(b, `,"type":`...)
	b = appendStr(b, canalType(ev.op))
	return append(b, '}'), nil
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	default:
		return a == b
	}
}

// canalVal: every value a string (NULL null): integers in decimal, BIT as its integer
// value, binary and spatial values one ISO-8859-1 character per byte, the rest as text.
func canalVal(b []byte, c *colMeta, v any) ([]byte, error) {
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
			return appendStr(b, strconv.FormatInt(i, 10)), nil
		}
		return appendStr(b, strconv.FormatUint(u, 10)), nil
	case kFloat, kDouble:
		bits := 64
		if c.kind == kFloat {
			bits = 32
		}
		s, err := appendFloat(nil, v, bits)
		if err != nil {
			return b, err
		}
		return appendStr(b, string(s)), nil
	case kBit:
		n, err := bitValue(v)
		if err != nil {
			return b, err
		}
		return appendStr(b, strconv.FormatUint(n, 10)), nil
	case kBinary, kGeometry:
		if x, ok := v.([]byte); ok {
			return appendLatin1(b, x), nil
		}
	}
	return appendAnyText(b, v)
}

// ---- DEBEZIUM: the change-event envelope ----

func dbzOp(ev *event) string {
	switch {
	case ev.snapshot:
		return "r"
	case ev.op == change.OpUpdate:
		return "u"
	case ev.op == change.OpDelete:
		return "d"
	}
	return "c"
}

func (e *encoder) source(b []byte, db, table string, ev *event) []byte {
	b = append(b, `{"version":"godwit","connector":"mysql","name":`...)
	b = appendStr(b, e.cfg.Prefix)
	b = append(b, `,"ts_ms":`...)
	b = appendInt(b, ev.time*1000)
	b = append(b, `,"snapshot":`...)
	if ev.snapshot {
		b = append(b, `"true"`...)
	} else {
		b = append(b, `"false"`...)
	}
	b = append(b, `,"db":`...)
	b = appendStr(b, db)
	b = append(b, `,"sequence":null,"table":`...)
	if table == "" {
		b = append(b, "null"...)
	} else {
		b = appendStr(b, table)
	}
	file, pos := splitPos(ev.pos)
	b = append(b, `,"server_id":0,"gtid":null,"file":`...)
	b = appendStr(b, file)
	b = append(b, `,"pos":`...)
	b = appendInt(b, pos)
	b = append(b, `,"row":0,"thread":null,"query":null}`...)
	return b
}

// splitPos splits a MySQL-family position "file:pos".
func splitPos(p string) (string, int64) {
	i := strings.LastIndexByte(p, ':')
	if i < 0 {
		return p, 0
	}
	n, err := strconv.ParseInt(p[i+1:], 10, 64)
	if err != nil {
		return p, 0
	}
	return p[:i], n
}

func (e *encoder) debezium(m *tableMeta, ev *event) ([]byte, error) {
	b := make([]byte, 0, 512)
	if e.cfg.WithSchema {
		b = append(b, `{"schema":`...)
		b = append(b, m.envSchema...)
		b = append(b, `,"payload":`...)
	}
	var err error
	before := ev.before
	if ev.op == change.OpInsert || ev.snapshot {
		before = nil
	}
	after := ev.after
	if ev.op == change.OpDelete {
		after = nil
	}
	b = append(b, `{"before":`...)
	if b, err = rowObject(b, m, before, e.dbzVal); err != nil {
		return nil, err
	}
	b = append(b, `,"after":`...)
	if b, err = rowObject(b, m, after, e.dbzVal); err != nil {
		return nil, err
	}
	b = append(b, `,"source":`...)
	b = e.source(b, m.db, m.table, ev)
	b = append(b, `,"op":`...)
	b = appendStr(b, dbzOp(ev))
	b = append(b, `,"ts_ms":`...)
	b = appendInt(b, ev.nowMs)
	b = append(b, `,"transaction":null}`...)
	if e.cfg.WithSchema {
		b = append(b, '}')
	}
	return b, nil
}

func (e *encoder) flatten(m *tableMeta, ev *event) ([]byte, error) {
	b := make([]byte, 0, 256)
	if e.cfg.WithSchema {
		b = append(b, `{"schema":`...)
		b = append(b, m.valueSchema...)
		b = append(b, `,"payload":`...)
	}
	b, err := rowObject(b, m, ev.after, e.dbzVal)
	if err != nil {
		return nil, err
	}
	if e.cfg.WithSchema {
		b = append(b, '}')
	}
	return b, nil
}

// dbzVal renders a value as the Debezium MySQL connector does with its default settings
// (time.precision.mode adaptive_time_microseconds, binary.handling.mode bytes — base64 in
// JSON — bigint.unsigned.handling.mode long) and the configured decimal.handling.mode.
func (e *encoder) dbzVal(b []byte, c *colMeta, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch c.kind {
	case kInt, kYear:
		return godwitVal(b, c, v)
	case kFloat:
		return appendFloat(b, v, 32)
	case kDouble:
		return appendFloat(b, v, 64)
	case kDecimal:
		s, ok := text(v)
		if !ok {
			return b, fmt.Errorf("decimal value of type %T", v)
		}
		switch e.cfg.DecimalMode {
		case DecimalString:
			return appendStr(b, s), nil
		case DecimalDouble:
			return appendFloat(b, s, 64)
		}
		n, err := decimalUnscaled(s, c.scale)
		if err != nil {
			return b, err
		}
		return appendBase64(b, twosComplement(n)), nil
	case kBit:
		n, err := bitValue(v)
		if err != nil {
			return b, err
		}
		if c.bitLen <= 1 {
			return appendBool(b, n != 0), nil
		}
		le := make([]byte, (c.bitLen+7)/8) // little-endian, sized to the bit length
		for i := range le {
			le[i] = byte(n >> (8 * i))
		}
		return appendBase64(b, le), nil
	case kDate:
		s, _ := text(v)
		if zeroDate(s) {
			return zeroTemporal(b, c, "0"), nil
		}
		t, err := parseDate(s)
		if err != nil {
			return b, err
		}
		return appendInt(b, floorDiv(t.Unix(), 86400)), nil
	case kTime:
		s, _ := text(v)
		us, err := parseTimeMicros(s)
		if err != nil {
			return b, err
		}
		return appendInt(b, us), nil
	case kDatetime:
		s, _ := text(v)
		if zeroDate(s) {
			return zeroTemporal(b, c, "0"), nil
		}
		t, err := parseDatetime(s)
		if err != nil {
			return b, err
		}
		if c.fsp <= 3 {
			return appendInt(b, t.UnixMilli()), nil
		}
		return appendInt(b, t.UnixMicro()), nil
	case kTimestamp:
		s, _ := text(v)
		if zeroDate(s) {
			return zeroTemporal(b, c, `"1970-01-01T00:00:00Z"`), nil
		}
		t, err := parseDatetime(s)
		if err != nil {
			return b, err
		}
		layout := "2006-01-02T15:04:05"
		if c.fsp > 0 {
			layout += "." + strings.Repeat("0", c.fsp)
		}
		return appendStr(b, t.UTC().Format(layout)+"Z"), nil
	case kBinary:
		if x, ok := v.([]byte); ok {
			return appendBase64(b, x), nil
		}
	case kGeometry:
		if x, ok := v.([]byte); ok {
			wkb, srid := geometryParts(x)
			b = append(b, `{"wkb":`...)
			b = appendBase64(b, wkb)
			b = append(b, `,"srid":`...)
			b = appendUint(b, uint64(srid))
			return append(b, '}'), nil
		}
	}
	return appendAnyText(b, v)
}

// zeroTemporal renders MySQL's zero date: null when the column is nullable, else the
// epoch (Debezium's rule).
func zeroTemporal(b []byte, c *colMeta, epoch string) []byte {
	if c.nullable {
		return append(b, "null"...)
	}
	return append(b, epoch...)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
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
