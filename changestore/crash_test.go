package changestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
)

// copyDir copies the store's segment files into a fresh directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	for _, p := range segFiles(t, src) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(p)), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// lastFrameStart returns the offset of the last frame in a segment file.
func lastFrameStart(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var off, last int64
	for off < int64(len(b)) {
		last = off
		off += hdrSize + int64(binary.LittleEndian.Uint32(b[off:]))
	}
	return last
}

// checkRecovered opens dir and checks it holds exactly txns 1..n, then that appending and
// reading on still work.
func checkRecovered(t *testing.T, dir string, n uint64) {
	t.Helper()
	s, err := Open(dir, Options{SegmentBytes: 2048})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if seq, pos, _, ok := s.Last(); !ok || seq != n || pos != byMk(n).Pos {
		t.Fatalf("Last = %d %q %v, want %d", seq, pos, ok, n)
	}
	if err := s.Append(mkTxn(int(n))); err != nil {
		t.Fatal(err)
	}
	r, err := s.NewReader(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := drain(t, r)
	if uint64(len(got)) != n+1 {
		t.Fatalf("read %d txns, want %d", len(got), n+1)
	}
	checkSeq(t, got, 1, byMk)
}

func TestTornTailRecovery(t *testing.T) {
	src := t.TempDir()
	s := open(t, src, Options{SegmentBytes: 2048})
	appendN(t, s, 0, 60)
	s.Close()
	files := segFiles(t, src)
	if len(files) < 3 {
		t.Fatalf("want several segments, have %d", len(files))
	}
	tail := filepath.Base(files[len(files)-1])
	full, _ := os.ReadFile(files[len(files)-1])
	start := lastFrameStart(t, files[len(files)-1])
	if start == 0 {
		t.Fatal("the tail segment should hold more than one record")
	}
	// Cut the final record at every byte: recovery keeps the 59 whole records.
	for cut := start; cut < int64(len(full)); cut++ {
		dir := copyDir(t, src)
		if err := os.Truncate(filepath.Join(dir, tail), cut); err != nil {
			t.Fatal(err)
		}
		checkRecovered(t, dir, 59)
		after, _ := os.ReadFile(filepath.Join(dir, tail))
		if !bytes.Equal(after[:start], full[:start]) {
			t.Fatal("recovery changed whole records")
		}
	}
	// Garbage after the last whole record: zeros (a file extended but not written), random
	// bytes, a header copied from a valid record whose payload never made it.
	hdr := full[start : start+hdrSize]
	for name, junk := range map[string][]byte{
		"zeros":   make([]byte, 4096),
		"random":  []byte("\x93\x11\xfe\x00garbage that is not a record at all \xff\xff\xff\xff\x01"),
		"header":  hdr,
		"1 byte":  {0x42},
		"hdr+pad": append(append([]byte{}, hdr...), make([]byte, 10)...),
	} {
		dir := copyDir(t, src)
		f, _ := os.OpenFile(filepath.Join(dir, tail), os.O_WRONLY|os.O_APPEND, 0)
		f.Write(junk)
		f.Close()
		t.Run(name, func(t *testing.T) { checkRecovered(t, dir, 60) })
	}
}

func TestTornTailAcrossAppendBatch(t *testing.T) {
	// A torn Append of several records: everything after the last whole one goes.
	src := t.TempDir()
	s := open(t, src, Options{})
	appendN(t, s, 0, 5)
	s.Close()
	p := segFiles(t, src)[0]
	fi, _ := os.Stat(p)
	if err := os.Truncate(p, fi.Size()-3); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, src, 4)
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x5a
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptionInTailSegmentFailsOpen(t *testing.T) {
	src := t.TempDir()
	s := open(t, src, Options{})
	appendN(t, s, 0, 30)
	s.Close()
	p := segFiles(t, src)[0]
	b, _ := os.ReadFile(p)
	// A payload byte, a header length byte and a header checksum byte of a middle record.
	for _, off := range []int64{int64(len(b)) / 2, 0 + hdrSize + 3, 1, 9} {
		dir := copyDir(t, src)
		flipByte(t, filepath.Join(dir, filepath.Base(p)), off)
		_, err := Open(dir, Options{})
		e := wantCode(t, err, errs.CodeIncrStore)
		if e.Params["path"] == "" {
			t.Fatalf("corruption error without the file: %v", e)
		}
	}
}

func TestCorruptionInOlderSegmentFailsReader(t *testing.T) {
	src := t.TempDir()
	s := open(t, src, Options{SegmentBytes: 2048})
	appendN(t, s, 0, 60)
	s.Close()
	first := segFiles(t, src)[0]
	fi, _ := os.Stat(first)
	flipByte(t, first, fi.Size()/2)
	s = open(t, src, Options{SegmentBytes: 2048}) // older segments are checked when read
	defer s.Close()
	r, _ := s.NewReader(0)
	defer r.Close()
	n := 0
	for {
		_, ok, err := r.TryNext()
		if err != nil {
			wantCode(t, err, errs.CodeIncrStore)
			break
		}
		if !ok {
			t.Fatal("reader read through a corrupt record")
		}
		n++
	}
	if n == 0 {
		t.Fatal("records before the damage were not returned")
	}
	if _, err := r.Next(context.Background()); err == nil {
		t.Fatal("reader error is not sticky")
	}
}

func TestGapBetweenSegmentsFailsOpen(t *testing.T) {
	src := t.TempDir()
	s := open(t, src, Options{SegmentBytes: 2048})
	appendN(t, s, 0, 60)
	s.Close()
	files := segFiles(t, src)
	if len(files) < 3 {
		t.Fatal("want 3 segments")
	}
	os.Remove(files[1])
	_, err := Open(src, Options{})
	wantCode(t, err, errs.CodeIncrStore)
}

func TestSealedOlderSegmentWithoutSealIsScanned(t *testing.T) {
	// Under Fsync "never" a machine crash can lose a seal; Open then scans that segment.
	src := t.TempDir()
	s := open(t, src, Options{SegmentBytes: 2048})
	appendN(t, s, 0, 60)
	s.Close()
	first := segFiles(t, src)[0]
	fi, _ := os.Stat(first)
	if err := os.Truncate(first, fi.Size()-sealFrame); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, src, 60)
}

