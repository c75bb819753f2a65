package kafka

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/godwit/godwit/schema"
)

// kind is how a column's values are rendered (from the MySQL-family column type; the
// values follow the change.Row conventions: integers as int64/uint64, FLOAT float32,
// DOUBLE float64, everything else []byte — text for DECIMAL, temporal types, ENUM, SET,
// JSON and strings, raw bytes for binary strings, BIT and spatial values).
type kind int

const (
	kString kind = iota
	kInt
	kFloat
	kDouble
	kDecimal
	kBit
	kDate
	kTime
	kDatetime
	kTimestamp
	kYear
	kEnum
	kSet
	kJSON
	kBinary
	kGeometry
)

// colMeta is one column of a message: its name and how to render its values.
type colMeta struct {
	name      string
	kind      kind
	dataType  string // lower-case base type
	colType   string // full source type ("int(10) unsigned")
	unsigned  bool
	nullable  bool
	intBits   int // tinyint 8, smallint 16, mediumint 24, int 32, bigint 64
	bitLen    int // BIT(n)
	fsp       int // fractional seconds digits of TIME/DATETIME/TIMESTAMP
	precision int // DECIMAL(p,s)
	scale     int
	key       bool // part of the row identity
}

func classify(c *schema.Column) colMeta {
	m := colMeta{name: c.Name, dataType: strings.ToLower(c.DataType), colType: c.ColumnType, unsigned: c.Unsigned,
		nullable: c.Nullable}
	args := typeArgs(c.ColumnType)
	switch m.dataType {
	case "tinyint", "bool", "boolean":
		m.kind, m.intBits = kInt, 8
	case "smallint":
		m.kind, m.intBits = kInt, 16
	case "mediumint":
		m.kind, m.intBits = kInt, 24
	case "int", "integer":
		m.kind, m.intBits = kInt, 32
	case "bigint":
		m.kind, m.intBits = kInt, 64
	case "float":
		m.kind = kFloat
	case "double", "real", "double precision":
		m.kind = kDouble
	case "decimal", "numeric", "dec", "fixed":
		m.kind = kDecimal
		m.precision, m.scale = 10, 0
		if len(args) > 0 {
			m.precision = args[0]
		}
		if len(args) > 1 {
			m.scale = args[1]
		}
	case "bit":
		m.kind, m.bitLen = kBit, 1
		if len(args) > 0 {
			m.bitLen = args[0]
		}
	case "date":
		m.kind = kDate
	case "time":
		m.kind = kTime
	case "datetime":
		m.kind = kDatetime
	case "timestamp":
		m.kind = kTimestamp
	case "year":
		m.kind = kYear
	case "enum":
		m.kind = kEnum
	case "set":
		m.kind = kSet
	case "json":
		m.kind = kJSON
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		m.kind = kBinary
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection", "geomcollection":
		m.kind = kGeometry
	}
	if (m.kind == kTime || m.kind == kDatetime || m.kind == kTimestamp) && len(args) > 0 {
		m.fsp = args[0]
	}
	return m
}

// typeArgs returns the integer arguments of a column type: "decimal(10,2)" → [10 2].
func typeArgs(ct string) []int {
	i := strings.IndexByte(ct, '(')
	j := strings.IndexByte(ct, ')')
	if i < 0 || j < i {
		return nil
	}
	var out []int
	for _, p := range strings.Split(ct[i+1:j], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil // enum('a','b')
		}
		out = append(out, n)
	}
	return out
}

// text returns v as text ([]byte or string values), ok false for other Go types.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case []byte:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

// intValue returns v as a signed integer (for BIGINT UNSIGNED above MaxInt64 ok is false
// and u holds it).
func intValue(v any) (i int64, u uint64, signed bool, err error) {
	switch x := v.(type) {
	case int64:
		return x, 0, true, nil
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), 0, true, nil
		}
		return 0, x, false, nil
	case bool:
		if x {
			return 1, 0, true, nil
		}
		return 0, 0, true, nil
	case []byte, string:
		s, _ := text(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, 0, true, nil
		}
		n, err := strconv.ParseUint(s, 10, 64)
		return 0, n, false, err
	}
	return 0, 0, false, fmt.Errorf("integer value of type %T", v)
}

