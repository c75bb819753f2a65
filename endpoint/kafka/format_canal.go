package kafka

import (
	"strconv"

	"github.com/godwit/godwit/change"
)

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