func trimStore(t *testing.T) (*Store, []*segment) {
	t.Helper()
	s := open(t, t.TempDir(), Options{SegmentBytes: 1024})
	appendN(t, s, 0, 80)
	segs := append([]*segment(nil), s.segs...)
	if len(segs) < 5 {
		t.Fatalf("only %d segments", len(segs))
	}
	return s, segs
}

func TestTrim(t *testing.T) {
	s, segs := trimStore(t)
	defer s.Close()
	far := time.Unix(1<<40, 0)
	// appliedSeq inside segment 2: only segments 0 and 1 are wholly applied.
	applied := segs[2].first + 1
	if n, err := s.Trim(applied, far); err != nil || n != 2 {
		t.Fatalf("Trim by applied = %d, %v", n, err)
	}
	if s.FirstSeq() != segs[2].first {
		t.Fatalf("FirstSeq = %d, want %d", s.FirstSeq(), segs[2].first)
	}
	if _, err := os.Stat(segs[1].path); !os.IsNotExist(err) {
		t.Fatal("trimmed segment still on disk")
	}
	// keepSince: a segment whose newest txn is at or after it stays, even if applied.
	keep := time.Unix(segs[3].maxTime, 0)
	if n, err := s.Trim(1<<62, keep); err != nil || n != 1 {
		t.Fatalf("Trim by time = %d, %v", n, err)
	}
	if s.FirstSeq() != segs[3].first {
		t.Fatalf("FirstSeq = %d, want %d", s.FirstSeq(), segs[3].first)
	}
	// Reading from before the oldest kept transaction fails; from it on works.
	_, err := s.NewReader(segs[3].first - 2)
	wantCode(t, err, errs.CodeIncrStore)
	r, err := s.NewReader(segs[3].first - 1)
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, r)
	r.Close()
	checkSeq(t, got, segs[3].first, byMk)
	// Everything applied and old: the tail segment is still kept.
	if _, err := s.Trim(1<<62, far); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Segments != 1 || st.LastSeq != 80 || st.FirstSeq != s.segs[0].first {
		t.Fatalf("after full trim: %+v", st)
	}
	if seq, _, _, ok := s.Last(); !ok || seq != 80 {
		t.Fatal("Last lost by Trim")
	}
}

func TestTrimUnderLaggingReader(t *testing.T) {
	s, segs := trimStore(t)
	defer s.Close()
	r, _ := s.NewReader(0)
	defer r.Close()
	if _, ok, err := r.TryNext(); !ok || err != nil {
		t.Fatal("first read failed")
	}
	if _, err := s.Trim(segs[2].last, time.Unix(1<<40, 0)); err != nil {
		t.Fatal(err)
	}
	// The reader finishes its open segment, then must fail rather than skip to segment 3.
	var seq uint64
	for {
		tx, ok, err := r.TryNext()
		if err != nil {
			wantCode(t, err, errs.CodeIncrStore)
			break
		}
		if !ok {
			t.Fatal("reader caught up across trimmed segments")
		}
		seq = tx.Seq
	}
	if seq != segs[0].last {
		t.Fatalf("reader stopped at %d, want the end of its open segment %d", seq, segs[0].last)
	}
}

func TestAppendResultIsWhatReadersSee(t *testing.T) {
	// Append must not keep references into caller data it could later misreport.
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	tx := mkTxn(1)
	if err := s.Append(tx); err != nil {
		t.Fatal(err)
	}
	tx.Events[0].After[1].([]byte)[0] = 'X'
	r, _ := s.NewReader(0)
	defer r.Close()
	got := drain(t, r)
	if v := got[0].Events[0].After[1].([]byte); v[0] == 'X' {
		t.Fatal("stored txn changed with the caller's buffer")
	}
}

// frame builds one record frame for tx.
func frame(t testing.TB, tx *change.Txn) []byte {
	t.Helper()
	p := enc(t, tx)
	b := make([]byte, hdrSize, hdrSize+len(p))
	b = append(b, p...)
	putHeader(b, b[hdrSize:])
	return b
}

func TestSeqOutOfOrderInOlderSegmentFailsReader(t *testing.T) {
	// Valid checksums but a record with the wrong seq (a bug, or files mixed from two stores).
	dir := t.TempDir()
	var seg1 []byte
	for _, seq := range []uint64{1, 2, 4} {
		seg1 = append(seg1, frame(t, byMk(seq))...)
	}
	seg1 = appendSeal(seg1, seal{first: 1, last: 3, maxTime: byMk(4).Time})
	if err := os.WriteFile(filepath.Join(dir, segName(1)), seg1, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, segName(4)), frame(t, byMk(4)), 0o640); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, Options{})
	defer s.Close()
	r, _ := s.NewReader(0)
	defer r.Close()
	for want := uint64(1); want <= 2; want++ {
		if tx, ok, err := r.TryNext(); !ok || err != nil || tx.Seq != want {
			t.Fatalf("read %v %v %v, want seq %d", tx, ok, err, want)
		}
	}
	_, _, err := r.TryNext()
	wantCode(t, err, errs.CodeIncrStore)
}
