package chunk

import (
	"reflect"
	"strings"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/schema"
)

func TestKeyRangeWhere(t *testing.T) {
	key := []string{"a", "b`x", "c"}
	cases := []struct {
		c    change.Chunk
		sql  string
		args []any
	}{
		{change.Chunk{}, "1=1", nil},
		{change.Chunk{Lower: change.Key{int64(1), []byte("x"), uint64(9)}},
			"(`a` > ? OR (`a` = ? AND `b``x` > ?) OR (`a` = ? AND `b``x` = ? AND `c` > ?))",
			[]any{int64(1), int64(1), []byte("x"), int64(1), []byte("x"), uint64(9)}},
		{change.Chunk{Upper: change.Key{int64(2), []byte("y"), uint64(8)}},
			"(`a` < ? OR (`a` = ? AND `b``x` < ?) OR (`a` = ? AND `b``x` = ? AND `c` <= ?))",
			[]any{int64(2), int64(2), []byte("y"), int64(2), []byte("y"), uint64(8)}},
	}
	for _, c := range cases {
		s, a := KeyRangeWhere(key, c.c)
		if s != c.sql || !reflect.DeepEqual(a, c.args) {
			t.Errorf("KeyRangeWhere(%v) = %q %v, want %q %v", c.c, s, a, c.sql, c.args)
		}
	}
	s, a := KeyRangeWhere([]string{"id"}, change.Chunk{Lower: change.Key{int64(5)}, Upper: change.Key{int64(9)}})
	if s != "(`id` > ?) AND (`id` <= ?)" || !reflect.DeepEqual(a, []any{int64(5), int64(9)}) {
		t.Errorf("single key: %q %v", s, a)
	}
}

func TestChunkIndexHint(t *testing.T) {
	tb := &schema.Table{PrimaryKey: []string{"id"}, Indexes: []schema.Index{
		{Name: "k1", Unique: false, Parts: []schema.IndexPart{{Column: "a"}}},
		{Name: "u1", Unique: true, Parts: []schema.IndexPart{{Column: "a"}, {Column: "b"}}},
		{Name: "u2", Unique: true, Parts: []schema.IndexPart{{Column: "c", Length: 4}}},
	}}
	for key, want := range map[string]string{"id": " FORCE INDEX (PRIMARY)", "a,b": " FORCE INDEX (`u1`)", "a": "", "c": ""} {
		k := strings.Split(key, ",")
		if got := IndexHint(tb, k); got != want {
			t.Errorf("hint(%v) = %q, want %q", k, got, want)
		}
	}
}
