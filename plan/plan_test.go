package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godwit/godwit/endpoint"
	_ "github.com/godwit/godwit/endpoint/mysql"
	"github.com/godwit/godwit/meta/sqlite"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/secret"
	"github.com/godwit/godwit/testenv"
)

// fixture: a MariaDB source with a database of two tables and a view, an endpoint on it,
// and a SQLite metadata store holding a project row.
type fixture struct {
	ctx   context.Context
	src   endpoint.Endpoint
	exec  func(string)
	db    string
	store *sqlite.Store
	p     *model.Project
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	name, db := testenv.NewMariaDBDatabase(t, srv, "plan")
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("CREATE TABLE " + name + ".orders (id INT NOT NULL PRIMARY KEY, total DECIMAL(10,2) NOT NULL, note VARCHAR(20), UNIQUE KEY uk_note (note))")
	exec("CREATE TABLE " + name + ".logs (msg TEXT, code INT NOT NULL, UNIQUE KEY uk_code (code))")
	exec("CREATE VIEW " + name + ".big AS SELECT id FROM " + name + ".orders WHERE total > 100")
	src, err := endpoint.Open(ctx, srv.DataSource("src"), endpoint.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, t.TempDir()+"/meta.db", box, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	p := &model.Project{ID: "np_plan", EnableIncrTransfer: true, TransferMapping: model.TransferMapping{
		Databases: []model.DbObject{{Name: name, MappedName: name + "_dst", Tables: []model.TableObject{
			{Name: "orders", MappedName: "orders2", FilterColumns: []string{"id", "total"}, WhereClause: "total >= 10"},
			{Name: "logs"},
		}, Views: []model.TableObject{{Name: "big"}}}}}}
	if err := store.CreateProject(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: ctx, src: src, exec: exec, db: name, store: store, p: p}
}

// TestResolveAndPersist resolves a project's plan against a real catalog (names, kept
// columns, rendered filter, identity keys, views), persists it, and shows that readers get
// the stored version — not the live catalog — until an explicit event: a catalog change
// alone changes nothing, MarkStale (a modification) and Refresh (a DDL) make new versions.
func TestResolveAndPersist(t *testing.T) {
	f := newFixture(t)
	pl, err := plan.OfProject(f.ctx, f.store, f.p, f.src)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Version != 1 || len(pl.Tables) != 2 || len(pl.Views) != 1 {
		t.Fatalf("plan v%d: %d tables, %d views", pl.Version, len(pl.Tables), len(pl.Views))
	}
	o := pl.Table(f.db, "ORDERS")
	if o == nil || o.TargetKey() != f.db+"_dst.orders2" || strings.Join(o.Copy, ",") != "id,total" ||
		strings.Join(o.KeyCols, ",") != "id" || o.Where == "" || !strings.Contains(o.Where, "10") {
		t.Fatalf("orders entry: %+v", o)
	}
	if l := pl.Table(f.db, "logs"); l == nil || strings.Join(l.KeyCols, ",") != "code" || l.Dst.Schema != f.db+"_dst" {
		t.Fatalf("logs entry (identity from the NOT NULL unique key): %+v", l)
	}
	if v := pl.Views[0]; v.DstDB != f.db+"_dst" || v.Dst != "big" {
		t.Fatalf("view entry: %+v", v)
	}

	// The catalog changes: the stored plan is still what every reader gets.
	f.exec("ALTER TABLE " + f.db + ".logs ADD COLUMN extra INT")
	again, err := plan.OfProject(f.ctx, f.store, f.p, f.src)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != 1 || again.Table(f.db, "logs").Src.Column("extra") != nil {
		t.Fatalf("a catalog change re-resolved the plan: v%d", again.Version)
	}
	// A re-run of precheck resolves again; the content differs, so it is version 2.
	rr, err := plan.Reresolve(f.ctx, f.store, f.p.ID, "precheck", func(ctx context.Context) (*plan.Plan, error) {
		return plan.ResolveProject(ctx, f.p, f.src)
	})
	if err != nil || rr.Version != 2 || rr.Table(f.db, "logs").Src.Column("extra") == nil {
		t.Fatalf("Reresolve: v%d, %v", rr.Version, err)
	}
	// Unchanged content: no new version.
	if rr2, err := plan.Reresolve(f.ctx, f.store, f.p.ID, "precheck", func(ctx context.Context) (*plan.Plan, error) {
		return plan.ResolveProject(ctx, f.p, f.src)
	}); err != nil || rr2.Version != 2 {
		t.Fatalf("Reresolve without change: v%d, %v", rr2.Version, err)
	}

	// A DDL the replayer applied: only the touched tables are re-read.
	f.exec("ALTER TABLE " + f.db + ".logs DROP COLUMN extra")
	f.exec("ALTER TABLE " + f.db + ".orders ADD COLUMN ignored INT")
	cur, err := plan.Load(f.ctx, f.store, f.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := cur.Refresh(f.ctx, f.store, f.p.ID, f.src.(endpoint.SchemaReader), plan.ForProject(f.p, f.src),
		[]endpoint.TableName{{Schema: f.db, Name: "logs"}}, "ddl: DROP_COLUMN")
	if err != nil {
		t.Fatal(err)
	}
	if ref.Version != 3 || ref.Reason != "ddl: DROP_COLUMN" || ref.Table(f.db, "logs").Src.Column("extra") != nil {
		t.Fatalf("Refresh: v%d %q", ref.Version, ref.Reason)
	}
	if stored, _ := plan.Load(f.ctx, f.store, f.p.ID); stored.Version != 3 {
		t.Fatalf("stored version after Refresh: %d", stored.Version)
	}

	// A modification marks it stale: the next reader resolves version 4.
	if err := plan.MarkStale(f.ctx, f.store, f.p.ID, "configuration modified"); err != nil {
		t.Fatal(err)
	}
	v4, err := plan.OfProject(f.ctx, f.store, f.p, f.src)
	if err != nil || v4.Version != 4 || v4.Reason != "configuration modified" || v4.Stale {
		t.Fatalf("after MarkStale: %+v, %v", v4, err)
	}
}

// TestGoldenPlan reads a plan persisted in format 1 (testdata/plan_v1.json) — an upgrade
// must keep reading it — and checks that writing it back yields the same document.
func TestGoldenPlan(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "plan_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	st := memState{plan.StateKey: b}
	p, err := plan.Load(context.Background(), st, "np_golden")
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 3 || p.Reason != "ddl: ADD_COLUMN" || len(p.Tables) != 2 || len(p.Views) != 1 {
		t.Fatalf("golden plan: %+v", p)
	}
	o := p.Table("shop", "orders")
	if o == nil || o.TargetKey() != "shop2.orders_v2" || strings.Join(o.KeyCols, ",") != "id" ||
		o.Where != "`total` >= 10" || o.Src.Column("total").ColumnType != "decimal(10,2)" {
		t.Fatalf("golden orders entry: %+v", o)
	}
	if sel := p.Selector(model.TransferMapping{Databases: []model.DbObject{{Name: "sh*", MappedName: "shop2"}}}); !sel.Want("shop", "x") {
		t.Fatal("selector of the golden plan")
	} else if n, _ := sel.MapName("shop", "x"); n.Schema != "shop2" {
		t.Fatalf("the golden plan's recorded database rename is not used: %v", n)
	}
	if err := plan.Save(context.Background(), st, "np_golden", p); err != nil {
		t.Fatal(err)
	}
	var a, b2 any
	_ = json.Unmarshal(b, &a)
	_ = json.Unmarshal(st[plan.StateKey], &b2)
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b2)
	if !bytes.Equal(x, y) {
		t.Fatalf("round trip changed the document:\n%s\n%s", x, y)
	}
	// A plan of a newer format is refused, not silently re-resolved.
	if _, err := plan.Load(context.Background(), memState{plan.StateKey: []byte(`{"format":99}`)}, "x"); err == nil {
		t.Fatal("a newer format was accepted")
	}
}

type memState map[string][]byte

func (m memState) GetState(_ context.Context, _, key string) ([]byte, error) { return m[key], nil }
func (m memState) PutState(_ context.Context, _, key string, v []byte) error {
	m[key] = append([]byte(nil), v...)
	return nil
}
