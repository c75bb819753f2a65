package mysql

import (
	"math"
	"strings"
	"testing"

	"github.com/godwit/godwit/schema"
)

func TestLitAppend(t *testing.T) {
	cases := []struct {
		kind litKind
		v    any
		want string
	}{
		{litText, nil, "NULL"},
		{litText, int64(math.MinInt64), "-9223372036854775808"},
		{litText, uint64(math.MaxUint64), "18446744073709551615"},
		{litText, true, "1"},
		// FLOAT max: the float32-shortest "3.4028235e+38" exceeds FLT_MAX as a double and
		// MariaDB rejects it; the widened exact double is accepted and converts back exactly.
		{litText, float32(math.MaxFloat32), "3.4028234663852886e+38"},
		{litText, float32(0.1), "1.0000000149011612e-01"},
		{litText, math.SmallestNonzeroFloat64, "5e-324"},
		{litText, 0.30000000000000004, "3.0000000000000004e-01"},
		{litText, math.Copysign(0, -1), "-0e0"},
		{litText, float32(0), "0e0"},
		{litText, []byte("a'b\"c\\d\x00e\nf\rg\x1ah\tü😀"), `'a\'b\"c\\d\0e\nf\rg\Zh` + "\tü😀'"},
		{litText, "", "''"},
		{litBinary, []byte{0xff, 0x00, 0x27, 0x5c, 0xc3}, "_binary'\xff\\0\\'\\\\\xc3'"},
		{litBit, []byte{0x0a}, "10"},
		{litBit, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "18446744073709551615"},
		{litBit, []byte{}, "0"},
	}
	for _, c := range cases {
		got, err := litAppend(nil, c.kind, c.v)
		if err != nil {
			t.Errorf("litAppend(%#v): %v", c.v, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("litAppend(%d, %#v) = %q, want %q", c.kind, c.v, got, c.want)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), float32(math.Inf(-1)), struct{}{}} {
		if _, err := litAppend(nil, litText, bad); err == nil {
			t.Errorf("litAppend(%v) should fail", bad)
		}
	}
	if _, err := litAppend(nil, litBit, make([]byte, 9)); err == nil {
		t.Error("a 9-byte BIT value should fail")
	}
}

func TestLitKindOf(t *testing.T) {
	cases := map[litKind][]schema.Column{
		litBit:    {{DataType: "bit"}},
		litBinary: {{DataType: "varbinary"}, {DataType: "LONGBLOB"}, {DataType: "binary"}, {DataType: "varchar", Charset: "binary"}},
		litText:   {{DataType: "varchar", Charset: "utf8mb4"}, {DataType: "decimal"}, {DataType: "json"}, {DataType: "enum"}, {DataType: "datetime"}},
	}
	for want, cols := range cases {
		for _, c := range cols {
			if got := litKindOf(&c); got != want {
				t.Errorf("litKindOf(%+v) = %d, want %d", c, got, want)
			}
		}
	}
	if !strings.HasPrefix(string(litMust(litAppend(nil, litKindOf(&schema.Column{DataType: "blob"}), []byte{1}))), "_binary'") {
		t.Error("blob values must carry the _binary introducer")
	}
}

func litMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
