package plan

import (
	"testing"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
)

// TestSelector is the one table selector's rule table: exact and wildcard databases,
// listed tables with mapped names and filters, WILDCARD white lists, both black lists, and
// entries tried in order until one selects the table.
func TestSelector(t *testing.T) {
	tm := model.TransferMapping{
		Mode: "WILDCARD",
		Databases: []model.DbObject{
			{Name: "shop", MappedName: "shop2", Tables: []model.TableObject{
				{Name: "Orders", MappedName: "orders_v2", FilterColumns: []string{"id", "total"}, WhereClause: "  total > 0 "},
			}},
			{Name: "shop", MappedName: "shop3", Tables: []model.TableObject{{Name: "items"}}},
			{Name: "log*"},
			{Name: "hr"},
		},
		TableAndViewWhiteList: []string{"log*.*", "hr.e*"},
		TableAndViewBlackList: []string{"*.tmp_*"},
		DatabasesBlack:        []model.DbObject{{Name: "hr", Tables: []model.TableObject{{Name: "emp_secret"}}}},
	}
	cases := []struct {
		db, table string
		ok        bool
		want      Selection
	}{
		{"shop", "orders", true, Selection{Target: endpoint.TableName{Schema: "shop2", Name: "orders_v2"},
			Columns: []string{"id", "total"}, Where: "total > 0"}},
		{"SHOP", "ORDERS", true, Selection{Target: endpoint.TableName{Schema: "shop2", Name: "orders_v2"},
			Columns: []string{"id", "total"}, Where: "total > 0"}},
		{"shop", "items", true, Selection{Target: endpoint.TableName{Schema: "shop3", Name: "items"}}}, // second entry of shop
		{"shop", "customers", false, Selection{}},                                                      // not listed anywhere
		{"log_2024", "events", true, Selection{Target: endpoint.TableName{Schema: "log_2024", Name: "events"}}},
		{"log_2024", "tmp_x", false, Selection{}}, // tableAndViewBlackList
		{"hr", "emp", true, Selection{Target: endpoint.TableName{Schema: "hr", Name: "emp"}}},
		{"hr", "emp_secret", false, Selection{}}, // databasesBlack
		{"hr", "salary", false, Selection{}},     // not in the WILDCARD white list
		{"other", "t", false, Selection{}},
	}
	sel := NewSelector(tm)
	for _, c := range cases {
		got, ok := sel.Table(c.db, c.table)
		if ok != c.ok || got.Target != c.want.Target || got.Where != c.want.Where || len(got.Columns) != len(c.want.Columns) {
			t.Errorf("Table(%s, %s) = %+v, %v; want %+v, %v", c.db, c.table, got, ok, c.want, c.ok)
		}
		if sel.Want(c.db, c.table) != c.ok {
			t.Errorf("Want(%s, %s) != %v", c.db, c.table, c.ok)
		}
		if n, ok := sel.MapName(c.db, c.table); ok != c.ok || n != c.want.Target {
			t.Errorf("MapName(%s, %s) = %v, %v", c.db, c.table, n, ok)
		}
	}
	// A wildcard entry maps to the database name a resolution recorded (one match with a mappedName).
	one := NewSelector(model.TransferMapping{Databases: []model.DbObject{{Name: "solo*", MappedName: "dst"}}})
	if s, _ := one.Table("solo1", "t"); s.Target.Schema != "solo1" {
		t.Errorf("wildcard without a recorded rename maps to %q", s.Target.Schema)
	}
	if s, _ := one.WithDatabases(map[string]string{"solo1": "dst"}).Table("solo1", "t"); s.Target.Schema != "dst" {
		t.Errorf("wildcard with a recorded rename maps to %q", s.Target.Schema)
	}
	// Views: listed views are selected with their mapped names, entries without lists select all.
	vs := NewSelector(model.TransferMapping{Databases: []model.DbObject{
		{Name: "a", Views: []model.TableObject{{Name: "v1", MappedName: "w1"}}}, {Name: "b"}}})
	if n, ok := vs.View("a", "v1"); !ok || n.Name != "w1" {
		t.Errorf("View(a, v1) = %v, %v", n, ok)
	}
	if _, ok := vs.View("a", "v2"); ok {
		t.Error("View(a, v2) selected")
	}
	if _, ok := vs.Table("a", "v1"); ok {
		t.Error("a view listed under views selected as a table")
	}
	if n, ok := vs.View("b", "any"); !ok || n.Schema != "b" {
		t.Errorf("View(b, any) = %v, %v", n, ok)
	}
}
