package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

// srTestDDL creates the source objects in database src (the %s).
const srTestDDL = "CREATE TABLE `%s`.`t_types` (" +
	"id int unsigned NOT NULL AUTO_INCREMENT," +
	"ti tinyint NOT NULL DEFAULT -1, si smallint unsigned, mi mediumint zerofill, bi bigint unsigned DEFAULT 18446744073709551615," +
	"de decimal(65,30) DEFAULT 1.5, fl float DEFAULT 1.25, db double DEFAULT 1e10, fp float(7,3)," +
	"dt date DEFAULT '2020-01-01', dtt datetime(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6)," +
	"ts timestamp(6) NULL DEFAULT NULL, tm time(3) DEFAULT '10:00:00.5', yr year DEFAULT 2024," +
	"b1 bit(1) DEFAULT b'1', b12 bit(12), en enum('a','b','c') NOT NULL DEFAULT 'b', st set('x','y') DEFAULT 'x,y'," +
	"bn binary(16), vb varbinary(255), bl blob, lb longblob," +
	"ch char(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT 'it''s'," +
	"vc varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT ''," +
	"tx text, mt mediumtext, t3 tinytext CHARACTER SET utf8mb3 COLLATE utf8mb3_unicode_ci, j json, u uuid, ip inet6," +
	"gv int GENERATED ALWAYS AS (ti + 1) VIRTUAL, gs varchar(300) AS (concat(vc, 'x')) STORED," +
	"inv int INVISIBLE DEFAULT 7, ex int DEFAULT (ti * 2), cm int COMMENT 'it''s \"quoted\"'," +
	"PRIMARY KEY (id), UNIQUE KEY uk_vc (vc(100)), KEY ix_pref (vc(10) DESC, ti), " +
	"FULLTEXT KEY ft_tx (tx, mt) COMMENT 'full text', KEY ix_gv (gv)" +
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC COMMENT='all the types';\n" +
	"CREATE TABLE `%[1]s`.`t_composite` (a int NOT NULL, b varchar(10) NOT NULL, c int NOT NULL, d int, " +
	"PRIMARY KEY (a, b), UNIQUE KEY uk_cd (c, d), KEY ix_d (d, c)) ENGINE=InnoDB;\n" +
	"CREATE TABLE `%[1]s`.`t_nopk` (a int NOT NULL, b int NOT NULL AUTO_INCREMENT, c int, " +
	"UNIQUE KEY uk_a (a), KEY ix_b (b), KEY ix_c (c)) ENGINE=InnoDB;\n" +
	"CREATE TABLE `%[1]s`.`t_hash` (id int PRIMARY KEY, bl blob, UNIQUE KEY uk_bl (bl)) ENGINE=InnoDB;\n" +
	"CREATE TABLE `%[1]s`.`t_mem` (a int NOT NULL, b int, KEY ix_a (a), KEY ix_b (b) USING BTREE) ENGINE=MEMORY;\n" +
	"CREATE TABLE `%[1]s`.`t_geo` (id int PRIMARY KEY, p point NOT NULL, SPATIAL KEY sp_p (p)) ENGINE=InnoDB;\n" +
	"CREATE TABLE `%[1]s`.`we``ird tab` (`sp ace` int PRIMARY KEY, `back``tick` varchar(3) DEFAULT 'a`b') ENGINE=InnoDB;\n" +
	"CREATE VIEW `%[1]s`.`v_check` AS SELECT a, b FROM `%[1]s`.`t_composite` WHERE a > 1 WITH CASCADED CHECK OPTION;\n" +
	"CREATE SQL SECURITY INVOKER VIEW `%[1]s`.`v_invoker` AS SELECT id, vc FROM `%[1]s`.`t_types`;\n"

var srTestTables = []string{"t_composite", "t_geo", "t_hash", "t_mem", "t_nopk", "t_types", "we`ird tab"}

