package mysql

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// dpTypesColumns is the edge-value table's column list (after the id).
const dpTypesColumns = `ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
	mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
	dc DECIMAL(65,30), f FLOAT, d DOUBLE,
	dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), y YEAR,
	b1 BIT(1), b8 BIT(8), b64 BIT(64), en ENUM('a','b','c'), st SET('x','y','z'),
	ch CHAR(10), vc VARCHAR(255), tx TEXT, lat VARCHAR(20) CHARACTER SET latin1,
	bn BINARY(16), vb VARBINARY(300), bl BLOB, lb LONGBLOB, js JSON`

func dpAllBytesHex(repeat int) string {
	var b [256]byte
	for i := range b {
		b[i] = byte(i)
	}
	return "x'" + strings.Repeat(hex.EncodeToString(b[:]), repeat) + "'"
}

// dpSeedTypes fills the source table with edge values, in a permissive session (zero dates).
func dpSeedTypes(t *testing.T, env *dpEnv) {
	ctx := context.Background()
	conn, err := env.srcDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	all, all1000 := dpAllBytesHex(1), dpAllBytesHex(1000)
	tricky := `'tab\there\nnl\r cr \'q\' "dq" back\\slash nul\0 sub\Z trailing   '`
	stmts := []string{
		"SET SESSION sql_mode = ''",
		"CREATE TABLE types (id INT PRIMARY KEY, " + dpTypesColumns + ")",
		`INSERT INTO types VALUES (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
			'-99999999999999999999999999999999999.999999999999999999999999999999', -3.4028234663852886e38, -1.7976931348623157e308,
			'1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59', 1901,
			b'0', x'00', x'0000000000000000', 'a', '', 'a', 'a', 'a', 'a', x'00', x'', x'', x'', '[]')`,
		`INSERT INTO types VALUES (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
			9223372036854775807, 18446744073709551615,
			'99999999999999999999999999999999999.999999999999999999999999999999', 3.4028234663852886e38, 1.7976931348623157e308,
			'9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59', 2155,
			b'1', x'ff', x'ffffffffffffffff', 'c', 'x,y,z', 'emoji😀', ` + tricky + `, CONCAT(` + tricky + `, '😀 ☃'), 'Ünïcödé',
			x'ffffffffffffffffffffffffffffffff', ` + all + `, ` + all + `, ` + all1000 + `,
			'{"a": [1, "😀", null], "b": "\\" q\\\\"}')`,
		`INSERT INTO types (id, f, d) VALUES (3, 1.401298464324817e-45, 4.9406564584124654e-324),
			(4, 16777217, 2.2250738585072009e-308), (5, 1.0000001192092896, 0.30000000000000004e0),
			(7, 0.3333333432674408, 123456789.12345679), (13, 1.1754942106924411e-38, -2.2250738585072014e-308)`,
		`INSERT INTO types (id, f, d, tm, b8, b64, bn, vb) VALUES
			(6, -0e0, -0e0, '-00:00:01.500000', x'0a', x'5c', x'5c27220a0d001a', x'0a5c')`,
		`INSERT INTO types (id) VALUES (8)`,
		`INSERT INTO types (id, ch, vc, tx, vb, bl, st, js, lat) VALUES (9, '', '', '', x'', x'', '', '""', '')`,
		`INSERT INTO types (id, dt, dtm, ts, y, tm) VALUES (10, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', 0, '00:00:00')`,
		`INSERT INTO types (id, dc, b8, b64, b1, dt) VALUES (11, '0.000000000000000000000000000001', x'5c', x'0a0a0a0a0a0a0a0a', b'1', '2020-00-15')`,
		`INSERT INTO types (id, dc, tm, st, en) VALUES (12, '-0.000000000000000000000000000001', '-00:00:01.500000', 'y', 'b')`,
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// dpTestRoundTrip copies the edge-value table chunk by chunk to a target table whose
// columns are in another order, then compares both byte-exactly.
func dpTestRoundTrip(t *testing.T, env *dpEnv) {
	ctx := context.Background()
	dpSeedTypes(t, env)
	// The target lists the columns in reverse order, the key last.
	dstDDL := "CREATE TABLE types (" + dpReverseColumnDefs(dpTypesColumns) + ", id INT PRIMARY KEY)"
	dpExec(t, env.dstDB, dstDDL)

	src := dpTable(t, env.srcDB, env.srcName, "types")
	dst := dpTable(t, env.dstDB, env.dstName, "types")
	if dst.Columns[0].Name == src.Columns[0].Name {
		t.Fatal("target column order should differ from the source's")
	}
	cols := src.ColumnNames()

	// The values arrive in the change conventions.
	rows := dpReadAll(t, env.srcEP, src, cols)
	byID := map[int64]change.Row{}
	for _, r := range rows {
		byID[r[0].(int64)] = r
	}
	col := func(n string) int {
		for i, c := range cols {
			if c == n {
				return i
			}
		}
		t.Fatalf("no column %s", n)
		return -1
	}
	checks := []struct {
		id   int64
		col  string
		want any
	}{
		{2, "bu", uint64(math.MaxUint64)},
		{1, "bi", int64(math.MinInt64)},
		{2, "y", int64(2155)},
		{5, "f", float32(1.0000001)},
		{4, "f", float32(16777216)},
		{3, "f", math.Float32frombits(1)},
		{3, "d", math.Float64frombits(1)},
		{5, "d", 0.30000000000000004},
		{6, "b8", []byte{0x0a}},
		{6, "b64", []byte{0, 0, 0, 0, 0, 0, 0, 0x5c}},
		{6, "tm", []byte("-00:00:01.500000")},
		{2, "tm", []byte("838:59:59.000000")},
		{10, "dt", []byte("0000-00-00")},
		{10, "ts", []byte("0000-00-00 00:00:00.000000")},
		{9, "st", []byte("")},
		{2, "ch", []byte("emoji😀")},
		{2, "lat", []byte("Ünïcödé")},
		{8, "vc", nil},
	}
	for _, c := range checks {
		if got := byID[c.id][col(c.col)]; !dpSame(got, c.want) {
			t.Errorf("row %d %s = %#v (%T), want %#v", c.id, c.col, got, got, c.want)
		}
	}
	if got := byID[2][col("lb")].([]byte); len(got) != 256000 || got[255] != 0xff || got[256] != 0 {
		t.Errorf("longblob of all bytes came back with %d bytes", len(got))
	}

	// Copy chunk by chunk (3 rows per chunk), then once more: the rewrite must not duplicate.
	plan, err := env.srcEP.PlanChunks(ctx, src, src.KeyColumns(), "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) < 4 {
		t.Fatalf("plan of %d chunks, want at least 4", len(plan))
	}
	// Both write paths: LOAD DATA LOCAL (the default) and the multi-row statement fallback.
	for _, load := range []bool{true, false} {
		env.dstEP.setLoadData(load)
		dpExec(t, env.dstDB, "TRUNCATE TABLE types")
		dpTestCopyTwice(t, env, src, dst, cols, plan, len(rows))
	}
	env.dstEP.setLoadData(true)
	// The encoded path (ReadChunkEncoded → WriteEncoded), in tiny batches.
	dpExec(t, env.dstDB, "TRUNCATE TABLE types")
	dpTestCopyEncoded(t, env, src, dst, cols, plan, rows)

	t.Run("checksum", func(t *testing.T) { dpTestChecksum(t, env, src, dst, byID) })
	t.Run("negative zero", func(t *testing.T) { dpTestNegativeZero(t, env) })
}

// dpTestCopyTwice copies the types table chunk by chunk with the endpoint's current write
// path, twice: the rewrite must not duplicate, and both sides must be identical.
func dpTestCopyTwice(t *testing.T, env *dpEnv, src, dst *schema.Table, cols []string, plan []change.Chunk, want int) {
	t.Helper()
	ctx := context.Background()
	for pass := 0; pass < 2; pass++ {
		for _, c := range plan {
			var batch []change.Row
			if _, err := env.srcEP.ReadChunk(ctx, endpoint.ReadRequest{Table: src, Columns: cols, Key: src.KeyColumns(), Chunk: c},
				func(r change.Row) error { batch = append(batch, r); return nil }); err != nil {
				t.Fatal(err)
			}
			n, err := env.dstEP.WriteRows(ctx, endpoint.WriteRequest{Table: dst, Columns: cols, Rows: batch})
			if err != nil {
				t.Fatalf("chunk %d: %v", c.Seq, err)
			}
			if len(batch) > 0 && n == 0 {
				t.Errorf("chunk %d: WriteRows reported 0 bytes", c.Seq)
			}
		}
		dpCompareTables(t, env, "types", cols)
	}
	if n := dpCount(t, env.dstDB, env.dstName, "types", ""); n != want {
		t.Errorf("%s: target has %d rows after two copies, want %d", env.dstEP.WritePath(), n, want)
	}
}

// dpReverseColumnDefs reverses a column definition list, keeping parenthesised commas.
func dpReverseColumnDefs(defs string) string {
	var parts []string
	depth, start := 0, 0
	for i, r := range defs {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(defs[start:i]))
				start = i + 1
			}
		}
	}
	parts = append(parts, strings.TrimSpace(defs[start:]))
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ", ")
}

