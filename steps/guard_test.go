package steps_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/steps"
	"github.com/godwit/godwit/testenv"
)

// rig runs steps directly (no engine, no service: as if precheck had been skipped or the
// project created around the API) against one real MariaDB serving as source and target.
type rig struct {
	t        *testing.T
	ctx      context.Context
	m        *testenv.MariaDB
	root     *sql.DB
	store    *sqlite.Store
	src, dst *mysql.Endpoint
	sds, dds model.DataSource
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	m := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	root, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, t.TempDir()+"/meta.db", box, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := &rig{t: t, ctx: ctx, m: m, root: root, store: store, sds: m.DataSource("src"), dds: m.DataSource("dst")}
	for _, ds := range []*model.DataSource{&r.sds, &r.dds} {
		if err := store.CreateDataSource(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	if r.src, err = mysql.OpenMySQL(ctx, r.sds, endpoint.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.src.Close() })
	if r.dst, err = mysql.OpenMySQL(ctx, r.dds, endpoint.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.dst.Close() })
	return r
}

func (r *rig) exec(qs ...string) {
	r.t.Helper()
	for _, q := range qs {
		if _, err := r.root.ExecContext(r.ctx, q); err != nil {
			r.t.Fatalf("%s: %v", q, err)
		}
	}
}

// rows returns the rows of q rendered "id:v", in order.
func (r *rig) rows(q string) []string {
	r.t.Helper()
	rs, err := r.root.QueryContext(r.ctx, q)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var id, v string
		if err := rs.Scan(&id, &v); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, id+":"+v)
	}
	return out
}

// project stores a project (not validated: the service would refuse some of these) and
// returns it with its steps.
func (r *rig) project(dbs []model.DbObject, full, verify bool) (*model.Project, []model.Step) {
	r.t.Helper()
	p := &model.Project{ID: model.NewID("np"), Name: "guard", SourceEndpointID: r.sds.ID, SinkEndpointID: r.dds.ID,
		TransferMapping:      model.TransferMapping{Databases: dbs},
		EnableStructTransfer: full, EnableFullTransfer: full, EnableFullVerify: verify, Status: model.StatusInit}
	p.ApplyDefaults()
	var list []model.Step
	for i, n := range p.EnabledSteps() {
		list = append(list, model.Step{ProjectID: p.ID, Order: i + 1, Name: n, Status: model.StepInit})
	}
	if err := r.store.CreateProject(r.ctx, p, list); err != nil {
		r.t.Fatal(err)
	}
	return p, list
}

func (r *rig) run(p *model.Project, list []model.Step, name model.StepName) (*model.Step, error) {
	r.t.Helper()
	for i := range list {
		if list[i].Name == name {
			env := &steps.Env{Project: p, Store: r.store, Log: slog.New(slog.DiscardHandler), SourceDS: r.sds, SinkDS: r.dds,
				Source: r.src, Sink: r.dst, Now: time.Now, Step: &list[i], DataDir: r.t.TempDir()}
			return &list[i], steps.Registry()[name](r.ctx, env)
		}
	}
	r.t.Fatalf("project has no step %s", name)
	return nil, nil
}

