package ddl

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/testenv"
)

// TestTranslateDDLExecutes runs DDL on a source database, translates each statement to a
// second database and runs the translation on a session without a default database (so
// any name left unqualified fails), then compares SHOW CREATE of every object on both sides.
func TestTranslateDDLExecutes(t *testing.T) {
	ctx := context.Background()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	src, srcDB := testenv.NewMariaDBDatabase(t, srv, "ddlsrc")
	dst, _ := testenv.NewMariaDBDatabase(t, srv, "ddldst")
	root, err := srv.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	mapName := func(s, n string) (endpoint.TableName, bool) {
		if s != src {
			return endpoint.TableName{}, false
		}
		return endpoint.TableName{Schema: dst, Name: n}, true
	}
	for _, q := range []string{
		"CREATE TABLE t1 (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, c VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT 'a,b' COMMENT 'it''s', " +
			"j LONGTEXT CHECK (json_valid(j)), inv INT INVISIBLE, d DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), " +
			"g INT AS (id * 2) VIRTUAL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='tbl /* not a comment */'",
		"CREATE TABLE `t ü` LIKE t1",
		"ALTER TABLE t1 ADD COLUMN IF NOT EXISTS e INT UNSIGNED DEFAULT 7 AFTER c, ADD INDEX ie (e)",
		"CREATE UNIQUE INDEX uc ON t1 (c)",
		"ALTER TABLE `t ü` MODIFY c VARCHAR(30) COMMENT 'ü😀', DROP COLUMN inv",
		"ALTER TABLE t1 RENAME INDEX ie TO ie2",
		"CREATE TABLE p (id INT PRIMARY KEY)",
		"CREATE TABLE ch (id INT PRIMARY KEY, pid INT, CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id))",
		"RENAME TABLE `t ü` TO t2",
		"DROP INDEX uc ON t1",
		"CREATE VIEW v AS SELECT t1.id, t1.c FROM t1 WHERE t1.id > 0",
		"TRUNCATE TABLE t2",
		"CREATE TABLE gone (id INT) /*!100000 COMMENT 'exec comment' */",
		"DROP TABLE IF EXISTS gone",
		"ALTER TABLE t2 ADD COLUMN z BIGINT NOT NULL DEFAULT 0 FIRST, ALGORITHM=COPY",
	} {
		if _, err := srcDB.ExecContext(ctx, q); err != nil {
			t.Fatalf("source: %s: %v", q, err)
		}
		info := Translate(src, q, mapName)
		if info.Target == "" {
			t.Fatalf("no target for %s (%+v)", q, info)
		}
		if _, err := root.ExecContext(ctx, info.Target); err != nil {
			t.Fatalf("target: %s: %v", info.Target, err)
		}
	}
	srcObjs, dstObjs := ddlShowAll(t, root, src), ddlShowAll(t, root, dst)
	if len(srcObjs) != 5 {
		t.Errorf("source objects: %v", slices.Sorted(mapsKeys(srcObjs)))
	}
	for name, def := range srcObjs {
		want := strings.ReplaceAll(def, "`"+src+"`", "`"+dst+"`")
		if got := dstObjs[name]; got != want {
			t.Errorf("%s differs:\nsource: %s\ntarget: %s", name, want, got)
		}
	}
	if len(dstObjs) != len(srcObjs) {
		t.Errorf("target has %d objects, source %d", len(dstObjs), len(srcObjs))
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// ddlShowAll returns SHOW CREATE TABLE/VIEW of every object of db, by name.
func ddlShowAll(t *testing.T, root *sql.DB, db string) map[string]string {
	t.Helper()
	rows, err := root.Query("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", db)
	if err != nil {
		t.Fatal(err)
	}
	type obj struct{ name, typ string }
	var objs []obj
	for rows.Next() {
		var o obj
		if err := rows.Scan(&o.name, &o.typ); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	rows.Close()
	out := map[string]string{}
	for _, o := range objs {
		r, err := root.Query("SHOW CREATE TABLE " + sqlval.QuoteTable(db, o.name))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !r.Next() {
			t.Fatalf("SHOW CREATE %s: no row", o.name)
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out[o.name] = string(vals[1])
		r.Close()
	}
	return out
}
