package changestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
)

// mkTxn builds a small transaction whose content depends on i; Seq is left for the store.
func mkTxn(i int) *change.Txn {
	t := &change.Txn{Pos: fmt.Sprintf("bin.000001:%d", 1000+i), TxID: fmt.Sprintf("0-1-%d", i), Time: 1_700_000_000 + int64(i)}
	for e := 0; e <= i%3; e++ {
		t.Events = append(t.Events, change.Event{Op: change.OpUpdate, Schema: "db", Table: "t", Columns: []string{"id", "v", "f"},
			Key: []int{0}, Before: change.Row{int64(i), []byte(fmt.Sprint("old", i)), nil},
			After: change.Row{int64(i), []byte(fmt.Sprint("new", i, "-", e)), float64(i) / 3}})
	}
	return t
}

// enc is the exact encoding of t, used to compare transactions.
func enc(t testing.TB, tx *change.Txn) []byte {
	t.Helper()
	b, err := change.AppendTxn(nil, tx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func open(t *testing.T, dir string, o Options) *Store {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// appendN appends txns mkTxn(from)..mkTxn(to-1) in batches of varying size and returns them.
func appendN(t *testing.T, s *Store, from, to int) []*change.Txn {
	t.Helper()
	var all []*change.Txn
	for i := from; i < to; {
		n := min(1+i%4, to-i)
		batch := make([]*change.Txn, n)
		for j := range batch {
			batch[j] = mkTxn(i + j)
		}
		if err := s.Append(batch...); err != nil {
			t.Fatalf("Append: %v", err)
		}
		all = append(all, batch...)
		i += n
	}
	return all
}

// drain reads with TryNext until caught up.
func drain(t *testing.T, r *Reader) []*change.Txn {
	t.Helper()
	var out []*change.Txn
	for {
		tx, ok, err := r.TryNext()
		if err != nil {
			t.Fatalf("TryNext after %d: %v", len(out), err)
		}
		if !ok {
			return out
		}
		out = append(out, tx)
	}
}

// checkSeq checks that got are want's transactions from seq first on, byte for byte.
func checkSeq(t *testing.T, got []*change.Txn, first uint64, want func(seq uint64) *change.Txn) {
	t.Helper()
	for i, tx := range got {
		seq := first + uint64(i)
		if tx.Seq != seq {
			t.Fatalf("txn %d has seq %d, want %d", i, tx.Seq, seq)
		}
		if w := want(seq); !bytes.Equal(enc(t, tx), enc(t, w)) {
			t.Fatalf("txn seq %d differs:\n got %+v\nwant %+v", seq, tx, w)
		}
	}
}

func byMk(seq uint64) *change.Txn { tx := mkTxn(int(seq - 1)); tx.Seq = seq; return tx }

func wantCode(t *testing.T, err error, code string) *errs.Error {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	if e.Advice == "" {
		t.Fatalf("error without advice: %v", err)
	}
	return e
}

func TestRoundTripAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 2048, ReadBufferBytes: 4096})
	all := appendN(t, s, 0, 600)
	for i, tx := range all {
		if tx.Seq != uint64(i+1) {
			t.Fatalf("Append set seq %d on txn %d", tx.Seq, i)
		}
	}
	st := s.Stats()
	if st.Segments < 10 || st.FirstSeq != 1 || st.LastSeq != 600 || st.LastTime != mkTxn(599).Time || st.Bytes <= 0 {
		t.Fatalf("stats %+v", st)
	}
	for _, after := range []uint64{0, 1, 17, 299, 599, 600, 700} {
		r, err := s.NewReader(after)
		if err != nil {
			t.Fatal(err)
		}
		got := drain(t, r)
		if want := max(0, 600-int(after)); len(got) != want {
			t.Fatalf("after %d: read %d txns, want %d", after, len(got), want)
		}
		checkSeq(t, got, after+1, byMk)
		r.Close()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopen: the same content, seq resumes, old segments are described by their seals.
	s = open(t, dir, Options{SegmentBytes: 2048})
	defer s.Close()
	if seq, pos, ts, ok := s.Last(); !ok || seq != 600 || pos != mkTxn(599).Pos || ts != mkTxn(599).Time {
		t.Fatalf("Last after reopen = %d %q %d %v", seq, pos, ts, ok)
	}
	if got := s.Stats(); got != st {
		t.Fatalf("stats after reopen %+v, before %+v", got, st)
	}
	more := appendN(t, s, 600, 650)
	if more[0].Seq != 601 {
		t.Fatalf("seq after reopen = %d", more[0].Seq)
	}
	r, _ := s.NewReader(0)
	defer r.Close()
	got := drain(t, r)
	if len(got) != 650 {
		t.Fatalf("read %d after reopen", len(got))
	}
	checkSeq(t, got, 1, byMk)
}

func TestEmptyStore(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	if _, _, _, ok := s.Last(); ok || s.FirstSeq() != 0 {
		t.Fatal("empty store claims data")
	}
	r, err := s.NewReader(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := r.TryNext(); ok || err != nil {
		t.Fatalf("TryNext on empty store: %v %v", ok, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on empty store: %v", err)
	}
	appendN(t, s, 0, 3)
	if got := drain(t, r); len(got) != 3 {
		t.Fatalf("reader created on an empty store read %d", len(got))
	}
	r.Close()
	s.Close()
	if _, err := s.NewReader(0); err == nil {
		t.Fatal("NewReader on a closed store")
	}
	if err := s.Append(mkTxn(0)); err == nil {
		t.Fatal("Append on a closed store")
	}
}

func TestReadersTailWriter(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 8192, ReadBufferBytes: 4096, FsyncInterval: 5 * time.Millisecond})
	defer s.Close()
	const total = 3000
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for k := 0; k < 3; k++ {
		r, err := s.NewReader(uint64(k * 100))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(r *Reader, after uint64) {
			defer wg.Done()
			defer r.Close()
			for seq := after + 1; seq <= total; seq++ {
				tx, err := r.Next(ctx)
				if err != nil {
					errc <- fmt.Errorf("reader after %d at %d: %w", after, seq, err)
					return
				}
				if w := byMk(seq); tx.Seq != seq || tx.Pos != w.Pos || len(tx.Events) != len(w.Events) {
					errc <- fmt.Errorf("reader after %d: got seq %d pos %s, want %d %s", after, tx.Seq, tx.Pos, seq, w.Pos)
					return
				}
			}
		}(r, uint64(k*100))
	}
	for i := 0; i < total; i++ {
		if err := s.Append(mkTxn(i)); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func TestCloseWakesReader(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	r, _ := s.NewReader(0)
	defer r.Close()
	done := make(chan error, 1)
	go func() { _, err := r.Next(context.Background()); done <- err }()
	s.Close()
	select {
	case err := <-done:
		wantCode(t, err, errs.CodeIncrStore)
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not return after Close")
	}
}

func TestOptionsAndLock(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, Options{Fsync: "sometimes"}); err == nil {
		t.Fatal("bad fsync policy accepted")
	}
	s := open(t, dir, Options{Fsync: FsyncAlways})
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("second Open of a locked store succeeded")
	} else {
		wantCode(t, err, errs.CodeIncrStore)
	}
	appendN(t, s, 0, 5)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir, Options{Fsync: FsyncNever})
	defer s.Close()
	appendN(t, s, 5, 10)
	r, _ := s.NewReader(0)
	defer r.Close()
	checkSeq(t, drain(t, r), 1, byMk)
}

