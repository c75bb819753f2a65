package replay

import (
	"slices"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql"
	"github.com/godwit/godwit/schema"
)

// TestFilterChange checks the apply semantics of a row filter on every kind of change,
// including primary-key changes, with the MySQL endpoint's real compiled filter.
func TestFilterChange(t *testing.T) {
	tbl := &schema.Table{Schema: "s", Name: "t", PrimaryKey: []string{"id"}, Columns: []schema.Column{
		{Name: "id", DataType: "int", ColumnType: "int(11)"}, {Name: "k", DataType: "int", ColumnType: "int(11)"}}}
	f, err := mysql.CompileRowFilter(tbl, "k < 10")
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"id", "k"}
	match, err := f.Bind(cols)
	if err != nil {
		t.Fatal(err)
	}
	in, out, out2 := change.Row{int64(1), int64(5)}, change.Row{int64(1), int64(50)}, change.Row{int64(2), int64(60)}
	moved := change.Row{int64(3), int64(7)} // key 1 → 3
	cases := []struct {
		name          string
		op            change.Op
		before, after change.Row
		wantOp        change.Op
		wantB, wantA  change.Row
	}{
		{"insert in", change.OpInsert, nil, in, change.OpInsert, nil, in},
		{"insert out", change.OpInsert, nil, out, 0, nil, nil},
		{"delete in", change.OpDelete, in, nil, change.OpDelete, in, nil},
		{"delete out", change.OpDelete, out, nil, 0, nil, nil},
		{"update in→in, key change", change.OpUpdate, in, moved, change.OpUpdate, in, moved},
		{"update in→out: delete the before key", change.OpUpdate, in, out, change.OpDelete, in, nil},
		{"update out→in: insert the after image", change.OpUpdate, out, in, change.OpInsert, nil, in},
		{"update out→in with a key change", change.OpUpdate, out2, moved, change.OpInsert, nil, moved},
		{"update in→out with a key change", change.OpUpdate, moved, out2, change.OpDelete, moved, nil},
		{"update out→out", change.OpUpdate, out, out2, 0, nil, nil},
		{"NULL is out", change.OpInsert, nil, change.Row{int64(4), nil}, 0, nil, nil},
	}
	for _, c := range cases {
		ev := &change.Event{Op: c.op, Columns: cols, Before: c.before, After: c.after}
		rc := endpoint.RowChange{Op: c.op, Table: tbl, Key: []string{"id"}, Cols: cols, Before: c.before, After: c.after}
		got, err := filterChange("s.t", match, ev, rc)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.Op != c.wantOp || (c.wantOp != 0 && (!slices.Equal(got.Before, c.wantB) || !slices.Equal(got.After, c.wantA))) {
			t.Errorf("%s: got %v before %v after %v; want %v before %v after %v", c.name, got.Op, got.Before, got.After, c.wantOp, c.wantB, c.wantA)
		}
	}
}
