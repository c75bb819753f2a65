package testenv

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// cval is a driver value in a canonical form that compares exactly.
type cval struct {
	kind ckind
	i    int64   // ckInt
	u    uint64  // ckUint: only values above MaxInt64
	f    float64 // ckFloat: compared by bits
	b    string  // ckBytes; ckTime holds RFC 3339 with nanoseconds in UTC
}

type ckind uint8

const (
	ckNull ckind = iota
	ckInt
	ckUint
	ckFloat
	ckBytes
	ckTime
)

// canon converts a driver value; isInt says the column is an integer type, whose values
// may arrive as decimal text.
func canon(v any, isInt bool) (cval, error) {
	if b, ok := v.([]byte); ok && isInt {
		if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			return cval{kind: ckInt, i: i}, nil
		}
		if u, err := strconv.ParseUint(string(b), 10, 64); err == nil {
			return cval{kind: ckUint, u: u}, nil
		}
	}
	switch x := v.(type) {
	case nil:
		return cval{kind: ckNull}, nil
	case int64:
		return cval{kind: ckInt, i: x}, nil
	case int32:
		return cval{kind: ckInt, i: int64(x)}, nil
	case int:
		return cval{kind: ckInt, i: int64(x)}, nil
	case uint64:
		if x <= math.MaxInt64 {
			return cval{kind: ckInt, i: int64(x)}, nil
		}
		return cval{kind: ckUint, u: x}, nil
	case bool:
		if x {
			return cval{kind: ckInt, i: 1}, nil
		}
		return cval{kind: ckInt, i: 0}, nil
	case float32:
		return cval{kind: ckFloat, f: float64(x)}, nil
	case float64:
		return cval{kind: ckFloat, f: x}, nil
	case []byte:
		return cval{kind: ckBytes, b: string(x)}, nil
	case string:
		return cval{kind: ckBytes, b: x}, nil
	case time.Time:
		return cval{kind: ckTime, b: x.UTC().Format(time.RFC3339Nano)}, nil
	}
	return cval{}, fmt.Errorf("unsupported driver value type %T", v)
}

func (a cval) equal(b cval) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case ckInt:
		return a.i == b.i
	case ckUint:
		return a.u == b.u
	case ckFloat:
		return math.Float64bits(a.f) == math.Float64bits(b.f)
	case ckBytes, ckTime:
		return a.b == b.b
	}
	return true
}

// compare orders values for the merge: NULL < integers < floats < bytes < times. It only
// paces the reading of the two sides; matching is by exact key.
func (a cval) compare(b cval) int {
	ra, rb := a.kind, b.kind
	if ra == ckUint {
		ra = ckInt
	}
	if rb == ckUint {
		rb = ckInt
	}
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	switch ra {
	case ckInt:
		switch {
		case a.kind == ckUint && b.kind == ckUint:
			return cmp3(a.u < b.u, a.u > b.u)
		case a.kind == ckUint:
			return 1
		case b.kind == ckUint:
			return -1
		}
		return cmp3(a.i < b.i, a.i > b.i)
	case ckFloat:
		return cmp3(a.f < b.f, a.f > b.f)
	case ckBytes, ckTime:
		return strings.Compare(a.b, b.b)
	}
	return 0
}

func cmp3(less, greater bool) int {
	if less {
		return -1
	}
	if greater {
		return 1
	}
	return 0
}

// appendKey writes an unambiguous encoding of a for map keys.
func (a cval) appendKey(b *strings.Builder) {
	b.WriteByte(byte(a.kind))
	var n [8]byte
	switch a.kind {
	case ckInt:
		binary.BigEndian.PutUint64(n[:], uint64(a.i))
		b.Write(n[:])
	case ckUint:
		binary.BigEndian.PutUint64(n[:], a.u)
		b.Write(n[:])
	case ckFloat:
		binary.BigEndian.PutUint64(n[:], math.Float64bits(a.f))
		b.Write(n[:])
	case ckBytes, ckTime:
		binary.BigEndian.PutUint64(n[:], uint64(len(a.b)))
		b.Write(n[:])
		b.WriteString(a.b)
	}
}

// firstDiff is the offset of the first differing byte of two byte strings, else -1.
func firstDiff(a, b cval) int {
	if a.kind != ckBytes || b.kind != ckBytes {
		return -1
	}
	n := min(len(a.b), len(b.b))
	for i := 0; i < n; i++ {
		if a.b[i] != b.b[i] {
			return i
		}
	}
	if len(a.b) != len(b.b) {
		return n
	}
	return -1
}

// render is String, but a long byte string is shown from a few bytes before offset at.
func (a cval) render(at int) string {
	if a.kind != ckBytes || at < 16 || len(a.b) <= 64 {
		return a.String()
	}
	c := a
	c.b = a.b[at-8:]
	return fmt.Sprintf("[from byte %d of %d] %s", at-8, len(a.b), c.String())
}

// String renders a for diff reports: NULL, numbers, floats with their bits, printable
// UTF-8 quoted, anything else as hex (long values shortened).
func (a cval) String() string {
	switch a.kind {
	case ckNull:
		return "NULL"
	case ckInt:
		return strconv.FormatInt(a.i, 10)
	case ckUint:
		return strconv.FormatUint(a.u, 10)
	case ckFloat:
		return fmt.Sprintf("%s (bits %016x)", strconv.FormatFloat(a.f, 'g', -1, 64), math.Float64bits(a.f))
	case ckTime:
		return a.b
	}
	s := a.b
	const max = 64
	printable := utf8.ValidString(s) && !bytes.ContainsFunc([]byte(s), func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' })
	suffix := ""
	if len(s) > max {
		suffix = fmt.Sprintf("…(%d bytes)", len(s))
		s = s[:max]
	}
	if printable {
		return strconv.Quote(s) + suffix
	}
	return "0x" + hex.EncodeToString([]byte(s)) + suffix
}