func TestRejectsUnencodableTxn(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	defer s.Close()
	good, bad := mkTxn(0), mkTxn(1)
	bad.Events[0].After[0] = 42 // int, not int64
	err := s.Append(good, bad)
	wantCode(t, err, errs.CodeIncrStore)
	if good.Seq != 0 || bad.Seq != 0 {
		t.Fatalf("seqs left set: %d %d", good.Seq, bad.Seq)
	}
	if err := s.Append(mkTxn(0)); err != nil {
		t.Fatal(err)
	}
	if seq, _, _, _ := s.Last(); seq != 1 {
		t.Fatalf("failed Append consumed seqs: last = %d", seq)
	}
}

func TestRecordLargerThanReadBuffer(t *testing.T) {
	s := open(t, t.TempDir(), Options{ReadBufferBytes: 4096, SegmentBytes: 64 << 10})
	defer s.Close()
	big := mkTxn(0)
	big.Events[0].After[1] = bytes.Repeat([]byte("x"), 200<<10)
	if err := s.Append(mkTxn(0), big, mkTxn(2)); err != nil {
		t.Fatal(err)
	}
	r, _ := s.NewReader(0)
	defer r.Close()
	got := drain(t, r)
	if len(got) != 3 || !bytes.Equal(enc(t, got[1]), enc(t, big)) {
		t.Fatalf("read %d txns; big one equal: %v", len(got), len(got) > 1 && bytes.Equal(enc(t, got[1]), enc(t, big)))
	}
}

