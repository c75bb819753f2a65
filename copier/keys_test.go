package copier

import (
	"context"
	"reflect"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/schema"
)

type plainReader struct{}

func (plainReader) ReadChunk(context.Context, endpoint.ReadRequest, func(change.Row) error) (int64, error) {
	return 0, nil
}

type resumer struct{ plainReader }

func (resumer) ResumesAfter(c *schema.Column) bool { return c.DataType != "enum" }

// TestKeyPositions: a chunk read resumes after a key only when the reader says the key's
// columns compare in index order (endpoint.KeyResumer), and every key column is copied.
func TestKeyPositions(t *testing.T) {
	tbl := &plan.Table{Src: &schema.Table{Columns: []schema.Column{{Name: "a", DataType: "int"}, {Name: "b", DataType: "varchar"},
		{Name: "e", DataType: "enum"}}}, KeyCols: []string{"b", "a"}, Copy: []string{"a", "b", "e"}}
	if got := keyPositions(tbl, resumer{}); !reflect.DeepEqual(got, []int{1, 0}) {
		t.Fatalf("positions %v, want [1 0]", got)
	}
	if got := keyPositions(tbl, plainReader{}); got != nil {
		t.Fatalf("a reader without KeyResumer resumes at %v", got)
	}
	enumKey := *tbl
	enumKey.KeyCols = []string{"e"}
	if got := keyPositions(&enumKey, resumer{}); got != nil {
		t.Fatalf("an enum key resumes at %v", got)
	}
	notCopied := *tbl
	notCopied.Copy = []string{"a", "e"}
	if got := keyPositions(&notCopied, resumer{}); got != nil {
		t.Fatalf("a key column not copied resumes at %v", got)
	}
}
