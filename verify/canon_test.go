package verify

import (
	"math"
	"testing"

	"github.com/godwit/godwit/schema"
)

func TestCanonicalEncoding(t *testing.T) {
	col := func(dt, ct string) *schema.Column { return &schema.Column{DataType: dt, ColumnType: ct} }
	eq := func(c codec, a, b any, want bool) {
		t.Helper()
		x, y := string(c.appendValue(nil, a)), string(c.appendValue(nil, b))
		if (x == y) != want {
			t.Errorf("%v vs %v under %+v: equal=%v, want %v", a, b, c, x == y, want)
		}
	}
	dec := codecFor(col("decimal", "decimal(10,2)"), col("numeric", "numeric(12,4)"))
	eq(dec, []byte("1.50"), []byte("1.5000"), true)
	eq(dec, []byte("-0.00"), []byte("0"), true)
	eq(dec, []byte("001.5"), []byte("1.5"), true)
	eq(dec, []byte("1.51"), []byte("1.5"), false)
	js := codecFor(col("json", "json"), col("jsonb", "jsonb"))
	eq(js, []byte(`{"b": 1, "a": [1.0, "x"]}`), []byte(`{"a":[1,"x"],"b":1}`), true)
	eq(js, []byte(`{"a": 1}`), []byte(`{"a": 2}`), false)
	tm := codecFor(col("datetime", "datetime(6)"), col("timestamp", "timestamp(3)"))
	eq(tm, []byte("2024-01-02 03:04:05.123456"), []byte("2024-01-02T03:04:05.123"), true)
	eq(tm, []byte("2024-01-02 03:04:05.124"), []byte("2024-01-02 03:04:05.123"), false)
	tm6 := codecFor(col("datetime", "datetime(6)"), col("datetime", "datetime(6)"))
	eq(tm6, []byte("2024-01-02 03:04:05.000001"), []byte("2024-01-02 03:04:05.000000"), false)
	f := codecFor(col("float", "float"), col("real", "real"))
	x := float32(1.1)
	eq(f, x, math.Float32frombits(math.Float32bits(x)+1), false)
	eq(f, x, []byte("1.1"), true)
	eq(f, float32(0), float32(math.Copysign(0, -1)), true)
	d := codecFor(col("double", "double"), col("double precision", "double precision"))
	eq(d, 0.1, math.Nextafter(0.1, 1), false)
	txt := codecFor(col("varchar", "varchar(10)"), nil)
	eq(txt, []byte("a"), []byte("a "), false)
	eq(txt, []byte(""), nil, false)
	i := codecFor(col("int", "int"), col("bigint", "bigint"))
	eq(i, int64(42), []byte("42"), true)
	eq(i, uint64(42), int64(42), true)
	bit := codecFor(col("bit", "bit(8)"), nil)
	eq(bit, []byte{0, 5}, uint64(5), true)
	// Row framing: a value cannot leak into its neighbour.
	a := txt.appendValue(txt.appendValue(nil, []byte("ab")), []byte("c"))
	b := txt.appendValue(txt.appendValue(nil, []byte("a")), []byte("bc"))
	if string(a) == string(b) || rowHash(a) == rowHash(b) {
		t.Error("column boundaries are ambiguous")
	}
}