func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEmptyTailSegmentRemoved(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 1024})
	appendN(t, s, 0, 40)
	s.Close()
	// A crash right after a new segment file was created leaves it empty.
	if err := os.WriteFile(filepath.Join(dir, segName(41)), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{SegmentBytes: 1024})
	defer s.Close()
	if seq, _, _, _ := s.Last(); seq != 40 {
		t.Fatalf("last = %d", seq)
	}
	appendN(t, s, 40, 45)
	r, _ := s.NewReader(0)
	defer r.Close()
	got := drain(t, r)
	if len(got) != 45 {
		t.Fatalf("read %d", len(got))
	}
	checkSeq(t, got, 1, byMk)
}

func TestSealedTailRolls(t *testing.T) {
	// A crash after the tail was sealed but before its successor was created.
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 1024})
	appendN(t, s, 0, 40)
	g := *s.tailSeg()
	nseg := len(s.segs)
	s.Close()
	f, err := os.OpenFile(g.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(appendSeal(nil, seal{first: g.first, last: g.last, maxTime: g.maxTime}))
	f.Close()
	s = open(t, dir, Options{SegmentBytes: 1024})
	defer s.Close()
	if !s.tailSeg().sealed {
		t.Fatal("sealed tail not recognised")
	}
	r, _ := s.NewReader(38)
	defer r.Close()
	if got := drain(t, r); len(got) != 2 {
		t.Fatalf("read %d before the append", len(got))
	}
	appendN(t, s, 40, 45)
	if len(s.segs) != nseg+1 {
		t.Fatalf("segments %d, want %d", len(s.segs), nseg+1)
	}
	got := drain(t, r)
	checkSeq(t, got, 41, byMk)
	if len(got) != 5 {
		t.Fatalf("read %d after the append", len(got))
	}
}

// TestFilesArePrivate: the store holds row data, so its directory and files are owner-only
// whatever the umask.
func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "changestore", "np_x")
	s := open(t, dir, Options{SegmentBytes: 2048, ReadBufferBytes: 4096})
	appendN(t, s, 0, 50)
	for _, d := range []string{filepath.Dir(dir), dir} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: mode %v err %v, want 0700", d, fi.Mode().Perm(), err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) < 2 {
		t.Fatalf("store dir: %v %v", ents, err)
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v err %v, want 0600", e.Name(), fi.Mode().Perm(), err)
		}
	}
}

// TestLastTxnPart: the header of a stored part of a large transaction (Offset, More) is what
// LastTxn returns, also after a reopen (capture resumes the source transaction from it).
func TestLastTxnPart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	parts := []*change.Txn{
		{Pos: "f:10", TxID: "0-1-5", Time: 7, Events: []change.Event{{Op: change.OpInsert, Schema: "d", Table: "t", Columns: []string{"id"}, After: change.Row{int64(1)}}}, More: true},
		{Pos: "f:10", TxID: "0-1-5", Time: 8, Offset: 1, Events: []change.Event{{Op: change.OpInsert, Schema: "d", Table: "t", Columns: []string{"id"}, After: change.Row{int64(2)}}}, More: true},
	}
	if err := s.Append(parts...); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store) {
		t.Helper()
		l, ok := s.LastTxn()
		if !ok || l.Seq != 2 || l.Pos != "f:10" || l.TxID != "0-1-5" || l.Offset != 1 || !l.More || l.Events != nil {
			t.Fatalf("LastTxn = %+v, %v", l, ok)
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, Options{})
	defer s.Close()
	check(s)
}