// bitValue returns the value of a BIT column (raw big-endian bytes, or an integer).
func bitValue(v any) (uint64, error) {
	switch x := v.(type) {
	case []byte:
		if len(x) > 8 {
			return 0, fmt.Errorf("BIT value of %d bytes", len(x))
		}
		var n uint64
		for _, c := range x {
			n = n<<8 | uint64(c)
		}
		return n, nil
	case int64:
		return uint64(x), nil
	case uint64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("BIT value of type %T", v)
}

// floatText renders a FLOAT/DOUBLE value exactly (shortest round-trip form).
func appendFloat(b []byte, v any, bits int) ([]byte, error) {
	var f float64
	switch x := v.(type) {
	case float32:
		f, bits = float64(x), 32
	case float64:
		f = x
	case int64:
		f = float64(x)
	case []byte, string:
		s, _ := text(x)
		var err error
		if f, err = strconv.ParseFloat(s, bits); err != nil {
			return b, fmt.Errorf("float value %q", s)
		}
	default:
		return b, fmt.Errorf("float value of type %T", v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...), nil
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits), nil
}

// decimalUnscaled parses DECIMAL text into its unscaled integer at scale.
func decimalUnscaled(s string, scale int) (*big.Int, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	ip, fp, _ := strings.Cut(s, ".")
	if len(fp) > scale {
		if strings.Trim(fp[scale:], "0") != "" {
			return nil, fmt.Errorf("decimal %q has more than %d fraction digits", s, scale)
		}
		fp = fp[:scale]
	}
	fp += strings.Repeat("0", scale-len(fp))
	n, ok := new(big.Int).SetString(ip+fp, 10)
	if !ok {
		return nil, fmt.Errorf("decimal value %q", s)
	}
	if neg {
		n.Neg(n)
	}
	return n, nil
}

// twosComplement is the minimal big-endian two's-complement form of n (Java's
// BigInteger.toByteArray, which Kafka Connect's Decimal logical type carries).
func twosComplement(n *big.Int) []byte {
	if n.Sign() >= 0 {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -n - 1, inverted, with a leading 0xff when the top bit is clear.
	m := new(big.Int).Neg(n)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b
}

// Temporal text forms: DATE "2006-01-02", TIME "[-]hhh:mm:ss[.ffffff]", DATETIME and
// TIMESTAMP "2006-01-02 15:04:05[.ffffff]" (TIMESTAMP in UTC: godwit's sessions run in UTC).

// zeroDate reports whether s is a zero (or partly zero) date MySQL allows.
func zeroDate(s string) bool {
	return strings.HasPrefix(s, "0000-00-00") || strings.Contains(s[:min(len(s), 10)], "-00")
}

func parseDate(s string) (time.Time, error) {
	return time.Parse("2006-01-02", s[:min(len(s), 10)])
}

func parseDatetime(s string) (time.Time, error) {
	if len(s) == 10 {
		return time.Parse("2006-01-02", s)
	}
	return time.Parse("2006-01-02 15:04:05.999999999", s)
}

// parseTimeMicros parses a TIME value into signed microseconds.
func parseTimeMicros(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	hms, frac, _ := strings.Cut(s, ".")
	parts := strings.Split(hms, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("time value %q", s)
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("time value %q", s)
		}
		n[i] = v
	}
	us := (n[0]*3600 + n[1]*60 + n[2]) * 1_000_000
	if frac != "" {
		frac = (frac + "000000")[:6]
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("time value %q", s)
		}
		us += f
	}
	if neg {
		us = -us
	}
	return us, nil
}

// geometryParts splits a MySQL internal geometry value (4-byte little-endian SRID, then
// WKB) into its WKB and SRID.
func geometryParts(v []byte) (wkb []byte, srid uint32) {
	if len(v) < 4 {
		return v, 0
	}
	return v[4:], binary.LittleEndian.Uint32(v[:4])
}
