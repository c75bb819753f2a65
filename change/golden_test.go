package change

// Golden files for the persisted encodings of this package: chunk bounds (EncodeKey, stored in
// the metadata store's chunks rows) and the binary Txn record (AppendTxn, stored in change
// store segments). Each test decodes the golden bytes with today's decoder and compares with a
// Go literal, and encodes the literal and compares with the golden bytes, so that an upgrade
// keeps reading what an older godwit wrote.
//
// When a format change is intended (a new codec version, with the old decoder kept), rewrite
// the files and review the diff:
//
//	go test ./change -run Golden -update

import (
	"bytes"
	"encoding/hex"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current encoders")

// checkGolden compares got with testdata/name, or rewrites the file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the persisted encoding in %s changed: data written by older versions may no longer read back "+
			"the same. If intended, add a new format version and rerun with -update.\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// goldenKeys are chunk bounds of every value kind, in the types DecodeKey returns.
func goldenKeys() []Key {
	return []Key{
		{int64(0), int64(-1), int64(math.MinInt64), int64(math.MaxInt64)},
		{uint64(math.MaxInt64 + 1), uint64(math.MaxUint64)},
		{[]byte("-12345.678900"), []byte("0.000000000000000000000000000001"), []byte("99999999999999999999999999999999999.99")},
		{[]byte("it's \"q\" \\ \n\t\x00 ✓ 𝄞"), []byte(""), []byte("%_*")},
		{[]byte{0x00, 0xff, 0xfe, 0x80, 0x0a}, []byte{}},
		{nil, int64(5), nil},
		{[]byte("2024-02-29"), []byte("2024-02-29 23:59:59.999999"), []byte("-838:59:59"), []byte("2155")},
		{0.0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), math.SmallestNonzeroFloat64,
			math.MaxFloat64, 0.1, float64(float32(3.4028234663852886e+38))},
	}
}

