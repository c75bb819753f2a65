package mysql

import (
	"testing"

	"github.com/godwit/godwit/endpoint/mysql/internal/binlog"
	"github.com/godwit/godwit/errs"
)

func TestComparePositions(t *testing.T) {
	e := &Endpoint{}
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"mariadb-bin.000002:4", "mariadb-bin.000010:4", -1},
		{"mariadb-bin.000010:4", "mariadb-bin.000002:999999", 1},
		{"mariadb-bin.000003:100", "mariadb-bin.000003:99", 1},
		{"mariadb-bin.000003:100", "mariadb-bin.000003:100", 0},
		{"my:odd:name.000001:7", "my:odd:name.000001:8", -1},
		{"binlog.999999:4", "binlog.1000000:4", -1},
	} {
		got, err := e.ComparePositions(tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("ComparePositions(%s, %s) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "file", "file:", ":4", "mariadb-bin:4", "mariadb-bin.000001:x", "mariadb-bin.000001:-1", "mariadb-bin.000001:4294967296"} {
		if _, err := e.ComparePositions(bad, "mariadb-bin.000001:4"); errs.As(err) == nil || errs.As(err).Code != errs.CodeParam {
			t.Errorf("ComparePositions(%q) error %v, want %s", bad, err, errs.CodeParam)
		}
	}
	p, err := binlog.ParsePos("mariadb-bin.000003:1234")
	if err != nil || p.String() != "mariadb-bin.000003:1234" {
		t.Errorf("round trip: %v %v", p, err)
	}
}
