package mysql

import (
	"testing"

	"github.com/godwit/godwit/schema"
)

func TestRenderFilterUsesTableColumns(t *testing.T) {
	tbl := &schema.Table{Name: "orders", Columns: []schema.Column{{Name: "id"}, {Name: "state"}}}
	var e *Endpoint
	got, err := e.RenderFilter(tbl, "state = 'x'")
	if err != nil || got != "state = 'x'" {
		t.Fatalf("RenderFilter = %q, %v", got, err)
	}
	if _, err := e.RenderFilter(tbl, "status = 'x'"); err == nil {
		t.Fatal("RenderFilter accepted a column the table lacks")
	}
}
