package testenv

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"testing"
)

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// compareFixture creates the same table in two databases on two servers.
func compareFixture(t *testing.T) (src, dst *sql.DB) {
	t.Helper()
	_, src = NewMariaDBDatabase(t, SharedMariaDB(t, "source"), "cmp")
	_, dst = NewMariaDBDatabase(t, SharedMariaDB(t, "target"), "cmp")
	blob := make([]byte, 256)
	for i := range blob {
		blob[i] = byte(i)
	}
	for _, db := range []*sql.DB{src, dst} {
		mustExec(t, db, `CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, b BLOB, f FLOAT, d DOUBLE, s VARCHAR(20), n VARCHAR(20))`)
		for i := 1; i <= 6; i++ {
			// Parameters go in binary, so the floats are stored with exact bits.
			mustExec(t, db, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
				uint64(math.MaxUint64)-uint64(i), blob, float32(0.1)*float32(i), 0.1*float64(i), "s😀 ", "")
		}
	}
	return src, dst
}

func TestCompareTablesEqual(t *testing.T) {
	src, dst := compareFixture(t)
	d, err := CompareTables(context.Background(), src, "t", dst, "t", []string{"id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Same() || d.SrcRows != 6 || d.DstRows != 6 || d.Equal != 6 {
		t.Fatalf("identical tables: %v", d)
	}
}

func TestCompareTablesCatchesEveryDifference(t *testing.T) {
	src, dst := compareFixture(t)
	id := func(i int) uint64 { return uint64(math.MaxUint64) - uint64(i) }
	// Row 1: one byte of the BLOB.
	mustExec(t, dst, "UPDATE t SET b = CONCAT(SUBSTRING(b, 1, 99), X'FF', SUBSTRING(b, 101)) WHERE id = ?", id(1))
	// Row 2: the last bit of the FLOAT; row 3: the last bit of the DOUBLE.
	f32, f64 := float32(0.1), 0.1 // variables: the same runtime arithmetic as the fixture
	f := math.Float32frombits(math.Float32bits(f32*2) ^ 1)
	mustExec(t, dst, "UPDATE t SET f = ? WHERE id = ?", f, id(2))
	mustExec(t, dst, "UPDATE t SET d = ? WHERE id = ?", math.Float64frombits(math.Float64bits(f64*3)^1), id(3))
	// Row 4: '' becomes NULL.
	mustExec(t, dst, "UPDATE t SET n = NULL WHERE id = ?", id(4))
	// Row 5 is missing on the target, row 9 only there.
	mustExec(t, dst, "DELETE FROM t WHERE id = ?", id(5))
	mustExec(t, dst, "INSERT INTO t (id) VALUES (9)")

	d, err := CompareTables(context.Background(), src, "t", dst, "t", []string{"id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(d)
	if d.Same() || d.SrcRows != 6 || d.DstRows != 6 || d.Equal != 1 || d.Different != 4 || d.OnlyInSrc != 1 || d.OnlyInDst != 1 {
		t.Fatalf("counts wrong: %v", d)
	}
	wantCol := map[string]string{ // key → the one differing column
		"18446744073709551614": "b", "18446744073709551613": "f", "18446744073709551612": "d", "18446744073709551611": "n",
	}
	var only []string
	for _, s := range d.Samples {
		switch s.Kind {
		case Different:
			if len(s.Columns) != 1 || s.Columns[0].Src != wantCol[s.Key[0]] {
				t.Errorf("row %v: differing columns %+v, want only %s", s.Key, s.Columns, wantCol[s.Key[0]])
			}
			delete(wantCol, s.Key[0])
		default:
			only = append(only, string(s.Kind)+":"+s.Key[0])
		}
	}
	if len(wantCol) != 0 {
		t.Errorf("differences not reported: %v", wantCol)
	}
	if strings.Join(only, " ") != "only_in_source:18446744073709551610 only_in_target:9" {
		t.Errorf("only-in samples = %v", only)
	}
	if !strings.Contains(d.String(), `n="" | n=NULL`) {
		t.Errorf("String() does not show NULL vs '':\n%s", d)
	}
}

func TestCompareTablesMappedColumnsAndKeyless(t *testing.T) {
	_, src := NewMariaDBDatabase(t, SharedMariaDB(t, "source"), "cmpmap")
	_, dst := NewMariaDBDatabase(t, SharedMariaDB(t, "source"), "cmpmap")
	// The source collation orders 'a' < 'B'; bytes order 'B' < 'a'. Matching is by value.
	mustExec(t, src, "CREATE TABLE s (k VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT, extra INT)")
	mustExec(t, dst, "CREATE TABLE d (kk VARCHAR(10) COLLATE utf8mb4_bin PRIMARY KEY, vv INT, other TEXT)")
	mustExec(t, src, "INSERT INTO s VALUES ('a',1,7),('B',2,7),('c',3,7),('D',4,7)")
	mustExec(t, dst, "INSERT INTO d VALUES ('a',1,'x'),('B',2,'y'),('c',3,'z'),('D',4,'w')")
	cols := [][2]string{{"k", "kk"}, {"v", "vv"}}
	d, err := CompareTables(context.Background(), src, "s", dst, "d", []string{"k"}, cols)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Same() || d.Equal != 4 {
		t.Fatalf("mapped subset should match: %v", d)
	}
	mustExec(t, dst, "UPDATE d SET vv = 5 WHERE kk = 'B'")
	if d, err = CompareTables(context.Background(), src, "s", dst, "d", []string{"k"}, cols); err != nil {
		t.Fatal(err)
	}
	if d.Different != 1 || len(d.Samples) != 1 || d.Samples[0].Key[0] != `"B"` || d.Samples[0].Columns[0].Dst != "vv" {
		t.Fatalf("mapped diff: %v", d)
	}

	// Without a key the tables compare as multisets: duplicates count.
	mustExec(t, src, "CREATE TABLE nk (a INT, b VARCHAR(5))")
	mustExec(t, dst, "CREATE TABLE nk (a INT, b VARCHAR(5))")
	mustExec(t, src, "INSERT INTO nk VALUES (1,'x'),(1,'x'),(2,NULL)")
	mustExec(t, dst, "INSERT INTO nk VALUES (2,NULL),(1,'x'),(1,'x')")
	if d, err = CompareTables(context.Background(), src, "nk", dst, "nk", nil, nil); err != nil || !d.Same() {
		t.Fatalf("keyless equal: %v %v", d, err)
	}
	mustExec(t, dst, "DELETE FROM nk WHERE a = 1 LIMIT 1")
	if d, err = CompareTables(context.Background(), src, "nk", dst, "nk", nil, nil); err != nil || d.OnlyInSrc != 1 || d.Equal != 2 {
		t.Fatalf("keyless missing duplicate: %v %v", d, err)
	}
}
