package binlog

import (
	"math"
	"testing"

	gmmysql "github.com/go-mysql-org/go-mysql/mysql"
	"vitess.io/vitess/go/mysql/collations/charset"
)

func TestBinlogIntValue(t *testing.T) {
	for _, tc := range []struct {
		in       any
		unsigned bool
		want     any
	}{
		{int8(-1), false, int64(-1)},
		{int8(-1), true, int64(255)},
		{int16(-2), true, int64(65534)},
		{int32(-1), true, int64(math.MaxUint32)},
		{int64(-1), true, uint64(math.MaxUint64)},
		{int64(math.MinInt64), false, int64(math.MinInt64)},
		{uint64(math.MaxInt64), true, int64(math.MaxInt64)},
		{uint64(math.MaxInt64 + 1), true, uint64(math.MaxInt64 + 1)},
		{uint32(7), true, int64(7)},
		{int(2155), false, int64(2155)},
	} {
		got, err := intValue(tc.in, tc.unsigned)
		if err != nil || got != tc.want {
			t.Errorf("intValue(%T %v, %v) = %T %v, %v; want %T %v", tc.in, tc.in, tc.unsigned, got, got, err, tc.want, tc.want)
		}
	}
	if _, err := intValue("1", false); err == nil {
		t.Error("intValue(string) succeeded")
	}
}

func TestBinlogColConv(t *testing.T) {
	members := [][]byte{[]byte("read"), []byte("write"), []byte("ünï 😀")}
	for _, tc := range []struct {
		name string
		c    colConv
		in   any
		want string
	}{
		{"enum", colConv{typ: gmmysql.MYSQL_TYPE_ENUM, members: members}, int64(3), "ünï 😀"},
		{"enum error value", colConv{typ: gmmysql.MYSQL_TYPE_ENUM, members: members}, int64(0), ""},
		{"set", colConv{typ: gmmysql.MYSQL_TYPE_SET, members: members}, int64(5), "read,ünï 😀"},
		{"set empty", colConv{typ: gmmysql.MYSQL_TYPE_SET, members: members}, int64(0), ""},
		{"bit 1", colConv{typ: gmmysql.MYSQL_TYPE_BIT, bitBytes: 1}, int64(1), "\x01"},
		{"bit 64", colConv{typ: gmmysql.MYSQL_TYPE_BIT, bitBytes: 8}, int64(-1), "\xff\xff\xff\xff\xff\xff\xff\xff"},
		{"bit 12", colConv{typ: gmmysql.MYSQL_TYPE_BIT, bitBytes: 2}, int64(0xabc), "\x0a\xbc"},
		{"time frac", colConv{typ: gmmysql.MYSQL_TYPE_TIME2, frac: 3}, "-838:59:59", "-838:59:59.000"},
		{"time frac kept", colConv{typ: gmmysql.MYSQL_TYPE_TIME2, frac: 6}, "00:00:01.500000", "00:00:01.500000"},
		{"binary pad", colConv{typ: gmmysql.MYSQL_TYPE_STRING, padTo: 4}, "\xab", "\xab\x00\x00\x00"},
		{"latin1", colConv{typ: gmmysql.MYSQL_TYPE_VARCHAR, cs: charset.Charset_latin1{}}, "caf\xe9 \x80", "café €"},
		{"blob", colConv{typ: gmmysql.MYSQL_TYPE_BLOB}, []byte{0, 1, 0xff}, "\x00\x01\xff"},
		{"decimal", colConv{typ: gmmysql.MYSQL_TYPE_NEWDECIMAL}, "-0.01", "-0.01"},
	} {
		got, err := tc.c.value(tc.in)
		b, ok := got.([]byte)
		if err != nil || !ok || string(b) != tc.want {
			t.Errorf("%s: got %T %q, %v; want %q", tc.name, got, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		c  colConv
		in any
	}{
		{colConv{typ: gmmysql.MYSQL_TYPE_ENUM, members: members}, int64(4)},
		{colConv{typ: gmmysql.MYSQL_TYPE_SET, members: members}, int64(8)},
		{colConv{typ: gmmysql.MYSQL_TYPE_BIT, bitBytes: 9}, int64(1)},
		{colConv{typ: gmmysql.MYSQL_TYPE_FLOAT}, "1.5"},
	} {
		if got, err := tc.c.value(tc.in); err == nil {
			t.Errorf("type %d value %v: got %v, want an error", tc.c.typ, tc.in, got)
		}
	}
}
