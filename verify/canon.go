package verify

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc64"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/godwit/godwit/schema"
)

// canonKind is how a column's values are canonicalised for comparison across engines.
type canonKind uint8

const (
	cText    canonKind = iota // character data: the UTF-8 bytes
	cBinary                   // raw bytes
	cInt                      // integers (any width, signed or not): decimal digits
	cDecimal                  // exact numerics: 1.50 == 1.5, -0 == 0
	cFloat32                  // FLOAT/REAL: float32 value, shortest round-trip text
	cFloat64                  // DOUBLE: float64 value, shortest round-trip text
	cTime                     // DATETIME/TIMESTAMP/TIME: text with the fraction at a common precision
	cBit                      // BIT: the value as hex without leading zeros
	cJSON                     // JSON: parsed; key order and spacing ignored, numbers as decimals
)

// codec canonicalises one column pair's values. prec is the fractional-second digits both
// sides keep (cTime).
type codec struct {
	kind canonKind
	prec int
}

// Float rule: FLOAT columns compare as float32 values and DOUBLE as float64 (exact bits; -0
// equals 0, every NaN equals every NaN); when one side is FLOAT and the other DOUBLE, both
// compare at float32. Time rule: fractions are truncated to the smaller declared precision.
func codecFor(src, dst *schema.Column) codec {
	ks, ps := kindOf(src)
	if dst == nil {
		return codec{kind: ks, prec: ps}
	}
	kd, pd := kindOf(dst)
	c := codec{kind: ks, prec: min(ps, pd)}
	if (ks == cFloat32 && kd == cFloat64) || (ks == cFloat64 && kd == cFloat32) {
		c.kind = cFloat32
	}
	if ks == cInt && kd == cDecimal || ks == cDecimal && kd == cInt {
		c.kind = cDecimal
	}
	return c
}

func kindOf(c *schema.Column) (canonKind, int) {
	t := strings.ToLower(c.DataType)
	switch t {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year", "int2", "int4", "int8", "serial", "bigserial":
		return cInt, 0
	case "decimal", "numeric", "dec", "fixed":
		return cDecimal, 0
	case "float", "real", "float4":
		return cFloat32, 0
	case "double", "double precision", "float8":
		return cFloat64, 0
	case "datetime", "timestamp", "time", "timestamp without time zone", "timestamp with time zone", "timestamptz",
		"time without time zone", "interval":
		return cTime, fsp(c.ColumnType)
	case "bit":
		return cBit, 0
	case "json", "jsonb":
		return cJSON, 0
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bytea",
		"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection":
		return cBinary, 0
	}
	if strings.EqualFold(c.Charset, "binary") {
		return cBinary, 0
	}
	return cText, 0
}

// fsp reads the fractional-second precision of "datetime(6)"; 0 when absent.
func fsp(columnType string) int {
	i := strings.IndexByte(columnType, '(')
	j := strings.IndexByte(columnType, ')')
	if i < 0 || j < i {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(columnType[i+1 : j]))
	if err != nil || n < 0 || n > 9 {
		return 0
	}
	return n
}

// appendValue appends v's canonical encoding: a tag byte (0 NULL, 1 value), then for a
// value its canonical bytes, length-prefixed.
func (c codec) appendValue(b []byte, v any) []byte {
	if v == nil {
		return append(b, 0)
	}
	s := c.canonical(v)
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// canonical returns v's canonical bytes under c.
func (c codec) canonical(v any) []byte {
	switch c.kind {
	case cInt, cDecimal:
		return []byte(normDecimal(textOf(v)))
	case cFloat32:
		f, ok := floatOf(v, 32)
		if !ok {
			return bytesOf(v)
		}
		return []byte(floatText(float64(float32(f)), 32))
	case cFloat64:
		f, ok := floatOf(v, 64)
		if !ok {
			return bytesOf(v)
		}
		return []byte(floatText(f, 64))
	case cTime:
		return []byte(normTime(textOf(v), c.prec))
	case cBit:
		b := bytesOf(v)
		if u, ok := v.(uint64); ok {
			b = binary.BigEndian.AppendUint64(nil, u)
		} else if i, ok := v.(int64); ok {
			b = binary.BigEndian.AppendUint64(nil, uint64(i))
		}
		b = bytes.TrimLeft(b, "\x00")
		return []byte(hex.EncodeToString(b))
	case cJSON:
		return normJSON(bytesOf(v))
	}
	return bytesOf(v)
}

func bytesOf(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return []byte(textOf(v))
}

func textOf(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float32:
		return floatText(float64(x), 32)
	case float64:
		return floatText(x, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999999")
	}
	return fmt.Sprint(v)
}

func floatOf(v any, bits int) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case []byte, string:
		f, err := strconv.ParseFloat(strings.TrimSpace(textOf(x)), bits)
		return f, err == nil
	}
	return 0, false
}

func floatText(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case f == 0:
		return "0"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// normDecimal normalises an exact number's text: no sign for zero, no leading zeros, no
// trailing fractional zeros, no trailing point ("+001.500" → "1.5", "-0.00" → "0").
func normDecimal(s string) string {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if strings.ContainsAny(s, "eE") { // not produced by exact types; keep as the float value
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			s = strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// normTime truncates or pads a time text's fraction to prec digits ("…:05.120" at 2 →
// "…:05.12"; at 0 → "…:05"), and drops a 'T' separator and a zero UTC offset.
func normTime(s string, prec int) string {
	s = strings.Replace(strings.TrimSpace(s), "T", " ", 1)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "Z"), "+00")
	head, frac, _ := strings.Cut(s, ".")
	if len(frac) > prec {
		frac = frac[:prec]
	}
	for len(frac) < prec {
		frac += "0"
	}
	if prec == 0 {
		return head
	}
	return head + "." + frac
}

// normJSON re-renders a JSON document with sorted object keys, no spacing and numbers as
// normalised decimals; invalid JSON is returned unchanged.
func normJSON(b []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return b
	}
	var out bytes.Buffer
	writeJSON(&out, v)
	return out.Bytes()
}

func writeJSON(w *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				w.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			w.Write(kb)
			w.WriteByte(':')
			writeJSON(w, x[k])
		}
		w.WriteByte('}')
	case []any:
		w.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			writeJSON(w, e)
		}
		w.WriteByte(']')
	case json.Number:
		w.WriteString(normDecimal(x.String()))
	default:
		b, _ := json.Marshal(x)
		w.Write(b)
	}
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// rowHash is a 64-bit hash of an encoded row: CRC-64 followed by a non-linear finaliser
// (so that XOR/sum aggregation of linear row hashes cannot cancel structured differences).
func rowHash(enc []byte) uint64 {
	x := crc64.Checksum(enc, crcTable)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
