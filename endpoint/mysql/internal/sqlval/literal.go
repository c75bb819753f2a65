package sqlval

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/godwit/godwit/schema"
)

// Kind says how a column's []byte values are rendered as SQL literals.
type Kind int

const (
	Text   Kind = iota // quoted, escaped string in the connection charset (utf8mb4)
	Binary             // _binary'…' with the raw bytes escaped: no charset validation
	Bit                // unsigned integer built from the raw big-endian bytes
)

// KindOf classifies column c (nil: text).
func KindOf(c *schema.Column) Kind {
	if c == nil {
		return Text
	}
	switch strings.ToLower(c.DataType) {
	case "bit":
		return Bit
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
		"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
		"multipolygon", "geometrycollection":
		return Binary
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext":
		if strings.EqualFold(c.Charset, "binary") {
			return Binary
		}
	}
	return Text
}

// Append appends the SQL literal for v, a value in change conventions destined for a
// column of kind k, to b:
//   - nil → NULL; integers → decimal digits; bool → 1/0
//   - float32/float64 → the shortest decimal that parses back to the exact same double, in
//     exponent form so the server reads it as an approximate (double) literal; a float32 is
//     widened first (exactly), so the server's double→float conversion is exact too — the
//     float32-shortest form can be rejected (3.4028235e38 > FLT_MAX) or double-rounded
//   - []byte/string → per k: escaped text, _binary'…', or BIT as an integer.
func Append(b []byte, k Kind, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case bool:
		if x {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case float32:
		return AppendFloat(b, float64(x))
	case float64:
		return AppendFloat(b, x)
	case []byte:
		return AppendBytes(b, k, x)
	case string:
		return AppendBytes(b, k, []byte(x))
	}
	return b, fmt.Errorf("cannot render a value of type %T as a MySQL literal", v)
}

func AppendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("cannot store %v in a MySQL column", f)
	}
	if f == 0 {
		// "0e0" keeps the literal a double; MariaDB stores -0 as 0 anyway.
		if math.Signbit(f) {
			return append(b, "-0e0"...), nil
		}
		return append(b, "0e0"...), nil
	}
	return strconv.AppendFloat(b, f, 'e', -1, 64), nil
}

func AppendBytes(b []byte, k Kind, v []byte) ([]byte, error) {
	switch k {
	case Bit:
		if len(v) > 8 {
			return b, fmt.Errorf("BIT value of %d bytes exceeds 64 bits", len(v))
		}
		var u uint64
		for _, c := range v {
			u = u<<8 | uint64(c)
		}
		return strconv.AppendUint(b, u, 10), nil
	case Binary:
		b = append(b, "_binary'"...)
		b = AppendEscaped(b, v)
		return append(b, '\''), nil
	}
	b = append(b, '\'')
	b = AppendEscaped(b, v)
	return append(b, '\''), nil
}

// AppendEscaped escapes s for a quoted literal under a sql_mode without
// NO_BACKSLASH_ESCAPES (the session mode this package sets). Safe for utf8mb4 and binary
// data alike: no byte of a multi-byte UTF-8 sequence can be a quote or a backslash.
func AppendEscaped(b []byte, s []byte) []byte {
	for _, c := range s {
		switch c {
		case 0:
			b = append(b, '\\', '0')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\\':
			b = append(b, '\\', '\\')
		case '\'':
			b = append(b, '\\', '\'')
		case '"':
			b = append(b, '\\', '"')
		case 0x1a:
			b = append(b, '\\', 'Z')
		default:
			b = append(b, c)
		}
	}
	return b
}
