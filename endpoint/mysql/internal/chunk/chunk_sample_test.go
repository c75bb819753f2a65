package chunk

import (
	"bytes"
	"math"
	"reflect"
	"testing"

	"github.com/godwit/godwit/schema"
)

func TestChunkAxisRoundTrip(t *testing.T) {
	col := func(dt, ct string, unsigned bool) *schema.Column {
		return &schema.Column{DataType: dt, ColumnType: ct, Unsigned: unsigned, Charset: "utf8mb4", Collation: "utf8mb4_bin"}
	}
	cases := []struct {
		c *schema.Column
		v any
	}{
		{col("int", "int(11)", false), int64(-5)},
		{col("bigint", "bigint(20) unsigned", true), uint64(math.MaxUint64)},
		{col("bigint", "bigint(20) unsigned", true), int64(7)},
		{col("double", "double", false), -1.5e-300},
		{col("double", "double", false), 2.0},
		{col("decimal", "decimal(65,30)", false), []byte("-12.000000000000000000000000000001")},
		{col("decimal", "decimal(10,0)", true), []byte("4294967295")},
		{col("datetime", "datetime(6)", false), []byte("2020-02-29 23:59:59.000001")},
		{col("date", "date", false), []byte("0001-01-01")},
		{col("time", "time(6)", false), []byte("-838:59:59.000000")},
		{col("varchar", "varchar(10)", false), []byte("aé😀\x00b")},
		{col("varbinary", "varbinary(4)", false), []byte{0, 0xff, 0x80}},
		{col("uuid", "uuid", false), []byte("123e4567-e89b-12d3-a456-426614174000")},
	}
	for _, c := range cases {
		ax := chunkAxisOf(c.c)
		d, ok := ax.digits(c.v)
		if !ok {
			t.Errorf("%s %v: no digits", c.c.DataType, c.v)
			continue
		}
		if got := ax.value(d); !reflect.DeepEqual(got, c.v) {
			t.Errorf("%s: %#v read back as %#v", c.c.DataType, c.v, got)
		}
	}
	// Midpoints fall between their ends.
	ax := chunkAxisOf(col("varchar", "varchar(10)", false))
	if m := ax.mid([]byte("abc"), []byte("abk")); !bytes.Equal(m.([]byte), []byte("abg")) {
		t.Errorf("mid(abc, abk) = %q", m)
	}
	ax = chunkAxisOf(col("datetime", "datetime", false))
	if m := ax.mid([]byte("2020-01-01 00:00:00"), []byte("2020-01-03 00:00:00")); string(m.([]byte)) != "2020-01-02 00:00:00.000000" {
		t.Errorf("datetime mid = %q", m)
	}
	if m := chunkAxisOf(col("int", "int", false)).mid(int64(4), int64(5)); m != nil {
		t.Errorf("mid(4, 5) = %v, want none", m)
	}
}

func TestChunkScale(t *testing.T) {
	for _, c := range []struct {
		rows int64
		sum  float64
		want float64
	}{{0, 1e6, 1}, {1000, 800, 1}, {1000, 1250, 0.8}, {1000, 5000, 0.5}} {
		if got := chunkScale(c.rows, c.sum); got != c.want {
			t.Errorf("chunkScale(%d, %v) = %v, want %v", c.rows, c.sum, got, c.want)
		}
	}
}
