package changestore

import (
	"context"
	"testing"

	"github.com/godwit/godwit/change"
)

// smallTxn is a one-row insert of a 4-column table, the common OLTP case.
func smallTxn(i int) *change.Txn {
	return &change.Txn{Pos: "mariadb-bin.000001:123456", TxID: "0-1-123456", Time: 1_700_000_000 + int64(i/1000),
		Events: []change.Event{{Op: change.OpInsert, Schema: "sbtest", Table: "sbtest1", Columns: []string{"id", "k", "c", "pad"},
			Key: []int{0}, After: change.Row{int64(i), int64(4711), []byte("68487932199-96439406143-93774651418-41631865787"),
				[]byte("22195207048-70116052123")}}}}
}

func benchAppend(b *testing.B, batch int, read bool) {
	s, err := Open(b.TempDir(), Options{Fsync: FsyncInterval})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	txns := make([]*change.Txn, batch)
	for i := range txns {
		txns[i] = smallTxn(i)
	}
	done := make(chan int)
	if read {
		r, err := s.NewReader(0)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		go func() {
			n := 0
			for want := b.N * batch; n < want; n++ {
				if _, err := r.Next(context.Background()); err != nil {
					break
				}
			}
			done <- n
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Append(txns...); err != nil {
			b.Fatal(err)
		}
	}
	if read {
		if n := <-done; n != b.N*batch {
			b.Fatalf("reader got %d of %d", n, b.N*batch)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "txns/s")
}

// BenchmarkAppend appends one small transaction per call (Fsync=interval).
func BenchmarkAppend(b *testing.B) { benchAppend(b, 1, false) }

// BenchmarkAppendBatch64 appends 64 small transactions per call.
func BenchmarkAppendBatch64(b *testing.B) { benchAppend(b, 64, false) }

// BenchmarkAppendRead appends one transaction per call while a Reader tails and decodes them.
func BenchmarkAppendRead(b *testing.B) { benchAppend(b, 1, true) }

// BenchmarkAppendBatch64Read is BenchmarkAppendBatch64 with a tailing Reader.
func BenchmarkAppendBatch64Read(b *testing.B) { benchAppend(b, 64, true) }
