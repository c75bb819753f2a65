package change

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameValue compares two row values exactly: same dynamic type, floats by bits, []byte by
// content and nil-ness.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && (x == nil) == (y == nil) && bytes.Equal(x, y)
	case int64, uint64, string, bool:
		return a == b
	}
	return false
}

func sameRow(a, b Row) error {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return fmt.Errorf("row shape %#v vs %#v", a, b)
	}
	for i := range a {
		if !sameValue(a[i], b[i]) {
			return fmt.Errorf("value %d: %#v (%T) vs %#v (%T)", i, a[i], a[i], b[i], b[i])
		}
	}
	return nil
}

// sameTxn reports the first difference between two transactions, nil-ness of slices included.
func sameTxn(a, b *Txn) error {
	if a.Seq != b.Seq || a.Pos != b.Pos || a.TxID != b.TxID || a.Time != b.Time || a.Offset != b.Offset || a.More != b.More {
		return fmt.Errorf("header %d %q %q %d %d %v vs %d %q %q %d %d %v", a.Seq, a.Pos, a.TxID, a.Time, a.Offset, a.More,
			b.Seq, b.Pos, b.TxID, b.Time, b.Offset, b.More)
	}
	if (a.Events == nil) != (b.Events == nil) || len(a.Events) != len(b.Events) {
		return fmt.Errorf("events %d (nil %v) vs %d (nil %v)", len(a.Events), a.Events == nil, len(b.Events), b.Events == nil)
	}
	for i := range a.Events {
		x, y := &a.Events[i], &b.Events[i]
		if x.Op != y.Op || x.Schema != y.Schema || x.Table != y.Table || x.Query != y.Query {
			return fmt.Errorf("event %d header differs: %+v vs %+v", i, x, y)
		}
		if (x.Columns == nil) != (y.Columns == nil) || fmt.Sprint(x.Columns) != fmt.Sprint(y.Columns) || len(x.Columns) != len(y.Columns) {
			return fmt.Errorf("event %d columns %#v vs %#v", i, x.Columns, y.Columns)
		}
		if (x.Types == nil) != (y.Types == nil) || fmt.Sprint(x.Types) != fmt.Sprint(y.Types) {
			return fmt.Errorf("event %d types %#v vs %#v", i, x.Types, y.Types)
		}
		if (x.Key == nil) != (y.Key == nil) || fmt.Sprint(x.Key) != fmt.Sprint(y.Key) {
			return fmt.Errorf("event %d key %#v vs %#v", i, x.Key, y.Key)
		}
		if err := sameRow(x.Before, y.Before); err != nil {
			return fmt.Errorf("event %d before: %w", i, err)
		}
		if err := sameRow(x.After, y.After); err != nil {
			return fmt.Errorf("event %d after: %w", i, err)
		}
	}
	return nil
}

