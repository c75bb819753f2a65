package change

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The binary Txn encoding (version 2), used by the change store. All integers are varints
// (zigzag for signed) unless stated; a "count" is n+1 with 0 meaning a nil slice, so nil and
// empty slices round-trip distinctly.
//
//	txn    = version(1 byte = 2) seq pos:str gtid:str time:zigzag offset more(1 byte: 0|1)
//	         events:count event*        (version 1: no offset and more)
//	event  = op(1 byte) flags(1 byte) [schema:str table:str] (unless flags&sameTable)
//	         [columns:count str*] (unless flags&sameColumns)
//	         [types:count (datatype:str bits(1 byte: 1 binary, 2 unsigned))*] (if flags&types)
//	         key:count uvarint* before:row after:row query:str
//	row    = count value*
//	value  = tag(1 byte) payload: nil, int64 (zigzag), uint64 (uvarint), float32 (4 bytes LE
//	         bits), float64 (8 bytes LE bits), []byte / string (uvarint length + bytes),
//	         []byte(nil), bool (tag only)
//	str    = uvarint length + bytes
//
// sameTable / sameColumns mean "equal to the previous event's", which keeps the many row
// events of one table in one transaction compact. The format is persisted: change it only by
// adding a new version and keeping the decoder of the old one. Version 1 is version 2 without
// offset and more (whole transactions) and without the types and sameTypes flags (events
// without Types); DecodeTxn reads both.
const codecVersion = 2

const (
	flagSameTable   = 1 << 0
	flagSameColumns = 1 << 1
	flagTypes       = 1 << 2 // the event's Types follow its columns
	flagSameTypes   = 1 << 3 // the event's Types are the previous event's
	flagsKnownV1    = flagSameTable | flagSameColumns
	flagsKnown      = flagsKnownV1 | flagTypes | flagSameTypes
)

const (
	typeBinary   = 1 << 0
	typeUnsigned = 1 << 1
)

const (
	tagNil byte = iota
	tagInt64
	tagUint64
	tagFloat32
	tagFloat64
	tagBytes
	tagBytesNil
	tagString
	tagFalse
	tagTrue
)

// minEventBytes is the smallest encoding of an event (op, flags, empty schema/table, nil
// columns, key, rows and an empty query); it bounds how many events a buffer can hold.
const minEventBytes = 9

// ErrCorrupt is wrapped by every DecodeTxn error.
var ErrCorrupt = errors.New("corrupt change record")

// AppendTxn appends the binary encoding of t to dst and returns the extended buffer. It fails
// (returning dst unchanged) when a row holds a value of a type outside the Row conventions
// (nil, int64, uint64, float32, float64, []byte, string, bool).
func AppendTxn(dst []byte, t *Txn) ([]byte, error) {
	start := len(dst)
	b := append(dst, codecVersion)
	b = binary.AppendUvarint(b, t.Seq)
	b = appendStr(b, t.Pos)
	b = appendStr(b, t.TxID)
	b = binary.AppendVarint(b, t.Time)
	b = binary.AppendUvarint(b, t.Offset)
	if t.More {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = appendCount(b, len(t.Events), t.Events == nil)
	var err error
	for i := range t.Events {
		e := &t.Events[i]
		var flags byte
		if i > 0 {
			p := &t.Events[i-1]
			if p.Schema == e.Schema && p.Table == e.Table {
				flags |= flagSameTable
			}
			if sameStrings(p.Columns, e.Columns) {
				flags |= flagSameColumns
			}
		}
		if e.Types != nil {
			if i > 0 && sameTypes(t.Events[i-1].Types, e.Types) {
				flags |= flagSameTypes
			} else {
				flags |= flagTypes
			}
		}
		b = append(b, byte(e.Op), flags)
		if flags&flagSameTable == 0 {
			b = appendStr(b, e.Schema)
			b = appendStr(b, e.Table)
		}
		if flags&flagSameColumns == 0 {
			b = appendCount(b, len(e.Columns), e.Columns == nil)
			for _, c := range e.Columns {
				b = appendStr(b, c)
			}
		}
		if flags&flagTypes != 0 {
			b = appendCount(b, len(e.Types), false)
			for _, c := range e.Types {
				var bits byte
				if c.Binary {
					bits |= typeBinary
				}
				if c.Unsigned {
					bits |= typeUnsigned
				}
				b = append(appendStr(b, c.DataType), bits)
			}
		}
		b = appendCount(b, len(e.Key), e.Key == nil)
		for _, k := range e.Key {
			if k < 0 {
				return dst[:start], fmt.Errorf("event %d: negative key column position %d", i, k)
			}
			b = binary.AppendUvarint(b, uint64(k))
		}
		if b, err = appendRow(b, e.Before); err != nil {
			return dst[:start], fmt.Errorf("event %d before image: %w", i, err)
		}
		if b, err = appendRow(b, e.After); err != nil {
			return dst[:start], fmt.Errorf("event %d after image: %w", i, err)
		}
		b = appendStr(b, e.Query)
	}
	return b, nil
}

// sameStrings reports whether a and b are both non-nil and hold the same strings (nil
// Columns are encoded explicitly so that nil-ness round-trips).
func sameStrings(a, b []string) bool {
	if a == nil || b == nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameTypes reports whether a and b are both non-nil and equal.
func sameTypes(a, b []ColType) bool {
	if a == nil || b == nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendCount(b []byte, n int, isNil bool) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func appendRow(b []byte, r Row) ([]byte, error) {
	b = appendCount(b, len(r), r == nil)
	for i, v := range r {
		switch x := v.(type) {
		case nil:
			b = append(b, tagNil)
		case int64:
			b = binary.AppendVarint(append(b, tagInt64), x)
		case uint64:
			b = binary.AppendUvarint(append(b, tagUint64), x)
		case float32:
			b = binary.LittleEndian.AppendUint32(append(b, tagFloat32), math.Float32bits(x))
		case float64:
			b = binary.LittleEndian.AppendUint64(append(b, tagFloat64), math.Float64bits(x))
		case []byte:
			if x == nil {
				b = append(b, tagBytesNil)
				continue
			}
			b = binary.AppendUvarint(append(b, tagBytes), uint64(len(x)))
			b = append(b, x...)
		case string:
			b = binary.AppendUvarint(append(b, tagString), uint64(len(x)))
			b = append(b, x...)
		case bool:
			if x {
				b = append(b, tagTrue)
			} else {
				b = append(b, tagFalse)
			}
		default:
			return b, fmt.Errorf("column %d: value of type %T cannot be stored", i, v)
		}
	}
	return b, nil
}
