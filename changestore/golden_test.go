package changestore

// Golden change store directories: testdata/golden_v2/ holds the segment files a store writes
// for goldenTxns with goldenOpts (a small segment size, so the first segment is full and ends
// with a seal frame, and the second is the open tail). The test opens a copy of that directory
// with today's code and reads back the same transactions, and appends the same transactions to
// an empty store and compares the files byte for byte, so an upgrade keeps reading the change
// logs an older godwit wrote. testdata/golden_v1/ holds the same log as written before
// change records were version 2 (column types); it must still open and read back.
//
// When a format change is intended (with the old reader kept), rewrite the files and review:
//
//	go test ./changestore -run Golden -update

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/godwit/godwit/change"
)

var update = flag.Bool("update", false, "rewrite testdata/golden_v2 from the current writer")

const goldenDir = "testdata/golden_v2"

// oldGoldenDirs are logs written by earlier versions, read but never rewritten.
var oldGoldenDirs = []string{"testdata/golden_v1"}

var goldenOpts = Options{Fsync: FsyncNever, SegmentBytes: 200}

// goldenTxns are a few small transactions (Seq left for the store to assign 1, 2, …).
func goldenTxns() []*change.Txn {
	cols := []string{"id", "name", "price"}
	return []*change.Txn{
		{Pos: "mariadb-bin.000001:400", TxID: "0-1-1", Time: 1700000000, Events: []change.Event{
			{Op: change.OpInsert, Schema: "shop", Table: "orders", Columns: cols, Key: []int{0},
				After: change.Row{int64(1), []byte("widget"), []byte("9.99")}},
			{Op: change.OpInsert, Schema: "shop", Table: "orders", Columns: cols, Key: []int{0},
				After: change.Row{int64(2), []byte("gadget ✓"), nil}},
		}},
		{Pos: "mariadb-bin.000001:800", TxID: "0-1-2", Time: 1700000005, Events: []change.Event{
			{Op: change.OpUpdate, Schema: "shop", Table: "orders", Columns: cols, Key: []int{0},
				Before: change.Row{int64(2), []byte("gadget ✓"), nil}, After: change.Row{int64(2), []byte("gadget ✓"), []byte("1.50")}},
		}},
		{Pos: "mariadb-bin.000001:1200", TxID: "0-1-3", Time: 1700000003, Events: []change.Event{
			{Op: change.OpDDL, Schema: "shop", Query: "ALTER TABLE orders ADD COLUMN note TEXT"},
		}},
		{Pos: "mariadb-bin.000002:4", TxID: "0-1-4", Time: 1700000010, Events: []change.Event{
			{Op: change.OpDelete, Schema: "shop", Table: "orders", Columns: cols, Key: []int{0},
				Before: change.Row{int64(1), []byte("widget"), []byte("9.99")}},
		}},
	}
}

// goldenSegFiles returns the segment files of dir (name → content), without the LOCK file.
func goldenSegFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}

func TestGoldenSegments(t *testing.T) {

	// Encode: a fresh store writes exactly the golden segment files.
	dir := t.TempDir()
	s := open(t, dir, goldenOpts)
	for _, tx := range goldenTxns() {
		if err := s.Append(tx); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	written := goldenSegFiles(t, dir)
	if len(written) < 2 {
		t.Fatalf("expected a sealed segment and a tail, got %d segment files", len(written))
	}
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, b := range written {
			if err := os.WriteFile(filepath.Join(goldenDir, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	golden := goldenSegFiles(t, goldenDir)
	if len(golden) == 0 {
		t.Fatalf("no golden segments in %s (run with -update to create them)", goldenDir)
	}
	var names []string
	for n := range golden {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !bytes.Equal(written[n], golden[n]) {
			t.Fatalf("the change store's segment format changed (%s): change logs written by older versions may "+
				"no longer be read. If intended, keep reading the old format and rerun with -update.\n got %x\nwant %x",
				n, written[n], golden[n])
		}
	}
	if len(written) != len(golden) {
		t.Fatalf("the store wrote %d segment files, the golden directory holds %d", len(written), len(golden))
	}

	for _, dir := range append([]string{goldenDir}, oldGoldenDirs...) {
		t.Run(filepath.Base(dir), func(t *testing.T) { checkGoldenDir(t, dir, goldenTxns()) })
	}
}

// checkGoldenDir: a copy of the golden directory opens, reads back want, and takes appends.
func checkGoldenDir(t *testing.T, dir string, want []*change.Txn) {
	golden := goldenSegFiles(t, dir)
	if len(golden) == 0 {
		t.Fatalf("no golden segments in %s", dir)
	}
	cp := t.TempDir()
	for n, b := range golden {
		if err := os.WriteFile(filepath.Join(cp, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, cp, Options{})
	defer s.Close()
	seq, pos, ts, ok := s.Last()
	last := want[len(want)-1]
	if !ok || seq != uint64(len(want)) || pos != last.Pos || ts != last.Time {
		t.Fatalf("Last = %d %q %d %v; want %d %q %d", seq, pos, ts, ok, len(want), last.Pos, last.Time)
	}
	if st := s.Stats(); st.FirstSeq != 1 || st.LastSeq != uint64(len(want)) || st.Segments != len(golden) {
		t.Fatalf("Stats = %+v", st)
	}
	r, err := s.NewReader(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i, w := range want {
		w.Seq = uint64(i + 1)
		got, err := r.Next(context.Background())
		if err != nil {
			t.Fatalf("txn %d: %v", i+1, err)
		}
		if !bytes.Equal(enc(t, got), enc(t, w)) {
			t.Fatalf("txn %d reads back as %+v, want %+v", i+1, got, w)
		}
	}
	if got, ok, err := r.TryNext(); ok || err != nil {
		t.Fatalf("extra transaction after the golden ones: %+v, %v", got, err)
	}
	// The golden directory takes appends after it: Seq continues.
	nx := &change.Txn{Pos: "mariadb-bin.000002:99", Time: 1700000020}
	if err := s.Append(nx); err != nil || nx.Seq != uint64(len(want)+1) {
		t.Fatalf("append after the golden log: seq %d, %v", nx.Seq, err)
	}
}