func (r *rig) precheckItems(p *model.Project) map[string]endpoint.CheckItem {
	r.t.Helper()
	b, err := r.store.GetState(r.ctx, p.ID, state.Precheck)
	if err != nil {
		r.t.Fatal(err)
	}
	var items []endpoint.CheckItem
	if err := json.Unmarshal(b, &items); err != nil {
		r.t.Fatal(err)
	}
	out := map[string]endpoint.CheckItem{}
	for _, it := range items {
		out[it.Name] = it
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code string, msgHas ...string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != code {
		t.Fatalf("%s: error %v, want code %s", what, err, code)
	}
	for _, m := range msgHas {
		if !strings.Contains(e.Message, m) {
			t.Errorf("%s: message %q does not mention %q", what, e.Message, m)
		}
	}
}

// TestTargetViewIsNeverWritten maps a source table onto a target VIEW over a non-empty base
// table whose row shares a key with the source: precheck FAILS (not an ALARM), and with
// precheck skipped STRUCT_TRANSFER and FULL_TRANSFER still refuse before writing, so the
// target-only row is untouched and nothing lands in the base table.
func TestTargetViewIsNeverWritten(t *testing.T) {
	r := newRig(t)
	r.exec("CREATE DATABASE gs", "CREATE DATABASE gt",
		"CREATE TABLE gs.t (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO gs.t VALUES (1, 'src-1'), (2, 'src-2')",
		"CREATE TABLE gt.base (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO gt.base VALUES (2, 'target-only')",
		"CREATE VIEW gt.t AS SELECT id, v FROM gt.base")
	p, list := r.project([]model.DbObject{{Name: "gs", MappedName: "gt", Tables: []model.TableObject{{Name: "t"}}}}, true, false)

	_, err := r.run(p, list, model.StepPrecheck)
	wantCode(t, "precheck", err, errs.CodePrecheckFailed, "TARGET_OBJECT_TYPE")
	items := r.precheckItems(p)
	if it := items["TARGET_OBJECT_TYPE"]; it.Status != endpoint.CheckFailed || it.Skippable || !strings.Contains(it.Message, "gt.t is a VIEW") {
		t.Errorf("TARGET_OBJECT_TYPE = %+v", it)
	}
	if it := items["TARGET_OBJECTS"]; strings.Contains(it.Message, "gt.t") {
		t.Errorf("TARGET_OBJECTS counts the view as a kept table: %+v", it)
	}

	_, err = r.run(p, list, model.StepStruct)
	wantCode(t, "STRUCT_TRANSFER", err, errs.CodeTargetObject, "gt.t is a VIEW", "not a base table")
	_, err = r.run(p, list, model.StepFull)
	wantCode(t, "FULL_TRANSFER", err, errs.CodeTargetObject, "gt.t is a VIEW")
	if got := r.rows("SELECT id, v FROM gt.base ORDER BY id"); strings.Join(got, ",") != "2:target-only" {
		t.Fatalf("target base table rows = %v, want only the target-only row 2:target-only", got)
	}

	// A view created after precheck (between the steps) is caught the same way.
	r.exec("CREATE DATABASE gt2", "CREATE TABLE gt2.base (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO gt2.base VALUES (7, 'kept')")
	p2, list2 := r.project([]model.DbObject{{Name: "gs", MappedName: "gt2", Tables: []model.TableObject{{Name: "t"}}}}, true, false)
	if _, err := r.run(p2, list2, model.StepPrecheck); err != nil {
		t.Fatalf("precheck of an absent target: %v", err)
	}
	r.exec("CREATE VIEW gt2.t AS SELECT id, v FROM gt2.base")
	_, err = r.run(p2, list2, model.StepFull)
	wantCode(t, "FULL_TRANSFER after the view appeared", err, errs.CodeTargetObject, "gt2.t is a VIEW")
	if got := r.rows("SELECT id, v FROM gt2.base ORDER BY id"); strings.Join(got, ",") != "7:kept" {
		t.Fatalf("gt2.base rows = %v", got)
	}

	// A mapped view whose target name is a base table: refused before CREATE OR REPLACE VIEW.
	r.exec("CREATE VIEW gs.sv AS SELECT id FROM gs.t", "CREATE TABLE gt2.sv (id INT PRIMARY KEY)", "INSERT INTO gt2.sv VALUES (5)")
	p3, list3 := r.project([]model.DbObject{{Name: "gs", MappedName: "gt2", Views: []model.TableObject{{Name: "sv"}}}}, true, false)
	_, err = r.run(p3, list3, model.StepPrecheck)
	wantCode(t, "precheck of a view onto a table", err, errs.CodePrecheckFailed, "gt2.sv is a BASE TABLE on the target, not a view")
	_, err = r.run(p3, list3, model.StepStruct)
	wantCode(t, "STRUCT_TRANSFER of a view onto a table", err, errs.CodeTargetObject, "not a view")
	if got := r.rows("SELECT id, id FROM gt2.sv"); strings.Join(got, ",") != "5:5" {
		t.Fatalf("gt2.sv rows = %v", got)
	}

	// A source view listed under tables is named for what it is.
	p4, list4 := r.project([]model.DbObject{{Name: "gs", MappedName: "gt3", Tables: []model.TableObject{{Name: "sv"}}}}, true, false)
	_, err = r.run(p4, list4, model.StepPrecheck)
	wantCode(t, "precheck of a source view as a table", err, errs.CodePrecheckFailed, "gs.sv is a VIEW, listed under tables")
	_, err = r.run(p4, list4, model.StepFull)
	wantCode(t, "FULL_TRANSFER of a source view as a table", err, errs.CodeSchemaRead, "gs.sv is a VIEW")
}

// TestSystemSchemaTargetsAreRefused maps a table onto mysql.user and into the checkpoint
// schema in projects stored around the API's validation: precheck FAILS and the copy
// refuses; the privilege table is unchanged.
func TestSystemSchemaTargetsAreRefused(t *testing.T) {
	r := newRig(t)
	r.exec("CREATE DATABASE ss", "CREATE TABLE ss.accounts (User CHAR(80) PRIMARY KEY, Host CHAR(60))",
		"INSERT INTO ss.accounts VALUES ('intruder', '%')")
	before := r.rows("SELECT User, Host FROM mysql.global_priv ORDER BY User, Host")
	for _, target := range []model.DbObject{
		{Name: "ss", MappedName: "mysql", Tables: []model.TableObject{{Name: "accounts", MappedName: "user"}}},
		{Name: "ss", MappedName: "godwit", Tables: []model.TableObject{{Name: "accounts", MappedName: "checkpoint"}}},
	} {
		p, list := r.project([]model.DbObject{target}, true, false)
		_, err := r.run(p, list, model.StepPrecheck)
		wantCode(t, "precheck onto "+target.MappedName, err, errs.CodePrecheckFailed, "TARGET_SYSTEM_SCHEMA")
		if it := r.precheckItems(p)["TARGET_SYSTEM_SCHEMA"]; it.Status != endpoint.CheckFailed || !strings.Contains(it.Message, target.MappedName) {
			t.Errorf("TARGET_SYSTEM_SCHEMA = %+v", it)
		}
		_, err = r.run(p, list, model.StepStruct)
		wantCode(t, "STRUCT_TRANSFER onto "+target.MappedName, err, errs.CodeTargetObject, target.MappedName)
		_, err = r.run(p, list, model.StepFull)
		wantCode(t, "FULL_TRANSFER onto "+target.MappedName, err, errs.CodeTargetObject, target.MappedName)
	}
	if after := r.rows("SELECT User, Host FROM mysql.global_priv ORDER BY User, Host"); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("mysql.global_priv changed: %v → %v", before, after)
	}
	if n := r.rows("SELECT SCHEMA_NAME, SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'godwit'"); len(n) != 0 {
		t.Fatalf("the checkpoint schema was created by a copy: %v", n)
	}
}

