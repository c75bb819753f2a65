package mysql

import (
	"context"
	"fmt"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/load"
	"github.com/godwit/godwit/schema"
)

// dpTestCopyEncoded copies the types table through the encoded path twice, in batches of at
// most 2 rows: the copy must be identical to the source and not duplicate, every batch's
// LastKey must be the key ReadChunk gives for that row, and a read resumed after a batch's
// LastKey must continue exactly with the next row.
func dpTestCopyEncoded(t *testing.T, env *dpEnv, src, dst *schema.Table, cols []string, plan []change.Chunk, rows []change.Row) {
	t.Helper()
	ctx := context.Background()
	wreq := endpoint.WriteRequest{Table: dst, Columns: cols}
	enc, err := env.dstEP.WriteEncoding(ctx, wreq)
	if err != nil || enc == nil {
		t.Fatalf("WriteEncoding = %v, %v; want the LOAD DATA encoding", enc, err)
	}
	key := src.KeyColumns()
	if !env.srcEP.CanEncode(endpoint.ReadRequest{Table: src, Columns: cols, Key: key}, enc) {
		t.Fatal("the source cannot encode for the target")
	}
	if env.srcEP.CanEncode(endpoint.ReadRequest{Table: src, Columns: cols[:2], Key: key}, enc) {
		t.Error("CanEncode accepted a column list of another length")
	}
	lim := endpoint.BatchLimit{Rows: 2, Bytes: 1 << 20}
	var lastKeys []change.Key
	for pass := 0; pass < 2; pass++ {
		lastKeys = lastKeys[:0]
		for _, c := range plan {
			req := endpoint.ReadRequest{Table: src, Columns: cols, Key: key, Chunk: c}
			err := env.srcEP.ReadChunkEncoded(ctx, req, enc, lim, func(b *endpoint.EncodedBatch) error {
				if b.Rows < 1 || b.Rows > lim.Rows || len(b.Data) == 0 || b.SrcBytes <= 0 {
					t.Errorf("chunk %d: batch of %d rows, %d bytes, %d source bytes", c.Seq, b.Rows, len(b.Data), b.SrcBytes)
				}
				lastKeys = append(lastKeys, b.LastKey)
				if _, err := env.dstEP.WriteEncoded(ctx, wreq, enc, b); err != nil {
					t.Fatalf("chunk %d: %v", c.Seq, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		dpCompareTables(t, env, "types", cols)
	}
	if n := dpCount(t, env.dstDB, env.dstName, "types", ""); n != len(rows) {
		t.Errorf("encoded: target has %d rows after two copies, want %d", n, len(rows))
	}
	// LastKey of each batch is the ReadChunk key of its last row (rows are in key order).
	ids := map[int64]bool{}
	for _, r := range rows {
		ids[r[0].(int64)] = true
	}
	for _, k := range lastKeys {
		if len(k) != 1 {
			t.Fatalf("LastKey %v", k)
		}
		id, ok := k[0].(int64)
		if !ok || !ids[id] {
			t.Errorf("LastKey %#v is not a key ReadChunk returns", k[0])
		}
	}
	// Resume: a read starting after the first batch's LastKey yields the following rows.
	first := change.Chunk{Seq: 0, Lower: lastKeys[0]}
	var got int
	err = env.srcEP.ReadChunkEncoded(ctx, endpoint.ReadRequest{Table: src, Columns: cols, Key: key, Chunk: first}, enc,
		endpoint.BatchLimit{Rows: 1 << 20, Bytes: 1 << 30}, func(b *endpoint.EncodedBatch) error { got += b.Rows; return nil })
	if err != nil {
		t.Fatal(err)
	}
	var after int
	for _, r := range rows {
		if r[0].(int64) > lastKeys[0][0].(int64) {
			after++
		}
	}
	if got != after {
		t.Errorf("resumed after %v: %d rows, want %d", lastKeys[0], got, after)
	}
}

// dpTestLoadCharset: a table whose text columns are all utf8mb4 is loaded with CHARACTER
// SET binary (no conversion pass), one with a latin1 column with utf8mb4; both write paths
// (rows and encoded) copy multi-byte ENUM and SET members, JSON, emoji and a latin1 text
// exactly.
func dpTestLoadCharset(t *testing.T, env *dpEnv) {
	ctx := context.Background()
	const ddl = `CREATE TABLE %s (id INT PRIMARY KEY, en ENUM('a','ünï 😀'), st SET('x','☃','😀'),
		v VARCHAR(20), tx TEXT, js JSON, n DECIMAL(10,2), d DATETIME(3)%s)`
	seed := `INSERT INTO %s VALUES (1, 'ünï 😀', '☃,😀', 'ñ😀\t\\', 'x\ny', '{"k": "😀"}', -1.50, '2020-01-02 03:04:05.678'%s),
		(2, 'a', '', '', NULL, '[]', 0, '0000-00-00 00:00:00'%s), (3, NULL, NULL, NULL, '', NULL, NULL, NULL%s)`
	for _, tc := range []struct {
		table, extraCol, extra1, extra2, extra3, charset string
	}{
		{"cs_utf8", "", "", "", "", "binary"},
		{"cs_latin1", ", l VARCHAR(20) CHARACTER SET latin1", ", 'Ünïcödé'", ", ''", ", NULL", "utf8mb4"},
	} {
		dpExec(t, env.srcDB, "SET SESSION sql_mode=''", fmt.Sprintf(ddl, tc.table, tc.extraCol),
			fmt.Sprintf(seed, tc.table, tc.extra1, tc.extra2, tc.extra3))
		dpExec(t, env.dstDB, fmt.Sprintf(ddl, tc.table, tc.extraCol))
		src := dpTable(t, env.srcDB, env.srcName, tc.table)
		dst := dpTable(t, env.dstDB, env.dstName, tc.table)
		cols := src.ColumnNames()
		if got := load.Charset(dst, cols); got != tc.charset {
			t.Errorf("%s: LOAD DATA charset %s, want %s", tc.table, got, tc.charset)
		}
		req := endpoint.ReadRequest{Table: src, Columns: cols, Key: src.KeyColumns(), Chunk: change.Chunk{}}
		// Rows.
		var rows []change.Row
		if _, err := env.srcEP.ReadChunk(ctx, req, func(r change.Row) error { rows = append(rows, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := env.dstEP.WriteRows(ctx, endpoint.WriteRequest{Table: dst, Columns: cols, Rows: rows}); err != nil {
			t.Fatalf("%s rows: %v", tc.table, err)
		}
		dpCompareTables(t, env, tc.table, cols)
		// Encoded.
		dpExec(t, env.dstDB, "TRUNCATE TABLE "+tc.table)
		wreq := endpoint.WriteRequest{Table: dst, Columns: cols}
		enc, err := env.dstEP.WriteEncoding(ctx, wreq)
		if err != nil || enc == nil {
			t.Fatalf("WriteEncoding = %v, %v", enc, err)
		}
		err = env.srcEP.ReadChunkEncoded(ctx, req, enc, endpoint.BatchLimit{Rows: 100, Bytes: 1 << 20}, func(b *endpoint.EncodedBatch) error {
			_, err := env.dstEP.WriteEncoded(ctx, wreq, enc, b)
			return err
		})
		if err != nil {
			t.Fatalf("%s encoded: %v", tc.table, err)
		}
		if n := dpCount(t, env.dstDB, env.dstName, tc.table, ""); n != 3 {
			t.Errorf("%s encoded: %d rows, want 3", tc.table, n)
		}
		dpCompareTables(t, env, tc.table, cols)
	}
}