// TestGoldenKeys: testdata/keys_v1.txt holds one EncodeKey result per line for goldenKeys.
func TestGoldenKeys(t *testing.T) {
	keys := goldenKeys()
	var b strings.Builder
	for _, k := range keys {
		s, err := EncodeKey(k)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
	}
	checkGolden(t, "keys_v1.txt", []byte(b.String()))

	raw, err := os.ReadFile(filepath.Join("testdata", "keys_v1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != len(keys) {
		t.Fatalf("golden file has %d keys, want %d", len(lines), len(keys))
	}
	for i, line := range lines {
		got, err := DecodeKey(line)
		if err != nil {
			t.Fatalf("key %d %s: %v", i, line, err)
		}
		if err := sameRow(Row(got), Row(keys[i])); err != nil {
			t.Fatalf("key %d %s decodes differently: %v", i, line, err)
		}
	}

	// Values of the accepted alias types encode as their canonical type.
	alias, err := EncodeKey(Key{int(-7), "ab\x00", float32(1.5)})
	if err != nil {
		t.Fatal(err)
	}
	canon, _ := EncodeKey(Key{int64(-7), []byte("ab\x00"), float64(1.5)})
	if alias != canon {
		t.Fatalf("alias types encode as %s, canonical as %s", alias, canon)
	}
	if s, err := EncodeKey(nil); err != nil || s != "" {
		t.Fatalf("nil key = %q, %v", s, err)
	}
	if k, err := DecodeKey(""); err != nil || k != nil {
		t.Fatalf(`DecodeKey("") = %v, %v`, k, err)
	}
}

// goldenTxns are change records of every event kind and every Row value kind, including nil
// versus empty slices (the codec keeps them distinct).
func goldenTxns() []*Txn {
	cols := []string{"id", "u", "f32", "f64", "dec", "s", "bin", "nilb", "n", "str", "bt", "bf", "dt"}
	row := Row{int64(math.MinInt64), uint64(math.MaxUint64), float32(math.Copysign(0, -1)), math.Copysign(0, -1),
		[]byte("-12.50"), []byte("it's ✓\x00"), []byte{0xff, 0x00}, []byte(nil), nil, "str", true, false,
		[]byte("2024-02-29 23:59:59.999999")}
	return []*Txn{
		{Seq: 1, Pos: "mariadb-bin.000003:1234", TxID: "0-1-77", Time: 1700000000, Events: []Event{
			{Op: OpInsert, Schema: "app", Table: "t", Columns: cols, Key: []int{0}, After: row},
			{Op: OpInsert, Schema: "app", Table: "t", Columns: cols, Key: []int{0},
				After: Row{int64(1), uint64(0), float32(1.5), math.Inf(-1), []byte(""), []byte{}, []byte{}, []byte(nil), nil, "",
					false, true, []byte("0000-00-00")}},
			{Op: OpUpdate, Schema: "app", Table: "t", Columns: cols, Key: []int{0, 5}, Before: row,
				After: Row{int64(2), uint64(1 << 63), float32(-2), 0.1, []byte("1e3"), []byte("x"), []byte{1}, []byte(nil), nil, "y",
					true, true, []byte("2000-01-01")}},
			{Op: OpDelete, Schema: "app", Table: "u", Columns: []string{"k"}, Key: []int{0}, Before: Row{int64(-300)}},
		}},
		{Seq: 2, Pos: "mariadb-bin.000003:2000", Time: -1, Events: []Event{
			{Op: OpDDL, Schema: "app", Query: "ALTER TABLE `t` ADD COLUMN `z` INT DEFAULT 'é'"},
		}},
		{Seq: 3, Pos: "p", Events: []Event{
			{Op: OpDelete, Schema: "", Table: "", Columns: []string{}, Key: []int{}, Before: Row{}},
		}},
		{Seq: math.MaxUint64, Events: []Event{}},
		{},
	}
}

// goldenTxnsV2 are goldenTxns with column types on the row events of the first transaction:
// a list, the same list again (sameTypes), another list, and none; and two parts of a
// large transaction.
func goldenTxnsV2() []*Txn {
	txns := goldenTxns()
	tys := []ColType{{DataType: "bigint"}, {DataType: "bigint", Unsigned: true}, {DataType: "float"}, {DataType: "double"},
		{DataType: "decimal"}, {DataType: "varchar"}, {DataType: "varbinary", Binary: true}, {DataType: "blob", Binary: true},
		{DataType: "int"}, {DataType: "text"}, {DataType: "tinyint"}, {DataType: "tinyint"}, {DataType: "datetime"}}
	other := append([]ColType(nil), tys...)
	other[6] = ColType{DataType: "bit", Binary: true}
	ev := txns[0].Events
	ev[0].Types, ev[1].Types, ev[2].Types = tys, tys, other
	txns[2].Offset, txns[2].More = 5000, true // a part of a large transaction
	txns[3].Offset = 123456                   // the last part
	return txns
}

// TestGoldenTxnRecords: testdata/txns_v2.hex holds one AppendTxn result (hex) per line for
// goldenTxnsV2; each decodes back to its literal, nil-ness of slices and float bits included.
// testdata/txns_v1.hex holds the version 1 records of goldenTxns (written by godwit before
// column types were recorded): they still decode to their literals.
func TestGoldenTxnRecords(t *testing.T) {
	txns := goldenTxnsV2()
	var b strings.Builder
	for _, tx := range txns {
		enc, err := AppendTxn(nil, tx)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(hex.EncodeToString(enc) + "\n")
	}
	checkGolden(t, "txns_v2.hex", []byte(b.String()))
	checkGoldenRecords(t, "txns_v2.hex", txns)
	checkGoldenRecords(t, "txns_v1.hex", goldenTxns())
}

func checkGoldenRecords(t *testing.T, file string, txns []*Txn) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != len(txns) {
		t.Fatalf("%s has %d records, want %d", file, len(lines), len(txns))
	}
	for i, line := range lines {
		rec, err := hex.DecodeString(line)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeTxn(rec)
		if err != nil {
			t.Fatalf("%s record %d: %v", file, i, err)
		}
		if err := sameTxn(txns[i], got); err != nil {
			t.Fatalf("%s record %d decodes differently: %v", file, i, err)
		}
		h, err := DecodeTxnHeader(rec)
		if err != nil || h.Seq != txns[i].Seq || h.Pos != txns[i].Pos || h.TxID != txns[i].TxID || h.Time != txns[i].Time {
			t.Fatalf("%s record %d header = %+v, %v", file, i, h, err)
		}
	}
}
