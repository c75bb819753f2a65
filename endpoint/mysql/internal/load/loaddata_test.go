package load

import (
	"io"
	"strings"
	"testing"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/schema"
)

// TestLoadStream checks the LOAD DATA encoding and that reading it in pieces of any size
// (escapes split across reads included) yields the same bytes.
func TestLoadStream(t *testing.T) {
	tb := &schema.Table{Schema: "d", Name: "t", PrimaryKey: []string{"id"}, Columns: []schema.Column{
		{Name: "id", DataType: "int"}, {Name: "b", DataType: "bit"}, {Name: "v", DataType: "varchar"},
		{Name: "g", DataType: "int", Generated: "id+1"}, {Name: "bin", DataType: "varbinary"},
		{Name: "y", DataType: "year"}, {Name: "f", DataType: "float"}}}
	req := endpoint.WriteRequest{Table: tb, Columns: []string{"id", "b", "v", "g", "bin", "y", "f"}, Rows: []change.Row{
		{int64(1), []byte{1, 0}, []byte("a\tb\nc\\d\re\x00f\x1ag\\N"), int64(9), []byte{0, 9, 10, 13, 92, 26, 255}, int64(0), float32(1.5)},
		{int64(2), nil, nil, nil, []byte{}, int64(2155), float64(-0.30000000000000004)},
		{int64(3), []byte{0xff}, []byte("😀"), nil, []byte(`\`), nil, nil},
	}}
	p, err := PlanFor(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.validate(tb, req.Columns, req.Rows); err != nil {
		t.Fatal(err)
	}
	want := "1\t256\ta\\tb\\nc\\\\d\\re\\0f\\Zg\\\\N\t\\0\\t\\n\\r\\\\\\Z\xff\t0000\t1.5e+00\n" +
		"2\t\\N\t\\N\t\t2155\t-3.0000000000000004e-01\n" +
		"3\t255\t😀\t\\\\\t\\N\t\\N\n"
	for _, size := range []int{1, 2, 3, 7, 64, 1 << 16} {
		s := newLoadStream(p, req.Rows)
		var got []byte
		buf := make([]byte, size)
		for {
			n, err := s.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if string(got) != want {
			t.Errorf("read size %d:\n got %q\nwant %q", size, got, want)
		}
		if s.n != int64(len(want)) {
			t.Errorf("read size %d: counted %d bytes, want %d", size, s.n, len(want))
		}
	}
	if !strings.Contains(p.stmt, "REPLACE INTO TABLE `d`.`t`") || !strings.Contains(p.stmt, "SET `b` = CAST(@godwit_v1 AS UNSIGNED)") ||
		strings.Contains(p.stmt, "`g`") {
		t.Errorf("statement %s", p.stmt)
	}
	bad := endpoint.WriteRequest{Table: tb, Columns: req.Columns, Rows: []change.Row{{int64(1), make([]byte, 9), nil, nil, nil, nil, nil}}}
	if err := p.validate(tb, bad.Columns, bad.Rows); err == nil {
		t.Error("a 9-byte BIT value validated")
	}
}