func edgeTxn() *Txn {
	nan := math.Float64frombits(0x7ff8_0000_dead_beef)
	nan32 := math.Float32frombits(0x7fc0_1234)
	cols := []string{"id", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"}
	return &Txn{
		Seq: math.MaxUint64, Pos: "mariadb-bin.000003:1234", TxID: "0-1-77", Time: -1,
		Events: []Event{
			{Op: OpInsert, Schema: "s", Table: "t", Columns: cols, Key: []int{0},
				After: Row{int64(math.MinInt64), uint64(math.MaxUint64), float32(math.Copysign(0, -1)), math.Copysign(0, -1),
					nan, nan32, math.Inf(-1), []byte{}, []byte(nil), nil, "str", "", true, false}},
			{Op: OpUpdate, Schema: "s", Table: "t", Columns: cols, Key: []int{0, 13},
				Before: Row{int64(1), []byte("x\x00y"), nil}, After: Row{int64(2), []byte{0xff}, nil}},
			{Op: OpDelete, Schema: "s", Table: "u", Columns: []string{}, Key: []int{}, Before: Row{}},
			{Op: OpDDL, Schema: "", Query: "ALTER TABLE t ADD COLUMN z INT"},
			{Op: OpDelete, Schema: "s", Table: "u", Columns: cols[:1], Before: Row{int64(300)}},
			{Op: OpDelete, Schema: "s", Table: "u", Columns: cols[:1], Before: Row{int64(-300)}},
		},
	}
}

func TestCodecRoundTripEdges(t *testing.T) {
	for _, tx := range []*Txn{edgeTxn(), {}, {Events: []Event{}}, {Seq: 1, Events: []Event{{Op: OpInsert}}}} {
		b, err := AppendTxn([]byte("prefix"), tx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("prefix")) {
			t.Fatal("dst prefix lost")
		}
		got, err := DecodeTxn(b[6:])
		if err != nil {
			t.Fatal(err)
		}
		if err := sameTxn(tx, got); err != nil {
			t.Fatal(err)
		}
		h, err := DecodeTxnHeader(b[6:])
		if err != nil || h.Seq != tx.Seq || h.Pos != tx.Pos || h.TxID != tx.TxID || h.Time != tx.Time || h.Events != nil {
			t.Fatalf("DecodeTxnHeader = %+v, %v; want header of %+v", h, err, tx)
		}
	}
}

func TestCodecDecodedBytesIndependent(t *testing.T) {
	tx := &Txn{Events: []Event{{Op: OpInsert, After: Row{[]byte("ab"), []byte("cd")}}}}
	b, _ := AppendTxn(nil, tx)
	got, err := DecodeTxn(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0 // the decoder must not retain its input
	}
	v0 := got.Events[0].After[0].([]byte)
	v0 = append(v0, 'X') // must not overwrite the next value
	if s := string(got.Events[0].After[1].([]byte)); s != "cd" || string(v0) != "abX" {
		t.Fatalf("values alias: %q %q", v0, s)
	}
}

func TestCodecRejectsUnknownType(t *testing.T) {
	for _, v := range []any{int(1), int32(1), struct{}{}, []string{}} {
		tx := &Txn{Events: []Event{{Op: OpInsert, After: Row{int64(1), v}}}}
		out, err := AppendTxn([]byte("keep"), tx)
		if err == nil {
			t.Fatalf("%T accepted", v)
		}
		if string(out) != "keep" {
			t.Fatalf("dst changed on error: %q", out)
		}
	}
	if _, err := AppendTxn(nil, &Txn{Events: []Event{{Op: OpInsert, Key: []int{-1}}}}); err == nil {
		t.Fatal("negative key position accepted")
	}
}

// TestCodecGolden pins the version 2 format (an event without Types encodes as in version 1
// but for the version byte) and reads the version 1 bytes: stored change logs must stay
// readable.
func TestCodecGolden(t *testing.T) {
	tx := &Txn{Seq: 5, Pos: "f:4", TxID: "g", Time: 1700000000, Events: []Event{
		{Op: OpInsert, Schema: "s", Table: "t", Columns: []string{"id", "v"}, Key: []int{0},
			After: Row{int64(-2), []byte("ab")}},
		{Op: OpUpdate, Schema: "s", Table: "t", Columns: []string{"id", "v"}, Key: []int{0},
			Before: Row{uint64(7), nil}, After: Row{float64(1.5), float32(2)}},
	}}
	const body = "03" +
		"0100" + "0173" + "0174" + "03" + "026964" + "0176" + "02" + "00" + "00" + "03" + "0103" + "05026162" + "00" +
		"0203" + "02" + "00" + "03" + "0207" + "00" + "03" + "04000000000000f83f" + "0300000040" + "00"
	const want = "0205" + "03663a34" + "0167" + "80c49fd50c" + "00" + "00" + body
	const v1 = "0105" + "03663a34" + "0167" + "80c49fd50c" + body
	b, err := AppendTxn(nil, tx)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("encoding changed:\n got %s\nwant %s", got, want)
	}
	for _, rec := range []string{want, v1} {
		raw, _ := hex.DecodeString(rec)
		got, err := DecodeTxn(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameTxn(tx, got); err != nil {
			t.Fatal(err)
		}
	}
	// Version 1 never had the types flags.
	tx.Events[0].Types = []ColType{{DataType: "int"}, {DataType: "varchar"}}
	b, err = AppendTxn(nil, tx)
	if err != nil {
		t.Fatal(err)
	}
	b = append([]byte{1}, b[1:len("0205"+"03663a34"+"0167"+"80c49fd50c")/2]...)
	rest, _ := AppendTxn(nil, tx)
	b = append(b, rest[len(b)+2:]...) // the version 1 header: no offset and more
	if _, err := DecodeTxn(b); err == nil {
		t.Fatal("a version 1 record with column types decoded")
	}
	// A part of a large transaction round-trips its Offset and More.
	tx.Offset, tx.More = 1<<40, true
	b, err = AppendTxn(nil, tx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTxn(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameTxn(tx, got); err != nil {
		t.Fatal(err)
	}
	if h, err := DecodeTxnHeader(b); err != nil || h.Offset != 1<<40 || !h.More {
		t.Fatalf("header of a part: %+v, %v", h, err)
	}
}

func TestCodecTruncatedAndFlipped(t *testing.T) {
	b, err := AppendTxn(nil, edgeTxn())
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n++ {
		if _, err := DecodeTxn(b[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: err = %v", n, err)
		}
	}
	if _, err := DecodeTxn(append(b[:len(b):len(b)], 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	// Flipping bytes must never panic; it may or may not decode.
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0xff
		_, _ = DecodeTxn(c)
	}
}

func TestCodecRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		tx := randomTxn(r)
		b, err := AppendTxn(nil, tx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeTxn(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameTxn(tx, got); err != nil {
			t.Fatalf("txn %d: %v", i, err)
		}
	}
}

func randomValue(r *rand.Rand) any {
	switch r.IntN(9) {
	case 0:
		return nil
	case 1:
		return int64(r.Uint64())
	case 2:
		return r.Uint64()
	case 3:
		return math.Float32frombits(r.Uint32())
	case 4:
		return math.Float64frombits(r.Uint64())
	case 5:
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case 6:
		return fmt.Sprint(r.Uint32())
	case 7:
		return r.IntN(2) == 0
	}
	return []byte(nil)
}

func randomTxn(r *rand.Rand) *Txn {
	tx := &Txn{Seq: r.Uint64(), Pos: fmt.Sprintf("bin.%06d:%d", r.IntN(10), r.Uint32()), Time: int64(r.Uint64())}
	tables := []string{"a", "b"}
	for n := r.IntN(6); n > 0; n-- {
		cols := []string{"id", "x", "y"}[:r.IntN(4)]
		e := Event{Op: Op(1 + r.IntN(4)), Schema: "db", Table: tables[r.IntN(2)], Columns: cols, Key: []int{0}}
		if r.IntN(2) == 0 {
			e.Before = make(Row, len(cols))
			for i := range e.Before {
				e.Before[i] = randomValue(r)
			}
		}
		e.After = make(Row, len(cols))
		for i := range e.After {
			e.After[i] = randomValue(r)
		}
		tx.Events = append(tx.Events, e)
	}
	return tx
}

func FuzzDecodeTxn(f *testing.F) {
	for _, tx := range []*Txn{edgeTxn(), {}, randomTxn(rand.New(rand.NewPCG(3, 4)))} {
		b, _ := AppendTxn(nil, tx)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTxn(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same transaction.
		enc, err := AppendTxn(nil, tx)
		if err != nil {
			t.Fatalf("decoded txn does not encode: %v", err)
		}
		again, err := DecodeTxn(enc)
		if err != nil {
			t.Fatalf("re-encoded txn does not decode: %v", err)
		}
		if err := sameTxn(tx, again); err != nil {
			t.Fatal(err)
		}
	})
}

// benchTxn is a 4-event transaction of a 10-column table.
func benchTxn() *Txn {
	cols := []string{"id", "k", "c", "pad", "price", "qty", "created", "flag", "note", "blob"}
	row := func(i int64) Row {
		return Row{i, int64(4711), []byte("68487932199-96439406143-93774651418-41631865787"), []byte("22195207048-70116052123"),
			[]byte("1234.56"), int64(12), []byte("2024-05-01 12:34:56"), nil, []byte("some note text"), []byte{1, 2, 3, 4, 5, 6, 7, 8}}
	}
	return &Txn{Seq: 123456, Pos: "mariadb-bin.000012:987654321", TxID: "0-1-123456", Time: 1700000000, Events: []Event{
		{Op: OpInsert, Schema: "sbtest", Table: "sbtest1", Columns: cols, Key: []int{0}, After: row(1)},
		{Op: OpUpdate, Schema: "sbtest", Table: "sbtest1", Columns: cols, Key: []int{0}, Before: row(2), After: row(2)},
		{Op: OpUpdate, Schema: "sbtest", Table: "sbtest1", Columns: cols, Key: []int{0}, Before: row(3), After: row(3)},
		{Op: OpDelete, Schema: "sbtest", Table: "sbtest1", Columns: cols, Key: []int{0}, Before: row(4)},
	}}
}

func BenchmarkAppendTxn(b *testing.B) {
	tx := benchTxn()
	buf, _ := AppendTxn(nil, tx)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendTxn(buf[:0], tx)
	}
}

func BenchmarkDecodeTxn(b *testing.B) {
	buf, _ := AppendTxn(nil, benchTxn())
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeTxn(buf); err != nil {
			b.Fatal(err)
		}
	}
}
