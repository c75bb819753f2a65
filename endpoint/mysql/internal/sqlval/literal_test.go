package sqlval

import (
	"math"
	"strings"
	"testing"

	"github.com/godwit/godwit/schema"
)

func TestLitAppend(t *testing.T) {
	cases := []struct {
		kind Kind
		v    any
		want string
	}{
		{Text, nil, "NULL"},
		{Text, int64(math.MinInt64), "-9223372036854775808"},
		{Text, uint64(math.MaxUint64), "18446744073709551615"},
		{Text, true, "1"},
		// FLOAT max: the float32-shortest "3.4028235e+38" exceeds FLT_MAX as a double and
		// MariaDB rejects it; the widened exact double is accepted and converts back exactly.
		{Text, float32(math.MaxFloat32), "3.4028234663852886e+38"},
		{Text, float32(0.1), "1.0000000149011612e-01"},
		{Text, math.SmallestNonzeroFloat64, "5e-324"},
		{Text, 0.30000000000000004, "3.0000000000000004e-01"},
		{Text, math.Copysign(0, -1), "-0e0"},
		{Text, float32(0), "0e0"},
		{Text, []byte("a'b\"c\\d\x00e\nf\rg\x1ah\tü😀"), `'a\'b\"c\\d\0e\nf\rg\Zh` + "\tü😀'"},
		{Text, "", "''"},
		{Binary, []byte{0xff, 0x00, 0x27, 0x5c, 0xc3}, "_binary'\xff\\0\\'\\\\\xc3'"},
		{Bit, []byte{0x0a}, "10"},
		{Bit, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "18446744073709551615"},
		{Bit, []byte{}, "0"},
	}
	for _, c := range cases {
		got, err := Append(nil, c.kind, c.v)
		if err != nil {
			t.Errorf("Append(%#v): %v", c.v, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("Append(%d, %#v) = %q, want %q", c.kind, c.v, got, c.want)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), float32(math.Inf(-1)), struct{}{}} {
		if _, err := Append(nil, Text, bad); err == nil {
			t.Errorf("Append(%v) should fail", bad)
		}
	}
	if _, err := Append(nil, Bit, make([]byte, 9)); err == nil {
		t.Error("a 9-byte BIT value should fail")
	}
}

func TestLitKindOf(t *testing.T) {
	cases := map[Kind][]schema.Column{
		Bit:    {{DataType: "bit"}},
		Binary: {{DataType: "varbinary"}, {DataType: "LONGBLOB"}, {DataType: "binary"}, {DataType: "varchar", Charset: "binary"}},
		Text:   {{DataType: "varchar", Charset: "utf8mb4"}, {DataType: "decimal"}, {DataType: "json"}, {DataType: "enum"}, {DataType: "datetime"}},
	}
	for want, cols := range cases {
		for _, c := range cols {
			if got := KindOf(&c); got != want {
				t.Errorf("KindOf(%+v) = %d, want %d", c, got, want)
			}
		}
	}
	if !strings.HasPrefix(string(litMust(Append(nil, KindOf(&schema.Column{DataType: "blob"}), []byte{1}))), "_binary'") {
		t.Error("blob values must carry the _binary introducer")
	}
}

func litMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
