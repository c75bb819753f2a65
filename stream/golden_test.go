package stream

// Golden files for the incremental state a stream persists as JSON in the project state
// (Keys.P0 / Keys.P1: Point, Keys.Pull: CaptureStatus, Keys.Apply: ApplyStatus; the steps
// write them with encoding/json). Each test decodes the golden file into the type and compares
// with a literal, and encodes the literal and compares with the file, so a project suspended by
// an older godwit resumes from the same positions after an upgrade.
//
// When a format change is intended, rewrite the files and review the diff:
//
//	go test ./stream -run Golden -update

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current encoders")

func TestGoldenState(t *testing.T) {
	for _, c := range []struct {
		file string
		want any        // the literal
		into func() any // a pointer to a zero value of the literal's type
	}{
		{"point_v1.json", Point{Pos: "mariadb-bin.000003:1234", Time: 1700000000}, func() any { return new(Point) }},
		{"capture_v1.json", CaptureStatus{PulledPos: "0-1-77", PulledSeq: 18446744073709551615, PulledTime: 1700000005,
			Streaming: true, StoreBytes: 1 << 40, Sampled: 1700000005123}, func() any { return new(CaptureStatus) }},
		{"apply_v1.json", ApplyStatus{Phase: "MONITORING", AppliedPos: "mariadb-bin.000003:99", AppliedSeq: 42,
			AppliedTime: 1700000004, SafeMode: true, DelayMillis: 1500, EventsPerSec: 300, RowsApplied: 12345,
			DDLApplied: 2, Conflicts: 3, RowsFiltered: 7,
			Tables: []TableCounts{{Table: "shop.orders", Inserts: 10, Updates: 20, Deletes: 30, DDLs: 1},
				{Table: "shop.users", Inserts: 1}},
			Sampled: 1700000005999}, func() any { return new(ApplyStatus) }},
		{"apply_empty_v1.json", ApplyStatus{Phase: "CATCHING_UP"}, func() any { return new(ApplyStatus) }},
	} {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("testdata", c.file)
			b, err := json.MarshalIndent(c.want, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(b, golden) {
				t.Fatalf("the persisted JSON of %T changed: state written by older versions may no longer read back "+
					"the same. If intended, add an upgrade path and rerun with -update.\n got:\n%s\nwant:\n%s", c.want, b, golden)
			}
			// The steps store the compact form; both decode the same.
			var compact bytes.Buffer
			if err := json.Compact(&compact, golden); err != nil {
				t.Fatal(err)
			}
			for _, doc := range [][]byte{golden, compact.Bytes()} {
				v := c.into()
				if err := json.Unmarshal(doc, v); err != nil {
					t.Fatal(err)
				}
				if got := reflect.ValueOf(v).Elem().Interface(); !reflect.DeepEqual(got, c.want) {
					t.Fatalf("%s decodes as\n%+v\nwant\n%+v", c.file, got, c.want)
				}
			}
		})
	}
}
