package postgres

import (
	"strings"
	"testing"

	"github.com/godwit/godwit/schema"
)

// TestTypeMapping pins the documented mapping (docs/POSTGRESQL.md) for every choice.
func TestTypeMapping(t *testing.T) {
	def, _ := parseMapping(nil)
	alt, _ := parseMapping(map[string]string{OptTinyint1: "boolean", OptEnum: "enum", OptJSON: "json", OptTime: "time"})
	tb := &schema.Table{Schema: "app", Name: "t"}
	for _, c := range []struct {
		dt, ct   string
		unsigned bool
		want     string
		altWant  string
	}{
		{"tinyint", "tinyint(1)", false, "smallint", "boolean"},
		{"tinyint", "tinyint(3) unsigned", true, "smallint", "smallint"},
		{"smallint", "smallint(5) unsigned", true, "integer", "integer"},
		{"mediumint", "mediumint(8) unsigned", true, "integer", "integer"},
		{"int", "int(10) unsigned", true, "bigint", "bigint"},
		{"bigint", "bigint(20) unsigned", true, "numeric(20,0)", "numeric(20,0)"},
		{"decimal", "decimal(65,30)", false, "numeric(65,30)", "numeric(65,30)"},
		{"float", "float", false, "real", "real"},
		{"double", "double", false, "double precision", "double precision"},
		{"datetime", "datetime(6)", false, "timestamp(6) without time zone", "timestamp(6) without time zone"},
		{"timestamp", "timestamp(3)", false, "timestamp(3) with time zone", "timestamp(3) with time zone"},
		{"time", "time(6)", false, "interval(6)", "time(6) without time zone"},
		{"year", "year(4)", false, "smallint", "smallint"},
		{"bit", "bit(64)", false, "bit(64)", "bit(64)"},
		{"enum", "enum('a','b''c')", false, "text", `"app"."t_c_enum"`},
		{"set", "set('x','y')", false, "text", "text"},
		{"char", "char(10)", false, "varchar(10)", "varchar(10)"},
		{"longtext", "longtext", false, "text", "text"},
		{"varbinary", "varbinary(16)", false, "bytea", "bytea"},
		{"json", "json", false, "jsonb", "json"},
	} {
		col := schema.Column{Name: "c", DataType: c.dt, ColumnType: c.ct, Unsigned: c.unsigned, Nullable: true}
		for _, m := range []struct {
			m    Mapping
			want string
		}{{def, c.want}, {alt, c.altWant}} {
			cm, err := translateColumn(tb, &col, m.m)
			if err != nil || cm.PGType != m.want {
				t.Errorf("%s under %+v: %q %v, want %q", c.ct, m.m, cm.PGType, err, m.want)
			}
		}
	}
	col := schema.Column{Name: "c", DataType: "enum", ColumnType: "enum('a','b''c')"}
	cm, _ := translateColumn(tb, &col, def)
	if cm.Check != `"c" IN ('', 'a', 'b''c')` {
		t.Errorf("enum check %q", cm.Check)
	}
	if _, err := translateColumn(tb, &schema.Column{Name: "u", DataType: "inet6", ColumnType: "inet6"}, def); err == nil {
		t.Error("inet6 mapped")
	}
	gen := &schema.Table{Schema: "app", Name: "g", Columns: []schema.Column{{Name: "a", DataType: "int", ColumnType: "int(11)"},
		{Name: "b", DataType: "bigint", ColumnType: "bigint(20)", Generated: "`a` + 1", Stored: false}}}
	e := &Endpoint{m: def}
	stmts, err := e.CreateTableSQL(gen, true)
	if err != nil || !strings.Contains(strings.Join(stmts, ";"), `GENERATED ALWAYS AS (("a")::numeric + 1) STORED`) {
		t.Errorf("generated column: %v %v", stmts, err)
	}
}
