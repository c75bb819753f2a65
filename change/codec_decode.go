package change

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DecodeTxn decodes one transaction encoded by AppendTxn; the whole of b must be that one
// encoding. It never panics, and what it allocates is bounded by a small multiple of len(b)
// whatever the input. It does not retain b.
//
// Sharing, for speed: the []byte values of the result share one backing array (each value's
// capacity ends at its length, so appending to one never overwrites another), and events
// encoded with the Columns (Types) of the previous event share that slice; treat Columns and
// Types as read-only. Records of version 1 and 2 are read.
func DecodeTxn(b []byte) (*Txn, error) {
	d := decoder{b: b}
	t := &Txn{}
	if len(b) == 0 || (b[0] != codecVersion && b[0] != 1) {
		if len(b) == 0 {
			return nil, fmt.Errorf("%w: empty", ErrCorrupt)
		}
		return nil, fmt.Errorf("%w: unknown version %d", ErrCorrupt, b[0])
	}
	known := byte(flagsKnown)
	if b[0] == 1 {
		known = flagsKnownV1
	}
	d.off = 1
	t.Seq = d.uvarint()
	t.Pos = d.str()
	t.TxID = d.str()
	t.Time = d.varint()
	if b[0] >= 2 {
		d.parts(t)
	}
	n, isNil := d.count(minEventBytes)
	if !isNil {
		t.Events = make([]Event, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		e := &t.Events[i]
		op, flags := d.byte(), d.byte()
		if op < byte(OpInsert) || op > byte(OpDDL) || flags&^known != 0 || flags&flagTypes != 0 && flags&flagSameTypes != 0 {
			d.fail("bad event header")
			break
		}
		if i == 0 && flags&(flagSameTable|flagSameColumns|flagSameTypes) != 0 {
			d.fail("first event refers to a previous one")
			break
		}
		e.Op = Op(op)
		if flags&flagSameTable != 0 {
			e.Schema, e.Table = t.Events[i-1].Schema, t.Events[i-1].Table
		} else {
			e.Schema, e.Table = d.str(), d.str()
		}
		if flags&flagSameColumns != 0 {
			if e.Columns = t.Events[i-1].Columns; e.Columns == nil {
				d.fail("columns refer to a nil list")
				break
			}
		} else if nc, cnil := d.count(1); !cnil {
			e.Columns = make([]string, nc)
			for j := 0; j < nc; j++ {
				e.Columns[j] = d.str()
			}
		}
		switch {
		case flags&flagSameTypes != 0:
			if e.Types = t.Events[i-1].Types; e.Types == nil {
				d.fail("types refer to a nil list")
			}
		case flags&flagTypes != 0:
			nt, tnil := d.count(2)
			if tnil {
				d.fail("nil types list")
				break
			}
			e.Types = make([]ColType, nt)
			for j := 0; j < nt && d.err == nil; j++ {
				e.Types[j].DataType = d.str()
				bits := d.byte()
				if bits&^(typeBinary|typeUnsigned) != 0 {
					d.fail("bad column type bits")
				}
				e.Types[j].Binary, e.Types[j].Unsigned = bits&typeBinary != 0, bits&typeUnsigned != 0
			}
		}
		if d.err != nil {
			break
		}
		if nk, knil := d.count(1); !knil {
			e.Key = make([]int, nk)
			for j := 0; j < nk; j++ {
				k := d.uvarint()
				if k > math.MaxInt32 {
					d.fail("key column position out of range")
					break
				}
				e.Key[j] = int(k)
			}
		}
		e.Before = d.row()
		e.After = d.row()
		e.Query = d.str()
	}
	if d.err == nil && d.off != len(b) {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return t, nil
}

// parts reads a version 2 header's Offset and More.
func (d *decoder) parts(t *Txn) {
	t.Offset = d.uvarint()
	switch d.byte() {
	case 0:
	case 1:
		t.More = true
	default:
		d.fail("bad more flag")
	}
}

// DecodeTxnHeader decodes only Seq, Pos, TxID, Time, Offset and More of an encoded transaction (Events
// stays nil), for scanning a log without decoding row images.
func DecodeTxnHeader(b []byte) (Txn, error) {
	if len(b) == 0 || (b[0] != codecVersion && b[0] != 1) {
		return Txn{}, fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	d := decoder{b: b, off: 1}
	t := Txn{Seq: d.uvarint(), Pos: d.str(), TxID: d.str(), Time: d.varint()}
	if b[0] >= 2 {
		d.parts(&t)
	}
	if d.err != nil {
		return Txn{}, d.err
	}
	return t, nil
}

// decoder reads from b at off; the first failure sticks in err and makes every later read
// return a zero value, so callers check err once per loop.
type decoder struct {
	b     []byte
	off   int
	err   error
	arena []byte // a copy of b that []byte values point into, made on the first one
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, what, d.off)
	}
	d.off = len(d.b)
}

func (d *decoder) byte() byte {
	if d.off >= len(d.b) {
		d.fail("unexpected end")
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

// count reads a count (n+1, 0 = nil) of elements that take at least minBytes each, and
// rejects counts the remaining input cannot hold: this is what bounds allocations.
func (d *decoder) count(minBytes int) (n int, isNil bool) {
	c := d.uvarint()
	if d.err != nil {
		return 0, true
	}
	if c == 0 {
		return 0, true
	}
	if c-1 > uint64((len(d.b)-d.off)/minBytes) {
		d.fail("count larger than the record")
		return 0, true
	}
	return int(c - 1), false
}

// span returns the next length-prefixed byte run of b.
func (d *decoder) span() (start, end int) {
	n := d.uvarint()
	if d.err != nil {
		return 0, 0
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail("length larger than the record")
		return 0, 0
	}
	start = d.off
	d.off += int(n)
	return start, d.off
}

func (d *decoder) str() string {
	s, e := d.span()
	if s == e {
		return ""
	}
	return string(d.b[s:e])
}

func (d *decoder) bytes() []byte {
	s, e := d.span()
	if d.err != nil {
		return nil
	}
	if d.arena == nil {
		d.arena = make([]byte, len(d.b))
		copy(d.arena, d.b)
	}
	return d.arena[s:e:e]
}

func (d *decoder) row() Row {
	n, isNil := d.count(1)
	if isNil {
		return nil
	}
	r := make(Row, n)
	for i := 0; i < n && d.err == nil; i++ {
		switch tag := d.byte(); tag {
		case tagNil:
		case tagInt64:
			r[i] = d.varint()
		case tagUint64:
			r[i] = d.uvarint()
		case tagFloat32:
			if len(d.b)-d.off < 4 {
				d.fail("short float")
				break
			}
			r[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[d.off:]))
			d.off += 4
		case tagFloat64:
			if len(d.b)-d.off < 8 {
				d.fail("short double")
				break
			}
			r[i] = math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
			d.off += 8
		case tagBytes:
			r[i] = d.bytes()
		case tagBytesNil:
			r[i] = []byte(nil)
		case tagString:
			r[i] = d.str()
		case tagFalse:
			r[i] = false
		case tagTrue:
			r[i] = true
		default:
			d.fail("unknown value tag")
		}
	}
	return r
}