// TestVerificationOfUncomparableTablesIsNotConsistent verifies a table whose target is
// missing, one whose target is a view and one that matches: FULL_VERIFIER finishes
// INCONSISTENT, its message lists both uncomparable tables with the reason, and their table
// states carry the result type with compared=false.
func TestVerificationOfUncomparableTablesIsNotConsistent(t *testing.T) {
	r := newRig(t)
	r.exec("CREATE DATABASE vs", "CREATE DATABASE vt",
		"CREATE TABLE vs.missing (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO vs.missing VALUES (1, 'a')",
		"CREATE TABLE vs.viewed (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO vs.viewed VALUES (1, 'a')",
		"CREATE TABLE vs.same (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO vs.same VALUES (1, 'a')",
		"CREATE TABLE vt.same (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO vt.same VALUES (1, 'a')",
		"CREATE TABLE vt.under (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO vt.under VALUES (1, 'a')",
		"CREATE VIEW vt.viewed AS SELECT id, v FROM vt.under")
	p, list := r.project([]model.DbObject{{Name: "vs", MappedName: "vt"}}, false, true)
	st, err := r.run(p, list, model.StepFullVerify)
	if err != nil {
		t.Fatal(err)
	}
	if st.Info.VerifyResult != steps.ResultInconsistent {
		t.Fatalf("verifyResult = %q, want INCONSISTENT", st.Info.VerifyResult)
	}
	for _, m := range []string{"2 tables could not be compared", "vs.missing (target table vt.missing does not exist: no object of that name)",
		"vs.viewed (target table vt.viewed does not exist: it is a VIEW, not a base table)"} {
		if !strings.Contains(st.Info.Message, m) {
			t.Errorf("step message %q does not mention %q", st.Info.Message, m)
		}
	}
	states, err := r.store.ListTables(r.ctx, p.ID, model.StepFullVerify)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]steps.VerifyTableExtra{}
	for _, s := range states {
		var x steps.VerifyTableExtra
		if err := json.Unmarshal([]byte(s.Extra), &x); err != nil {
			t.Fatal(err)
		}
		got[s.Table] = x
	}
	for table, want := range map[string]steps.VerifyTableExtra{
		"vs.missing": {Result: "INCONSISTENT", ResultType: "TARGET_TABLE_NOT_EXIST", Compared: false},
		"vs.viewed":  {Result: "INCONSISTENT", ResultType: "TARGET_TABLE_NOT_EXIST", Compared: false},
		"vs.same":    {Result: "CONSISTENT", ResultType: "CONSISTENT", Compared: true},
	} {
		x := got[table]
		if x.Result != want.Result || x.ResultType != want.ResultType || x.Compared != want.Compared {
			t.Errorf("%s: table state %+v, want %+v", table, x, want)
		}
	}
}
