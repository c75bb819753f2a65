package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func openPG(t *testing.T, opts map[string]string) (*Endpoint, *testenv.Postgres, string) {
	t.Helper()
	pg := testenv.SharedPostgres(t, "pgunit")
	db := testenv.NewPostgresDatabase(t, pg, "ep")
	ds := pg.DataSource("pg")
	ds.Options = map[string]string{OptDatabase: db}
	for k, v := range opts {
		ds.Options[k] = v
	}
	e, err := OpenPostgres(context.Background(), ds, endpoint.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, pg, db
}

func TestOptionsRefused(t *testing.T) {
	for opts, field := range map[string]string{"typeMapping.enum=set": "options.typeMapping.enum", "typeMapping.bogus=x": "options.typeMapping.bogus",
		"sslmode=maybe": "options.sslmode"} {
		k, v, _ := strings.Cut(opts, "=")
		err := CheckOptions(model.DataSource{Type: model.TypePostgreSQL, Options: map[string]string{k: v}})
		e := errs.As(err)
		if err == nil || e.Code != errs.CodeParam || e.Params["field"] != field {
			t.Errorf("%s: %v, want PARAM_ERROR naming %s", opts, err, field)
		}
	}
	if err := CheckOptions(model.DataSource{Options: map[string]string{OptTinyint1: "boolean", OptEnum: "enum", OptDatabase: "x"}}); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
}

func strp(s string) *string { return &s }

// kv is the MySQL-typed table the tests write.
func kv(schemaName string) *schema.Table {
	return &schema.Table{Schema: schemaName, Name: "kv", Columns: []schema.Column{
		{Name: "id", DataType: "int", ColumnType: "int(11)", AutoIncrement: true},
		{Name: "email", DataType: "varchar", ColumnType: "varchar(50)"},
		{Name: "flag", DataType: "tinyint", ColumnType: "tinyint(1)", Nullable: true, Default: strp("1")},
		{Name: "color", DataType: "enum", ColumnType: "enum('red','green')", Nullable: true},
		{Name: "amount", DataType: "decimal", ColumnType: "decimal(12,2)", Nullable: true, Default: strp("0.00")},
	}, PrimaryKey: []string{"id"}, Indexes: []schema.Index{{Name: "uk_email", Unique: true, Parts: []schema.IndexPart{{Column: "email"}}}}}
}

func TestApplyAndDDL(t *testing.T) {
	ctx := context.Background()
	e, _, _ := openPG(t, map[string]string{OptTinyint1: "boolean", OptEnum: "enum"})
	if err := e.CreateDatabase(ctx, "app", "", ""); err != nil {
		t.Fatal(err)
	}
	tb := kv("app")
	if err := e.CreateTable(ctx, tb, false); err != nil {
		t.Fatal(err)
	}
	cols := []string{"id", "email", "flag", "color", "amount"}
	ins := func(id int64, email string) endpoint.RowChange {
		return endpoint.RowChange{Op: change.OpInsert, Table: tb, Key: []string{"id"}, Cols: cols,
			After: change.Row{id, []byte(email), int64(1), []byte("red"), []byte("1.50")}}
	}
	cp := func(seq uint64) endpoint.Checkpoint {
		return endpoint.Checkpoint{Worker: 0, Seq: seq, Pos: "p", Time: 1}
	}
	b := &endpoint.ApplyBatch{Schema: "gwck", Stream: "s1", CP: cp(1), Safe: true, Changes: []endpoint.RowChange{ins(1, "a@x"), ins(2, "b@x"),
		// the unique email moves from row 1 to a new row 3 (REPLACE semantics clear row 1)
		ins(3, "a@x"),
		{Op: change.OpUpdate, Table: tb, Key: []string{"id"}, Cols: cols, Before: change.Row{int64(2), []byte("b@x"), int64(1), []byte("red"), []byte("1.50")},
			After: change.Row{int64(20), []byte("b@x"), int64(0), nil, []byte("-2.25")}}}}
	if _, err := e.LoadCheckpoints(ctx, "gwck", "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	got := dump(t, e, "SELECT id || ':' || email || ':' || coalesce(flag::text, 'null') || ':' || coalesce(color::text, 'null') || ':' || amount FROM app.kv ORDER BY id")
	if want := "3:a@x:true:red:1.50,20:b@x:false:null:-2.25"; got != want {
		t.Fatalf("after apply: %s, want %s", got, want)
	}
	cps, err := e.LoadCheckpoints(ctx, "gwck", "s1")
	if err != nil || len(cps) != 1 || cps[0].Seq != 1 {
		t.Fatalf("checkpoints %+v %v", cps, err)
	}
	// Strict policy: a duplicate insert is a conflict; stop rolls the whole batch back,
	// data and checkpoint.
	sb := &endpoint.ApplyBatch{Schema: "gwck", Stream: "s1", CP: cp(2), Policy: "stop", Changes: []endpoint.RowChange{ins(7, "c@x"), ins(3, "d@x")}}
	if _, err := e.Apply(ctx, sb); errs.As(err).Code != errs.CodeIncrConflict {
		t.Fatalf("stop policy: %v, want %s", err, errs.CodeIncrConflict)
	}
	if got := dump(t, e, "SELECT count(*)::text FROM app.kv WHERE id = 7"); got != "0" {
		t.Fatalf("a batch that met a conflict under stop left row 7 behind")
	}
	sb.Policy = "ignore"
	res, err := e.Apply(ctx, sb)
	if err != nil || res.Conflicts != 1 {
		t.Fatalf("ignore policy: %+v %v", res, err)
	}
	// The identity continues past the applied ids.
	if got := dump(t, e, "INSERT INTO app.kv (email) VALUES ('new@x') RETURNING (id > 20)::text"); got != "true" {
		t.Errorf("identity after apply: %s", got)
	}
	// A boolean mapping refuses TINYINT(1) values other than 0/1, naming the row.
	bad := ins(9, "z@x")
	bad.After[2] = int64(2)
	_, err = e.Apply(ctx, &endpoint.ApplyBatch{Schema: "gwck", Stream: "s1", CP: cp(3), Safe: true, Changes: []endpoint.RowChange{bad}})
	if err == nil || !strings.Contains(err.Error(), "flag") || !strings.Contains(errs.As(err).Advice, OptTinyint1) {
		t.Errorf("TINYINT(1)=2 into boolean: %v", err)
	}

	// DDL translation: every statement runs, twice (a re-run after a crash converges).
	for _, q := range []string{
		"ALTER TABLE `app`.`kv` ADD COLUMN `note` varchar(20) NOT NULL DEFAULT 'n/a', ADD INDEX `idx_note` (`note`)",
		"ALTER TABLE `app`.`kv` MODIFY COLUMN `amount` decimal(20,4) NULL",
		"ALTER TABLE `app`.`kv` CHANGE COLUMN `note` `remark` varchar(40) NULL",
		"ALTER TABLE `app`.`kv` DROP COLUMN `flag`",
		"CREATE TABLE `app`.`t2` (`k` bigint unsigned NOT NULL, `v` json, `at` datetime(3), PRIMARY KEY (`k`))",
		"RENAME TABLE `app`.`t2` TO `app`.`t3`",
		"TRUNCATE TABLE `app`.`t3`",
		"ALTER TABLE `app`.`t3` ADD COLUMN `e` enum('x','y') NULL, ADD INDEX `idx_at` (`at`)",
		"ALTER TABLE `app`.`t3` RENAME TO `app`.`t4`",
		"ALTER TABLE `app`.`t4` MODIFY COLUMN `e` enum('x','y','z') NULL",
		"ALTER TABLE `app`.`t4` DROP INDEX `idx_at`",
	} {
		for i := 0; i < 2; i++ {
			if err := e.ExecDDL(ctx, q); err != nil {
				t.Fatalf("%s (run %d): %v", q, i+1, err)
			}
		}
	}
	got = dump(t, e, `SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 'kv'`)
	if want := "id integer NO,email character varying NO,color USER-DEFINED YES,amount numeric YES,remark character varying YES"; got != want {
		t.Errorf("kv columns after DDL: %s\nwant %s", got, want)
	}
	if got := dump(t, e, `SELECT numeric_scale::text FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 'kv' AND column_name = 'amount'`); got != "4" {
		t.Errorf("amount scale %s after MODIFY, want 4", got)
	}
	if got := dump(t, e, `SELECT string_agg(indexname, ',') FROM pg_indexes WHERE schemaname = 'app' AND tablename = 't4'`); got != "t4_pkey" {
		t.Errorf("t4 indexes after rename and DROP INDEX: %s, want only t4_pkey", got)
	}
	// The renamed table's enum CHECK follows the MODIFY: 'z' is accepted.
	if _, err := e.pool.Exec(ctx, `INSERT INTO app.t4 (k, e) VALUES (1, 'z')`); err != nil {
		t.Errorf("enum member added after a rename: %v", err)
	}
	if err := e.ExecDDL(ctx, "ALTER TABLE `app`.`kv` ENGINE=MyISAM"); !errors.Is(err, endpoint.ErrUntranslatable) {
		t.Errorf("untranslatable DDL: %v, want ErrUntranslatable", err)
	}
}

func dump(t *testing.T, e *Endpoint, q string) string {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return strings.Join(out, ",")
}

// TestViews: a MySQL view definition is created with quoted identifiers; one PostgreSQL
// refuses is reported with endpoint.ErrUntranslatable (STRUCT_TRANSFER logs it and goes on).
func TestViews(t *testing.T) {
	ctx := context.Background()
	e, _, _ := openPG(t, nil)
	if err := e.CreateDatabase(ctx, "app", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateTable(ctx, kv("app"), true); err != nil {
		t.Fatal(err)
	}
	ok := &schema.View{Schema: "app", Name: "v_ok", Definition: "select `k`.`id` AS `id`,`k`.`email` AS `Email` from `app`.`kv` `k` where (`k`.`amount` > 0)"}
	if err := e.CreateView(ctx, ok); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, e, `SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 'v_ok'`); got != "id,Email" {
		t.Errorf("view columns %s", got)
	}
	bad := &schema.View{Schema: "app", Name: "v_bad", Definition: "select ifnull(`k`.`amount`, 0) AS `a` from `app`.`kv` `k`"}
	if err := e.CreateView(ctx, bad); !errors.Is(err, endpoint.ErrUntranslatable) {
		t.Errorf("untranslatable view: %v", err)
	}
	if k, _ := e.ObjectKind(ctx, "app", "v_bad"); k != endpoint.ObjectAbsent {
		t.Errorf("v_bad is %q", k)
	}
}
