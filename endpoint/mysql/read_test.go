package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

// dpEnv is the data-path test fixture: two throwaway MariaDB servers, a database on each,
// endpoints and raw pools (multi-statement, general_ci connection) for seeding.
type dpEnv struct {
	srcEP, dstEP *Endpoint
	srcDB, dstDB *sql.DB // raw pools on the test databases
	srcName      string  // database name on the source
	dstName      string  // database name on the target
	dstServer    *testenv.MariaDB
}

// TestDataPathMariaDB runs the chunk, read, write and checksum suites against two private
// MariaDB servers (one source, one target), started once for all of them.
func TestDataPathMariaDB(t *testing.T) {
	ctx := context.Background()
	src := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	dst := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	env := &dpEnv{dstServer: dst}
	env.srcName, env.srcDB = testenv.NewMariaDBDatabase(t, src, "dpsrc")
	env.dstName, env.dstDB = testenv.NewMariaDBDatabase(t, dst, "dpdst")
	var err error
	if env.srcEP, err = OpenMySQL(ctx, src.DataSource("src"), endpoint.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.srcEP.Close() })
	if env.dstEP, err = OpenMySQL(ctx, dst.DataSource("dst"), endpoint.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.dstEP.Close() })

	t.Run("chunks", func(t *testing.T) { dpTestChunks(t, env) })
	t.Run("roundtrip", func(t *testing.T) { dpTestRoundTrip(t, env) })
	t.Run("packet", func(t *testing.T) { dpTestPacket(t, env) })
	t.Run("load charset", func(t *testing.T) { dpTestLoadCharset(t, env) })
}

// dpExec runs statements on db, failing the test on error.
func dpExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// dpTable builds the schema.Table of db.name from information_schema (enough for the data
// path: columns with type, charset, unsigned; primary key; unique indexes).
func dpTable(t *testing.T, db *sql.DB, dbName, name string) *schema.Table {
	t.Helper()
	tb := &schema.Table{Schema: dbName, Name: name}
	rows, err := db.Query(`SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COALESCE(CHARACTER_SET_NAME,'')
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=? AND TABLE_NAME=? ORDER BY ORDINAL_POSITION`, dbName, name)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c schema.Column
		var null string
		if err := rows.Scan(&c.Name, &c.DataType, &c.ColumnType, &null, &c.Charset); err != nil {
			t.Fatal(err)
		}
		c.Nullable = null == "YES"
		c.Unsigned = strings.Contains(c.ColumnType, "unsigned")
		tb.Columns = append(tb.Columns, c)
	}
	rows.Close()
	rows, err = db.Query(`SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA=? AND TABLE_NAME=? ORDER BY INDEX_NAME, SEQ_IN_INDEX`, dbName, name)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ix, col string
		var nonUnique int
		if err := rows.Scan(&ix, &nonUnique, &col); err != nil {
			t.Fatal(err)
		}
		switch {
		case ix == "PRIMARY":
			tb.PrimaryKey = append(tb.PrimaryKey, col)
		case len(tb.Indexes) > 0 && tb.Indexes[len(tb.Indexes)-1].Name == ix:
			tb.Indexes[len(tb.Indexes)-1].Parts = append(tb.Indexes[len(tb.Indexes)-1].Parts, schema.IndexPart{Column: col})
		default:
			tb.Indexes = append(tb.Indexes, schema.Index{Name: ix, Unique: nonUnique == 0, Parts: []schema.IndexPart{{Column: col}}})
		}
	}
	rows.Close()
	return tb
}

// dpDump reads every row of db.name ordered by orderBy through the binary protocol, the
// columns in the order cols.
func dpDump(t *testing.T, db *sql.DB, dbName, name string, cols []string, orderBy string) [][]any {
	t.Helper()
	rows, err := db.Query("SELECT "+selectList(cols)+" FROM "+sqlval.QuoteTable(dbName, name)+" WHERE 1=? ORDER BY "+orderBy, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dpSame compares two scanned values exactly: floats by bits, bytes by content, the rest
// by type and value.
func dpSame(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return fmt.Sprintf("%T %v", a, a) == fmt.Sprintf("%T %v", b, b)
}

// dpReadAll reads a whole table with ReadChunk (one chunk, nil bounds).
func dpReadAll(t *testing.T, ep *Endpoint, tb *schema.Table, cols []string) []change.Row {
	t.Helper()
	var out []change.Row
	_, err := ep.ReadChunk(context.Background(), endpoint.ReadRequest{Table: tb, Columns: cols, Key: tb.KeyColumns()},
		func(r change.Row) error { out = append(out, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}