// dpCompareTables compares the source and target tables value by value (binary protocol).
func dpCompareTables(t *testing.T, env *dpEnv, table string, cols []string) {
	t.Helper()
	a := dpDump(t, env.srcDB, env.srcName, table, cols, "id")
	b := dpDump(t, env.dstDB, env.dstName, table, cols, "id")
	if len(a) != len(b) {
		t.Fatalf("%s: %d source rows, %d target rows", table, len(a), len(b))
	}
	for i := range a {
		for j := range cols {
			if !dpSame(a[i][j], b[i][j]) {
				t.Errorf("%s row id=%v column %s: source %#v, target %#v", table, a[i][0], cols[j], a[i][j], b[i][j])
			}
		}
	}
}

// dpTestPacket checks statement splitting under a small max_allowed_packet, the error for
// a row that cannot fit, and that a failed call leaves nothing behind.
func dpTestPacket(t *testing.T, env *dpEnv) {
	ctx := context.Background()
	dpExec(t, env.dstDB, "SET GLOBAL max_allowed_packet = 1048576")
	t.Cleanup(func() { dpExec(t, env.dstDB, "SET GLOBAL max_allowed_packet = 67108864") })
	ep, err := OpenMySQL(ctx, env.dstServer.DataSource("small"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ep.setLoadData(false) // statement splitting is the fallback path's business
	dpExec(t, env.dstDB, "CREATE TABLE pk (id INT PRIMARY KEY, b LONGBLOB)")
	tb := dpTable(t, env.dstDB, env.dstName, "pk")
	rng := rand.New(rand.NewPCG(1, 2))
	blob := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var rows []change.Row
	sums := map[int64]string{}
	for i := int64(1); i <= 40; i++ {
		b := blob(100_000)
		s := md5.Sum(b)
		sums[i] = hex.EncodeToString(s[:])
		rows = append(rows, change.Row{i, b})
	}
	if _, err := ep.WriteRows(ctx, endpoint.WriteRequest{Table: tb, Columns: []string{"id", "b"}, Rows: rows}); err != nil {
		t.Fatalf("40 x 100 KB under a 1 MB packet: %v", err)
	}
	res, err := env.dstDB.Query("SELECT id, MD5(b) FROM pk ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for res.Next() {
		var id int64
		var sum string
		if err := res.Scan(&id, &sum); err != nil {
			t.Fatal(err)
		}
		if sum != sums[id] {
			t.Errorf("row %d: blob differs", id)
		}
		n++
	}
	res.Close()
	if n != 40 {
		t.Fatalf("%d rows written, want 40", n)
	}

	// Ten more rows (flushed in a first statement) and then one that cannot fit: the call
	// fails as a whole.
	var more []change.Row
	for i := int64(41); i <= 50; i++ {
		more = append(more, change.Row{i, blob(100_000)})
	}
	more = append(more, change.Row{int64(51), blob(2 << 20)})
	_, err = ep.WriteRows(ctx, endpoint.WriteRequest{Table: tb, Columns: []string{"id", "b"}, Rows: more})
	var ee *errs.Error
	if !errors.As(err, &ee) || ee.Code != errs.CodeCopyWrite || !strings.Contains(ee.Advice, "max_allowed_packet") {
		t.Fatalf("oversized row: got %v, want a %s error advising max_allowed_packet", err, errs.CodeCopyWrite)
	}
	if n := dpCount(t, env.dstDB, env.dstName, "pk", ""); n != 40 {
		t.Errorf("after a failed call the table has %d rows, want 40 (atomic per call)", n)
	}

	// More rows than one statement takes: split by row count, still one call.
	dpExec(t, env.dstDB, "CREATE TABLE many (id INT PRIMARY KEY, v VARCHAR(10))")
	mt := dpTable(t, env.dstDB, env.dstName, "many")
	var small []change.Row
	for i := int64(0); i < 2*writeMaxRowsPerStmt+500; i++ {
		small = append(small, change.Row{i, []byte("v")})
	}
	if _, err := ep.WriteRows(ctx, endpoint.WriteRequest{Table: mt, Columns: []string{"id", "v"}, Rows: small}); err != nil {
		t.Fatal(err)
	}
	if n := dpCount(t, env.dstDB, env.dstName, "many", ""); n != len(small) {
		t.Errorf("many: %d rows, want %d", n, len(small))
	}

	// LOAD DATA streams the rows in packets: a row larger than max_allowed_packet loads.
	ep.setLoadData(true)
	big := blob(2 << 20)
	if _, err := ep.WriteRows(ctx, endpoint.WriteRequest{Table: tb, Columns: []string{"id", "b"}, Rows: []change.Row{{int64(52), big}}}); err != nil {
		t.Fatalf("LOAD DATA of a 2 MB row under a 1 MB packet: %v", err)
	}
	var sum string
	if err := env.dstDB.QueryRow("SELECT MD5(b) FROM pk WHERE id = 52").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if s := md5.Sum(big); sum != hex.EncodeToString(s[:]) {
		t.Error("LOAD DATA: the 2 MB blob differs")
	}
}

// dpTestNegativeZero checks that -0 written as a literal ends up exactly as the server
// stores a -0 sent as a binary-protocol parameter (MariaDB normalises it to +0).
func dpTestNegativeZero(t *testing.T, env *dpEnv) {
	ctx := context.Background()
	dpExec(t, env.dstDB, "CREATE TABLE nz (id INT PRIMARY KEY, f FLOAT, d DOUBLE)")
	tb := dpTable(t, env.dstDB, env.dstName, "nz")
	negz := math.Copysign(0, -1)
	if _, err := env.dstEP.WriteRows(ctx, endpoint.WriteRequest{Table: tb, Columns: []string{"id", "f", "d"},
		Rows: []change.Row{{int64(1), float32(negz), negz}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.dstDB.Exec("INSERT INTO nz VALUES (2, ?, ?)", negz, negz); err != nil {
		t.Fatal(err)
	}
	got := dpDump(t, env.dstDB, env.dstName, "nz", []string{"f", "d"}, "id")
	if len(got) != 2 || !dpSame(got[0][0], got[1][0]) || !dpSame(got[0][1], got[1][1]) || got[0][1].(float64) != 0 {
		t.Errorf("-0 via literal %#v, via parameter %#v", got[0], got[1])
	}
	t.Logf("server keeps the sign of -0: %v", math.Signbit(got[1][1].(float64)))

	// Generated columns are skipped: the target computes them.
	dpExec(t, env.dstDB, "CREATE TABLE gen (id INT PRIMARY KEY, a INT, g INT AS (a * 2) STORED, v INT AS (a + 1) VIRTUAL)")
	gt := dpTable(t, env.dstDB, env.dstName, "gen")
	for i := range gt.Columns {
		if gt.Columns[i].Name == "g" || gt.Columns[i].Name == "v" {
			gt.Columns[i].Generated = "expr"
		}
	}
	if _, err := env.dstEP.WriteRows(ctx, endpoint.WriteRequest{Table: gt, Columns: []string{"id", "g", "a", "v"},
		Rows: []change.Row{{int64(1), int64(999), int64(21), int64(999)}}}); err != nil {
		t.Fatal(err)
	}
	var a, g, v int
	if err := env.dstDB.QueryRow("SELECT a, g, v FROM gen WHERE id = 1").Scan(&a, &g, &v); err != nil || a != 21 || g != 42 || v != 22 {
		t.Errorf("generated columns: a=%d g=%d v=%d err=%v, want 21 42 22", a, g, v, err)
	}
}