// srTestEnv starts a MariaDB with a populated source database and two empty targets.
func srTestEnv(t *testing.T) (e *Endpoint, root *sql.DB, src, tgt string) {
	t.Helper()
	m := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	ctx := context.Background()
	src, _ = testenv.NewMariaDBDatabase(t, m, "src")
	tgt, _ = testenv.NewMariaDBDatabase(t, m, "tgt")
	root, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	if _, err := root.ExecContext(ctx, srSprintf(srTestDDL, src)); err != nil {
		t.Fatal(err)
	}
	e, err = OpenMySQL(ctx, m.DataSource("schema-test"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, root, src, tgt
}

// srSprintf substitutes db for %s and %[1]s (the DDL contains no other verbs).
func srSprintf(format, db string) string {
	return strings.ReplaceAll(strings.ReplaceAll(format, "%[1]s", db), "%s", db)
}

func srShowCreate(t *testing.T, db *sql.DB, schemaName, name string) string {
	t.Helper()
	var n, ddl string
	if err := db.QueryRow("SHOW CREATE TABLE "+sqlval.QuoteTable(schemaName, name)).Scan(&n, &ddl); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(ddl, "CREATE TABLE "+sqlval.QuoteIdent(name), "CREATE TABLE `X`", 1)
}

// srNeutral clears what legitimately differs between two copies of a table.
func srNeutral(tb *schema.Table) schema.Table {
	c := *tb
	c.Schema, c.Name, c.RowsEstimate, c.DataLength = "", "", 0, 0
	return c
}

func TestSchemaReadAndCreateRoundTrip(t *testing.T) {
	e, root, src, tgt := srTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dbs, err := e.ListDatabases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(dbs, src) || !slices.Contains(dbs, tgt) || slices.Contains(dbs, "mysql") ||
		slices.Contains(dbs, "information_schema") || slices.Contains(dbs, "performance_schema") || slices.Contains(dbs, "sys") {
		t.Fatalf("ListDatabases = %v", dbs)
	}
	tables, err := e.ListTables(ctx, src)
	if err != nil || !reflect.DeepEqual(tables, srTestTables) {
		t.Fatalf("ListTables = %v, %v; want %v", tables, err, srTestTables)
	}
	views, err := e.ListViews(ctx, src)
	if err != nil || !reflect.DeepEqual(views, []string{"v_check", "v_invoker"}) {
		t.Fatalf("ListViews = %v, %v", views, err)
	}

	srCheckTypesModel(t, e, src)

	for _, deferIdx := range []bool{false, true} {
		for _, name := range tables {
			st, err := e.ReadTable(ctx, src, name)
			if err != nil {
				t.Fatalf("ReadTable %s: %v", name, err)
			}
			cp := *st
			cp.Schema, cp.Name = tgt, "copy_"+name
			if deferIdx {
				cp.Name = "deferred_" + name
			}
			if err := e.CreateTable(ctx, &cp, deferIdx); err != nil {
				t.Fatalf("CreateTable %s (defer=%v): %v\n%s", name, deferIdx, err, RenderCreateTable(&cp, deferIdx))
			}
			if deferIdx {
				mid, err := e.ReadTable(ctx, tgt, cp.Name)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(mid.PrimaryKey, st.PrimaryKey) {
					t.Errorf("%s: deferred PK %v, want %v", name, mid.PrimaryKey, st.PrimaryKey)
				}
				if len(st.Indexes) > 0 && len(mid.Indexes) >= len(st.Indexes) {
					t.Errorf("%s: deferred create kept every index: %+v", name, mid.Indexes)
				}
				for i := 0; i < 2; i++ { // the second call must be a no-op
					if err := e.CreateIndexes(ctx, &cp); err != nil {
						t.Fatalf("CreateIndexes %s (call %d): %v", name, i+1, err)
					}
				}
			}
			rt, err := e.ReadTable(ctx, tgt, cp.Name)
			if err != nil {
				t.Fatal(err)
			}
			a, b := srNeutral(st), srNeutral(rt)
			if deferIdx { // indexes added later may be listed in another order
				srSortIndexes(&a)
				srSortIndexes(&b)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s (defer=%v): copy differs\nsource: %+v\ncopy:   %+v", name, deferIdx, a, b)
			}
			if !deferIdx {
				if s, c := srShowCreate(t, root, src, name), srShowCreate(t, root, tgt, cp.Name); s != c {
					t.Errorf("%s: SHOW CREATE TABLE differs\nsource:\n%s\ncopy:\n%s", name, s, c)
				}
			}
		}
	}

	// An existing table is a conflict; a missing one is not found.
	st, err := e.ReadTable(ctx, src, "t_composite")
	if err != nil {
		t.Fatal(err)
	}
	err = e.CreateTable(ctx, st, false)
	var ee *errs.Error
	if !errors.As(err, &ee) || ee.Kind != errs.KindConflict || ee.Code != errs.CodeSchemaCreate {
		t.Fatalf("CreateTable on an existing table: %v", err)
	}
	_, err = e.ReadTable(ctx, src, "nope")
	if !errors.As(err, &ee) || ee.Kind != errs.KindNotFound || ee.Code != errs.CodeSchemaRead {
		t.Fatalf("ReadTable of a missing table: %v", err)
	}
	_, err = e.ReadTable(ctx, src, "v_check") // a view is not a table
	if !errors.As(err, &ee) || ee.Kind != errs.KindNotFound {
		t.Fatalf("ReadTable of a view: %v", err)
	}
	bad := *st
	bad.Schema, bad.Name, bad.Columns = tgt, "bad", append([]schema.Column{}, st.Columns...)
	bad.Columns[0].ColumnType = "nosuchtype"
	err = e.CreateTable(ctx, &bad, false)
	if !errors.As(err, &ee) || ee.Kind != errs.KindInternal || !strings.Contains(ee.Message, tgt+".bad") {
		t.Fatalf("CreateTable with a bad type: %v", err)
	}
}

func srSortIndexes(t *schema.Table) {
	t.Indexes = slices.Clone(t.Indexes)
	slices.SortFunc(t.Indexes, func(a, b schema.Index) int { return strings.Compare(a.Name, b.Name) })
}

// srCheckTypesModel asserts the model of t_types column by column where it matters.
func srCheckTypesModel(t *testing.T, e *Endpoint, src string) {
	t.Helper()
	tb, err := e.ReadTable(context.Background(), src, "t_types")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Engine != "InnoDB" || tb.Charset != "utf8mb4" || tb.Collation != "utf8mb4_unicode_ci" ||
		tb.Comment != "all the types" || !strings.EqualFold(tb.Options, "row_format=DYNAMIC") {
		t.Errorf("table attributes: %+v", tb)
	}
	if !reflect.DeepEqual(tb.PrimaryKey, []string{"id"}) || !reflect.DeepEqual(tb.KeyColumns(), []string{"id"}) {
		t.Errorf("PK = %v", tb.PrimaryKey)
	}
	def := func(s string) *string { return &s }
	want := map[string]schema.Column{
		"id":  {Name: "id", DataType: "int", ColumnType: "int(10) unsigned", AutoIncrement: true, Unsigned: true},
		"ti":  {Name: "ti", DataType: "tinyint", ColumnType: "tinyint(4)", Default: def("-1")},
		"bi":  {Name: "bi", DataType: "bigint", ColumnType: "bigint(20) unsigned", Nullable: true, Unsigned: true, Default: def("18446744073709551615")},
		"dtt": {Name: "dtt", DataType: "datetime", ColumnType: "datetime(6)", Default: def("current_timestamp(6)"), OnUpdate: "current_timestamp(6)"},
		"ts":  {Name: "ts", DataType: "timestamp", ColumnType: "timestamp(6)", Nullable: true, Default: def("NULL")},
		"b1":  {Name: "b1", DataType: "bit", ColumnType: "bit(1)", Nullable: true, Default: def("b'1'")},
		"en":  {Name: "en", DataType: "enum", ColumnType: "enum('a','b','c')", Default: def("'b'"), Charset: "utf8mb4", Collation: "utf8mb4_unicode_ci"},
		"ch":  {Name: "ch", DataType: "char", ColumnType: "char(10)", Nullable: true, Default: def("'it''s'"), Charset: "latin1", Collation: "latin1_swedish_ci"},
		"bl":  {Name: "bl", DataType: "blob", ColumnType: "blob", Nullable: true, Default: def("NULL")},
		"j":   {Name: "j", DataType: "json", ColumnType: "json", Nullable: true, Default: def("NULL")},
		"gv":  {Name: "gv", DataType: "int", ColumnType: "int(11)", Nullable: true, Generated: "`ti` + 1"},
		"gs":  {Name: "gs", DataType: "varchar", ColumnType: "varchar(300)", Nullable: true, Generated: "concat(`vc`,'x')", Stored: true, Charset: "utf8mb4", Collation: "utf8mb4_unicode_ci"},
		"inv": {Name: "inv", DataType: "int", ColumnType: "int(11)", Nullable: true, Default: def("7"), Invisible: true},
		"ex":  {Name: "ex", DataType: "int", ColumnType: "int(11)", Nullable: true, Default: def("(`ti` * 2)")},
		"cm":  {Name: "cm", DataType: "int", ColumnType: "int(11)", Nullable: true, Default: def("NULL"), Comment: `it's "quoted"`},
	}
	for name, w := range want {
		c := tb.Column(name)
		if c == nil {
			t.Errorf("column %s missing", name)
			continue
		}
		if !reflect.DeepEqual(*c, w) {
			t.Errorf("column %s:\n got %+v\nwant %+v", name, srColString(*c), srColString(w))
		}
	}
	wantIdx := []schema.Index{
		{Name: "uk_vc", Unique: true, Kind: "BTREE", Parts: []schema.IndexPart{{Column: "vc", Length: 100}}},
		{Name: "ix_pref", Kind: "BTREE", Parts: []schema.IndexPart{{Column: "vc", Length: 10, Desc: true}, {Column: "ti"}}},
		{Name: "ix_gv", Kind: "BTREE", Parts: []schema.IndexPart{{Column: "gv"}}},
		{Name: "ft_tx", Kind: "FULLTEXT", Parts: []schema.IndexPart{{Column: "tx"}, {Column: "mt"}}, Comment: "full text"},
	}
	sorted := &schema.Table{Indexes: tb.Indexes}
	srSortIndexes(sorted)
	w := &schema.Table{Indexes: wantIdx}
	srSortIndexes(w)
	if !reflect.DeepEqual(sorted.Indexes, w.Indexes) {
		t.Errorf("indexes:\n got %+v\nwant %+v", sorted.Indexes, w.Indexes)
	}
}

func srColString(c schema.Column) string {
	d := "<nil>"
	if c.Default != nil {
		d = *c.Default
	}
	c.Default = nil
	return fmt.Sprintf("%+v default=%s", c, d)
}

func TestSchemaViewsAndTableOps(t *testing.T) {
	e, root, src, tgt := srTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	for _, name := range []string{"v_check", "v_invoker"} {
		v, err := e.ReadView(ctx, src, name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v.Definition, sqlval.QuoteIdent(src)+".") {
			t.Fatalf("view definition %q does not name the source database", v.Definition)
		}
		wantCheck, wantSec := "NONE", "INVOKER"
		if name == "v_check" {
			wantCheck, wantSec = "CASCADED", "DEFINER"
		}
		if v.CheckOption != wantCheck || v.Security != wantSec {
			t.Fatalf("%s: check %q security %q", name, v.CheckOption, v.Security)
		}
		// The caller rewrites names; the tables must exist in the target first.
		for _, tn := range []string{"t_composite", "t_types"} {
			st, err := e.ReadTable(ctx, src, tn)
			if err != nil {
				t.Fatal(err)
			}
			st.Schema = tgt
			if err := e.CreateTable(ctx, st, false); err != nil && errs.As(err).Kind != errs.KindConflict {
				t.Fatal(err)
			}
		}
		cv := *v
		cv.Schema = tgt
		cv.Definition = strings.ReplaceAll(v.Definition, sqlval.QuoteIdent(src)+".", sqlval.QuoteIdent(tgt)+".")
		for i := 0; i < 2; i++ { // CREATE OR REPLACE: repeatable
			if err := e.CreateView(ctx, &cv); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.ReadView(ctx, tgt, name)
		if err != nil {
			t.Fatal(err)
		}
		if got.Definition != cv.Definition || got.CheckOption != v.CheckOption || got.Security != v.Security {
			t.Fatalf("view copy %+v, want %+v", got, cv)
		}
	}
	if _, err := e.ReadView(ctx, src, "t_types"); errs.As(err).Kind != errs.KindNotFound {
		t.Fatalf("ReadView of a table: %v", err)
	}

	// TableExists and TruncateTable.
	check := func(name string, wantExists, wantRows bool) {
		t.Helper()
		ex, rows, err := e.TableExists(ctx, tgt, name)
		if err != nil || ex != wantExists || rows != wantRows {
			t.Fatalf("TableExists(%s) = %v, %v, %v; want %v, %v", name, ex, rows, err, wantExists, wantRows)
		}
	}
	check("t_composite", true, false)
	check("nope", false, false)
	check("v_check", true, false)
	if _, err := root.ExecContext(ctx, "INSERT INTO "+sqlval.QuoteTable(tgt, "t_composite")+" VALUES (1,'a',1,1),(2,'b',2,2)"); err != nil {
		t.Fatal(err)
	}
	check("t_composite", true, true)
	if err := e.TruncateTable(ctx, tgt, "t_composite"); err != nil {
		t.Fatal(err)
	}
	check("t_composite", true, false)

	// CreateDatabase is IF NOT EXISTS and applies charset and collation.
	db := testenv.UniqueName("cdb")
	t.Cleanup(func() { root.Exec("DROP DATABASE IF EXISTS " + sqlval.QuoteIdent(db)) })
	for i := 0; i < 2; i++ {
		if err := e.CreateDatabase(ctx, db, "latin1", "latin1_bin"); err != nil {
			t.Fatal(err)
		}
	}
	var cs, coll string
	if err := root.QueryRowContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", db).
		Scan(&cs, &coll); err != nil || cs != "latin1" || coll != "latin1_bin" {
		t.Fatalf("database charset %q collation %q, %v", cs, coll, err)
	}
	if err := e.CreateDatabase(ctx, testenv.UniqueName("cdb"), "x; DROP DATABASE mysql", ""); err == nil {
		t.Fatal("CreateDatabase accepted a bogus charset")
	}
}
