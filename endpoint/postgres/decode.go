package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/godwit/godwit/endpoint/postgres/internal/pgbin"
)

// decodeValue turns a binary column value of kind cm into the change package's conventions
// in the forms a MySQL-family reader produces (so values compare across engines): integers
// int64 (uint64 above MaxInt64), floats with their bits, booleans 0/1, dates and times as
// MySQL text, BIT right-aligned bytes, everything else text or raw bytes.
func decodeValue(cm *colMap, p []byte) (any, error) {
	if p == nil {
		return nil, nil
	}
	bad := func() error { return fmt.Errorf("column %s: bad binary value of %d bytes", cm.Name, len(p)) }
	switch cm.Kind {
	case kInt2:
		if len(p) != 2 {
			return nil, bad()
		}
		return int64(int16(binary.BigEndian.Uint16(p))), nil
	case kInt4:
		if len(p) != 4 {
			return nil, bad()
		}
		return int64(int32(binary.BigEndian.Uint32(p))), nil
	case kInt8:
		if len(p) != 8 {
			return nil, bad()
		}
		return int64(binary.BigEndian.Uint64(p)), nil
	case kNumeric:
		s, err := pgbin.NumericText(p)
		if err != nil {
			return nil, err
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u, nil
		}
		return []byte(s), nil
	case kFloat4:
		if len(p) != 4 {
			return nil, bad()
		}
		return math.Float32frombits(binary.BigEndian.Uint32(p)), nil
	case kFloat8:
		if len(p) != 8 {
			return nil, bad()
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case kBool:
		if len(p) != 1 {
			return nil, bad()
		}
		return int64(p[0]), nil
	case kBit:
		return pgbin.BitsToMySQL(p)
	case kJSONB:
		if len(p) < 1 || p[0] != 1 {
			return nil, bad()
		}
		return append([]byte(nil), p[1:]...), nil
	case kDate:
		if len(p) != 4 {
			return nil, bad()
		}
		d := int32(binary.BigEndian.Uint32(p))
		switch d {
		case math.MaxInt32:
			return []byte("infinity"), nil
		case math.MinInt32:
			return []byte("-infinity"), nil
		}
		return []byte(pgbin.FormatDate(d)), nil
	case kTimestamp, kTimestamptz:
		if len(p) != 8 {
			return nil, bad()
		}
		us := int64(binary.BigEndian.Uint64(p))
		switch us {
		case math.MaxInt64:
			return []byte("infinity"), nil
		case math.MinInt64:
			return []byte("-infinity"), nil
		}
		return []byte(pgbin.FormatTimestamp(us)), nil
	case kInterval:
		us, _, err := pgbin.IntervalMicros(p)
		if err != nil {
			return nil, err
		}
		return []byte(pgbin.FormatClock(us)), nil
	case kTime:
		if len(p) != 8 {
			return nil, bad()
		}
		return []byte(pgbin.FormatClock(int64(binary.BigEndian.Uint64(p)))), nil
	}
	return append([]byte(nil), p...), nil // text, enum labels, bytea, json, and ::text of other types
}
