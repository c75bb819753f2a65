package postgres

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/godwit/godwit/endpoint/postgres/internal/pgbin"
)

// valueError is a value the target column cannot hold under the mapping; the writer adds
// the table and the row's key.
type valueError struct {
	col, why, advice string
}

func (e *valueError) Error() string { return fmt.Sprintf("column %s: %s", e.col, e.why) }

func badValue(cm *colMap, advice, format string, a ...any) error {
	return &valueError{col: cm.Name, why: fmt.Sprintf(format, a...), advice: advice}
}

func textOf(v any) (string, bool) {
	switch x := v.(type) {
	case []byte:
		return string(x), true
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

func bytesOf(v any) ([]byte, bool) {
	switch x := v.(type) {
	case []byte:
		return x, true
	case string:
		return []byte(x), true
	}
	return nil, false
}

func intOf(v any) (int64, bool, error) {
	switch x := v.(type) {
	case int64:
		return x, true, nil
	case int:
		return int64(x), true, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, true, fmt.Errorf("%d out of range", x)
		}
		return int64(x), true, nil
	case bool:
		if x {
			return 1, true, nil
		}
		return 0, true, nil
	case []byte, string:
		s, _ := textOf(x)
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return n, true, err
	}
	return 0, false, nil
}

// appendField appends v as one binary COPY field (length, then bytes; -1 for NULL) of
// column cm.
func appendField(b []byte, cm *colMap, v any) ([]byte, error) {
	if v == nil {
		return pgbin.Int4(b, -1), nil
	}
	at := len(b)
	b = pgbin.Int4(b, 0)
	out, isNull, err := appendValue(b, cm, v)
	if err != nil {
		return b[:at], err
	}
	if isNull {
		return pgbin.Int4(b[:at], -1), nil
	}
	binary.BigEndian.PutUint32(out[at:], uint32(len(out)-at-4))
	return out, nil
}

// encodeParam returns v's binary value for a parameter of column cm (nil for NULL).
func encodeParam(cm *colMap, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	out, isNull, err := appendValue(make([]byte, 0, 16), cm, v)
	if err != nil || isNull {
		return nil, err
	}
	return out, nil
}

const (
	adviceInt     = "Check the source value; the target column's type cannot hold it."
	adviceBool    = "Set the target data source's option typeMapping.tinyint1=smallint to keep every TINYINT(1) value."
	adviceTime    = "Set the target data source's option typeMapping.time=interval to keep every TIME value."
	adviceZero    = "Fix the zero dates on the source, or set the target data source's option typeMapping.zeroDate=null to write them as NULL."
	adviceNul     = "Remove the NUL bytes on the source, map the column to a binary type, or set typeMapping.nulInText=strip (the NULs are then lost, and verification reports those rows)."
	adviceUTF8    = "The source holds bytes that are not UTF-8 in a character column; convert the column on the source or map it to a binary type."
	adviceJSONNul = "Set the target data source's option typeMapping.json=json (keeps the document text exactly), or remove the \\u0000 escapes on the source."
	adviceFormat  = "This is a godwit bug if the source value is valid; report it with the value's column type."
)

// appendValue appends the binary form of non-nil v (isNull: write NULL instead).
func appendValue(b []byte, cm *colMap, v any) ([]byte, bool, error) {
	switch cm.Kind {
	case kInt2, kInt4, kInt8:
		n, ok, err := intOf(v)
		if !ok || err != nil {
			return b, false, badValue(cm, adviceInt, "value %v is not an integer", v)
		}
		switch cm.Kind {
		case kInt2:
			if n < math.MinInt16 || n > math.MaxInt16 {
				return b, false, badValue(cm, adviceInt, "%d out of smallint range", n)
			}
			return pgbin.Int2(b, int16(n)), false, nil
		case kInt4:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return b, false, badValue(cm, adviceInt, "%d out of integer range", n)
			}
			return pgbin.Int4(b, int32(n)), false, nil
		}
		return pgbin.Int8(b, n), false, nil
	case kBool:
		n, ok, err := intOf(v)
		if !ok || err != nil || (n != 0 && n != 1) {
			return b, false, badValue(cm, adviceBool, "value %v is not 0 or 1, so it cannot be a boolean", v)
		}
		return append(b, byte(n)), false, nil
	case kNumeric:
		s, ok := textOf(v)
		if !ok {
			if f, isF := v.(float64); isF {
				s = strconv.FormatFloat(f, 'f', -1, 64)
			} else {
				return b, false, badValue(cm, adviceFormat, "value of type %T is not a number", v)
			}
		}
		out, err := pgbin.Numeric(b, s)
		if err != nil {
			return b, false, badValue(cm, adviceFormat, "%v", err)
		}
		return out, false, nil
	case kFloat4:
		switch x := v.(type) {
		case float32:
			return pgbin.Float4(b, x), false, nil
		case float64:
			return pgbin.Float4(b, float32(x)), false, nil
		}
		s, _ := textOf(v)
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
		if err != nil {
			return b, false, badValue(cm, adviceFormat, "value %v is not a float", v)
		}
		return pgbin.Float4(b, float32(f)), false, nil
	case kFloat8:
		switch x := v.(type) {
		case float64:
			return pgbin.Float8(b, x), false, nil
		case float32:
			return pgbin.Float8(b, float64(x)), false, nil
		}
		s, _ := textOf(v)
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return b, false, badValue(cm, adviceFormat, "value %v is not a double", v)
		}
		return pgbin.Float8(b, f), false, nil
	case kText, kEnum, kJSON, kJSONB:
		p, ok := bytesOf(v)
		if !ok {
			s, ok2 := textOf(v)
			if !ok2 {
				return b, false, badValue(cm, adviceFormat, "value of type %T is not text", v)
			}
			p = []byte(s)
		}
		if bytes.IndexByte(p, 0) >= 0 {
			if !cm.StripNul {
				return b, false, badValue(cm, adviceNul, "the value holds a NUL byte, which PostgreSQL text cannot store")
			}
			p = bytes.ReplaceAll(p, []byte{0}, nil)
		}
		if !utf8.Valid(p) {
			return b, false, badValue(cm, adviceUTF8, "the value is not valid UTF-8")
		}
		if cm.Kind == kJSONB {
			if jsonHasNulEscape(p) {
				return b, false, badValue(cm, adviceJSONNul, "the JSON document holds \\u0000, which jsonb cannot store")
			}
			b = append(b, 1) // jsonb binary format version
		}
		return append(b, p...), false, nil
	case kBytea:
		p, ok := bytesOf(v)
		if !ok {
			s, _ := textOf(v)
			p = []byte(s)
		}
		return append(b, p...), false, nil
	case kBit:
		var p []byte
		switch x := v.(type) {
		case []byte:
			p = x
		case string:
			p = []byte(x)
		case int64:
			p = binary.BigEndian.AppendUint64(nil, uint64(x))
		case uint64:
			p = binary.BigEndian.AppendUint64(nil, x)
		default:
			return b, false, badValue(cm, adviceFormat, "value of type %T is not a bit string", v)
		}
		out, err := pgbin.BitsFromMySQL(b, p, cm.Bits)
		if err != nil {
			return b, false, badValue(cm, adviceFormat, "%v", err)
		}
		return out, false, nil
	case kDate, kTimestamp, kTimestamptz:
		s, ok := textOf(v)
		if !ok {
			return b, false, badValue(cm, adviceFormat, "value of type %T is not a date", v)
		}
		c, zero, err := pgbin.ParseDateTime(s)
		if err != nil {
			return b, false, badValue(cm, adviceFormat, "%v", err)
		}
		if zero {
			if cm.ZeroNull && cm.Nullable {
				return b, true, nil
			}
			if cm.ZeroNull {
				return b, false, badValue(cm, "Fix the zero dates on the source, or make the target column nullable: typeMapping.zeroDate=null writes NULL only where the column allows it.",
					"zero date %q in a NOT NULL column", s)
			}
			return b, false, badValue(cm, adviceZero, "zero date %q has no PostgreSQL equivalent", s)
		}
		if cm.Kind == kDate {
			return pgbin.Date(b, c), false, nil
		}
		return pgbin.Timestamp(b, c), false, nil
	case kInterval, kTime:
		s, ok := textOf(v)
		if !ok {
			return b, false, badValue(cm, adviceFormat, "value of type %T is not a time", v)
		}
		us, err := pgbin.ClockMicros(s)
		if err != nil {
			return b, false, badValue(cm, adviceFormat, "%v", err)
		}
		if cm.Kind == kTime {
			if us < 0 || us >= 24*3600_000_000 {
				return b, false, badValue(cm, adviceTime, "TIME %s is not a time of day", s)
			}
			return pgbin.Int8(b, us), false, nil
		}
		return pgbin.Interval(b, us), false, nil
	}
	return b, false, badValue(cm, adviceFormat, "no binary encoding for the column type %s", cm.PGType)
}

// bitTextOf renders a MySQL-form BIT value as a PostgreSQL bit-string text.
func bitTextOf(v []byte, n int) (string, error) { return pgbin.BitText(v, n) }

// jsonHasNulEscape reports whether a JSON text holds the escape \u0000 (an odd run of
// backslashes before "u0000").
func jsonHasNulEscape(p []byte) bool {
	for i := 0; i+5 < len(p); i++ {
		if p[i] != '\\' {
			continue
		}
		j := i
		for j < len(p) && p[j] == '\\' {
			j++
		}
		if (j-i)%2 == 1 && j+5 <= len(p) && p[j] == 'u' && string(p[j+1:j+5]) == "0000" {
			return true
		}
		i = j - 1
	}
	return false
}
