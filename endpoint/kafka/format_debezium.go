package kafka

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
)

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
