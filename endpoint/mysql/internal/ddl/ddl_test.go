package ddl

import (
	"strings"
	"testing"

	"github.com/godwit/godwit/schema"
)

func ddlStr(s string) *string { return &s }

func ddlTestTable() *schema.Table {
	return &schema.Table{
		Schema: "tgt", Name: "order`s",
		Columns: []schema.Column{
			{Name: "id", DataType: "bigint", ColumnType: "bigint(20) unsigned", Unsigned: true, AutoIncrement: true},
			{Name: "code", DataType: "varchar", ColumnType: "varchar(20)", Charset: "latin1", Collation: "latin1_bin",
				Nullable: true, Default: ddlStr("'x''y'"), Comment: "it's"},
			{Name: "ts", DataType: "datetime", ColumnType: "datetime(6)", Default: ddlStr("current_timestamp(6)"),
				OnUpdate: "current_timestamp(6)"},
			{Name: "n", DataType: "int", ColumnType: "int(11)", Nullable: true, Default: ddlStr("NULL")},
			{Name: "g", DataType: "int", ColumnType: "int(11)", Nullable: true, Generated: "`n` + 1", Stored: true},
			{Name: "v", DataType: "int", ColumnType: "int(11)", Nullable: true, Generated: "`n` * 2"},
			{Name: "h", DataType: "int", ColumnType: "int(11)", Nullable: true, Invisible: true, Default: ddlStr("rand() * 10")},
			{Name: "body", DataType: "text", ColumnType: "text", Nullable: true},
			{Name: "doc", DataType: "json", ColumnType: "json", Nullable: true},
		},
		PrimaryKey: []string{"id", "ts"},
		Indexes: []schema.Index{
			{Name: "uk_code", Unique: true, Kind: "BTREE", Parts: []schema.IndexPart{{Column: "code"}}},
			{Name: "ix_pref", Kind: "BTREE", Parts: []schema.IndexPart{{Column: "code", Length: 4, Desc: true}, {Column: "n"}},
				Comment: "pref"},
			{Name: "ft", Kind: "FULLTEXT", Parts: []schema.IndexPart{{Column: "body"}}},
			{Name: "hx", Kind: "HASH", Unique: true, Parts: []schema.IndexPart{{Column: "body"}}},
		},
		Engine: "InnoDB", Charset: "utf8mb4", Collation: "utf8mb4_unicode_ci", Comment: "orders' table",
		Options: "row_format=DYNAMIC",
	}
}

func TestRenderCreateTable(t *testing.T) {
	got := RenderCreateTable(ddlTestTable(), false)
	want := "CREATE TABLE `tgt`.`order``s` (\n" +
		"  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n" +
		"  `code` varchar(20) CHARACTER SET latin1 COLLATE latin1_bin NULL DEFAULT 'x''y' COMMENT 'it\\'s',\n" +
		"  `ts` datetime(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6),\n" +
		"  `n` int(11) NULL DEFAULT NULL,\n" +
		"  `g` int(11) GENERATED ALWAYS AS (`n` + 1) STORED,\n" +
		"  `v` int(11) GENERATED ALWAYS AS (`n` * 2) VIRTUAL,\n" +
		"  `h` int(11) NULL DEFAULT (rand() * 10) INVISIBLE,\n" +
		"  `body` text NULL,\n" +
		"  `doc` json NULL,\n" +
		"  PRIMARY KEY (`id`,`ts`),\n" +
		"  UNIQUE KEY `uk_code` (`code`),\n" +
		"  KEY `ix_pref` (`code`(4) DESC,`n`) COMMENT 'pref',\n" +
		"  FULLTEXT KEY `ft` (`body`),\n" +
		"  UNIQUE KEY `hx` (`body`) USING HASH\n" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci row_format=DYNAMIC COMMENT='orders\\' table'"
	if got != want {
		t.Fatalf("RenderCreateTable:\n%s\nwant:\n%s", got, want)
	}
}

func TestRenderCreateTableDeferred(t *testing.T) {
	// With a primary key led by the AUTO_INCREMENT column, only the PK stays.
	got := RenderCreateTable(ddlTestTable(), true)
	if strings.Contains(got, "KEY `") || !strings.Contains(got, "PRIMARY KEY (`id`,`ts`)") {
		t.Fatalf("deferred DDL keeps secondary indexes or lost the PK:\n%s", got)
	}

	// Without a PK the unique key KeyColumns picks is kept (a nullable unique is not).
	nopk := &schema.Table{Schema: "d", Name: "t",
		Columns: []schema.Column{{Name: "a", ColumnType: "int", Nullable: true}, {Name: "b", ColumnType: "int"},
			{Name: "c", ColumnType: "int"}},
		Indexes: []schema.Index{
			{Name: "u_a", Unique: true, Parts: []schema.IndexPart{{Column: "a"}}},
			{Name: "k_c", Parts: []schema.IndexPart{{Column: "c"}}},
			{Name: "u_bc", Unique: true, Parts: []schema.IndexPart{{Column: "b"}, {Column: "c"}}},
		}}
	got = RenderCreateTable(nopk, true)
	if !strings.Contains(got, "UNIQUE KEY `u_bc` (`b`,`c`)") || strings.Contains(got, "u_a") || strings.Contains(got, "k_c") {
		t.Fatalf("deferred DDL without PK:\n%s", got)
	}

	// An AUTO_INCREMENT column that does not lead the PK keeps the index it leads.
	ai := &schema.Table{Schema: "d", Name: "t",
		Columns: []schema.Column{{Name: "a", ColumnType: "int"}, {Name: "seq", ColumnType: "int", AutoIncrement: true},
			{Name: "c", ColumnType: "int", Nullable: true}},
		PrimaryKey: []string{"a", "seq"},
		Indexes: []schema.Index{
			{Name: "k_c", Parts: []schema.IndexPart{{Column: "c"}}},
			{Name: "k_seq", Parts: []schema.IndexPart{{Column: "seq"}}},
		}}
	got = RenderCreateTable(ai, true)
	if !strings.Contains(got, "KEY `k_seq` (`seq`)") || strings.Contains(got, "k_c") {
		t.Fatalf("deferred DDL must keep the AUTO_INCREMENT key:\n%s", got)
	}
}

func TestDDLDefault(t *testing.T) {
	cases := map[string]string{
		"NULL": "NULL", "5": "5", "-1.5e3": "-1.5e3", "'a''b'": "'a''b'", `'a\'b'`: `'a\'b'`,
		"b'101'": "b'101'", "0x1F": "0x1F", "current_timestamp()": "current_timestamp()",
		"current_timestamp(6)": "current_timestamp(6)", "_utf8mb4'x'": "_utf8mb4'x'",
		"'a' + 'b'": "('a' + 'b')", "`a` + 1": "(`a` + 1)", "uuid()": "(uuid())", "(1)": "(1)",
		"(1) + (2)": "((1) + (2))", "nan": "(nan)", "'x') , y ('": "('x') , y (')",
	}
	for in, want := range cases {
		if got := ddlDefault(in); got != want {
			t.Errorf("ddlDefault(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDDLWordQuotesOddNames(t *testing.T) {
	if got := Word("utf8mb4_bin"); got != "utf8mb4_bin" {
		t.Fatal(got)
	}
	if got := Word("x; DROP TABLE y"); got != "'x; DROP TABLE y'" {
		t.Fatal(got)
	}
}
