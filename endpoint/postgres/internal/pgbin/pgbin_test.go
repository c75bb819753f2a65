package pgbin

import (
	"bytes"
	"testing"
)

func TestNumericRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "0.00", "1", "-1", "12.3400", "99999999999999999999999999999999999.999999999999999999999999999999",
		"-0.000000000000000000000000000001", "10000", "100000000", "0.0001", "1.5", "18446744073709551615", "-9223372036854775808", "123456789.123456789"} {
		b, err := Numeric(nil, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, err := NumericText(b)
		if err != nil {
			t.Fatal(err)
		}
		want := s
		if want == "-0.000000000000000000000000000001" {
			want = s
		}
		if got != want {
			t.Errorf("numeric %s round-tripped as %s", s, got)
		}
	}
	for _, bad := range []string{"", "1e5", "abc", "1.2.3", "--1"} {
		if _, err := Numeric(nil, bad); err == nil {
			t.Errorf("numeric %q accepted", bad)
		}
	}
}

func TestBitsRoundTrip(t *testing.T) {
	for _, c := range []struct {
		v    []byte
		n    int
		text string
	}{{[]byte{1}, 1, "1"}, {[]byte{0}, 1, "0"}, {[]byte{0x05}, 3, "101"}, {[]byte{0x5c}, 8, "01011100"},
		{[]byte{0x80, 0, 0, 0, 0, 0, 0, 1}, 64, "1000000000000000000000000000000000000000000000000000000000000001"}, {[]byte{0x01, 0xff}, 9, "111111111"}} {
		p, err := BitsFromMySQL(nil, c.v, c.n)
		if err != nil {
			t.Fatal(err)
		}
		back, err := BitsToMySQL(p)
		if err != nil {
			t.Fatal(err)
		}
		want := c.v[len(c.v)-(c.n+7)/8:]
		if !bytes.Equal(back, want) {
			t.Errorf("bit(%d) %x came back %x", c.n, c.v, back)
		}
		if s, _ := BitText(c.v, c.n); s != c.text {
			t.Errorf("bit(%d) %x text %s, want %s", c.n, c.v, s, c.text)
		}
	}
	if _, err := BitsFromMySQL(nil, []byte{0x08}, 3); err == nil {
		t.Error("a 4-bit value accepted by bit(3)")
	}
}

func TestDatesAndTimes(t *testing.T) {
	for _, s := range []string{"2024-02-29 23:59:59.999999", "1000-01-01 00:00:00.000000", "9999-12-31 23:59:59.000000", "0000-01-01 00:00:00.000000", "1970-01-01 00:00:00.000001"} {
		c, zero, err := ParseDateTime(s)
		if err != nil || zero {
			t.Fatalf("%s: %v %v", s, zero, err)
		}
		b := Timestamp(nil, c)
		us := int64(0)
		for _, x := range b {
			us = us<<8 | int64(x)
		}
		if got := FormatTimestamp(us); got != s {
			t.Errorf("timestamp %s came back %s", s, got)
		}
	}
	for _, s := range []string{"0000-00-00", "2024-00-10 00:00:00"} {
		if _, zero, err := ParseDateTime(s); err != nil || !zero {
			t.Errorf("%s: zero %v err %v, want a zero date", s, zero, err)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "2024-01-01 24:00:00"} {
		if _, _, err := ParseDateTime(s); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
	for _, s := range []string{"-838:59:59.000000", "838:59:59.000000", "-00:00:01.500000", "25:00:00.000000", "00:00:00.000000"} {
		us, err := ClockMicros(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatClock(us); got != s {
			t.Errorf("time %s came back %s", s, got)
		}
	}
}
