package changestore

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenSegment feeds arbitrary bytes as the only segment: Open and a full read must never
// panic, and whatever Open accepts must read back without error.
func FuzzOpenSegment(f *testing.F) {
	var seg []byte
	for seq := uint64(1); seq <= 3; seq++ {
		tx := mkTxn(int(seq - 1))
		tx.Seq = seq
		seg = append(seg, frame(f, tx)...)
	}
	f.Add(seg)
	f.Add(seg[:len(seg)-5])
	f.Add(appendSeal(append([]byte(nil), seg...), seal{first: 1, last: 3, maxTime: 1}))
	f.Add([]byte{})
	f.Add(make([]byte, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segName(1)), b, 0o640); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, Options{ReadBufferBytes: 4096})
		if err != nil {
			return
		}
		defer s.Close()
		r, err := s.NewReader(0)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		n := 0
		for {
			_, ok, err := r.TryNext()
			if err != nil {
				t.Fatalf("Open accepted a segment it cannot read: %v", err)
			}
			if !ok {
				break
			}
			n++
		}
		if last, _, _, ok := s.Last(); uint64(n) != last || ok != (n > 0) {
			t.Fatalf("read %d, Last says %d %v", n, last, ok)
		}
	})
}
