package binlog

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	gmmysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/godwit/godwit/change"
)

// seedCollations is the collation-id → charset map of the server the seeds were captured
// from (written by TestCaptureSeeds next to the corpus).
const seedCollations = "testdata/collations.json"

// fuzzAllocPerByte and fuzzAllocBase bound what decoding one input may allocate: decoding
// is linear in the input, so anything beyond this is an allocation sized by a length field
// instead of by the bytes that back it. The base is generous because the count is the
// process's (the fuzz worker's own bookkeeping included); an unbounded allocation is
// gigabytes.
const (
	fuzzAllocBase    = 64 << 20
	fuzzAllocPerByte = 1 << 10
	fuzzMaxInput     = 64 << 10
	fuzzMaxDuration  = 5 * time.Second
)

// errFeedTruncated ends feedEvents at an event whose header promises more bytes than remain.
var errFeedTruncated = errors.New("truncated event")

// feedEvents hands the events concatenated in data (each: the 19-byte v4 header whose
// event_size field delimits it, then the body and checksum) to a, exactly as the dump
// connection delivers them in raw mode.
func feedEvents(a *txnAssembler, data []byte) error {
	for len(data) > 0 {
		if len(data) < replication.EventHeaderSize {
			return errFeedTruncated
		}
		n := binary.LittleEndian.Uint32(data[9:13])
		if n < replication.EventHeaderSize || uint64(n) > uint64(len(data)) {
			return errFeedTruncated
		}
		raw := data[:n]
		data = data[n:]
		h := &replication.EventHeader{}
		if err := h.Decode(raw); err != nil {
			return err
		}
		var ev replication.Event
		if h.EventType == replication.ROTATE_EVENT {
			// The dump connection's own parser decodes ROTATE (not the code under test).
			if len(raw) < replication.EventHeaderSize+8 {
				return errFeedTruncated
			}
			r := &replication.RotateEvent{}
			if err := r.Decode(raw[replication.EventHeaderSize:]); err != nil {
				return err
			}
			ev = r
		}
		if err := a.handle(&replication.BinlogEvent{RawData: raw, Header: h, Event: ev}); err != nil {
			return err
		}
	}
	return nil
}

// fuzzAssembler is the production assembler as StreamChanges builds it, wanting every
// table, with checksum verification off so mutated bodies reach the decoders.
func fuzzAssembler(colls map[uint64]string) *txnAssembler {
	a := newTxnAssembler(gmmysql.MariaDBFlavor, Pos{File: "fuzz-bin.000001", Pos: 4}, colls,
		func(string, string) bool { return true }, func(*change.Txn) error { return nil })
	a.parser.SetVerifyChecksum(false)
	return a
}

func loadSeedCollations(tb testing.TB) map[uint64]string {
	b, err := os.ReadFile(seedCollations)
	if err != nil {
		tb.Fatalf("%v (regenerate with: go test -run TestCaptureSeeds ./endpoint/mysql/internal/binlog/ -args -update)", err)
	}
	var byName map[string]string
	if err := json.Unmarshal(b, &byName); err != nil {
		tb.Fatal(err)
	}
	m := make(map[uint64]string, len(byName))
	for k, v := range byName {
		id, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			tb.Fatal(err)
		}
		m[id] = v
	}
	return m
}

// FuzzDecodeEvent decodes arbitrary event sequences (format description, table map, rows
// events — the seeds in testdata/fuzz/FuzzDecodeEvent are real events captured by
// TestCaptureSeeds) with the production assembler and decoders. Whatever the bytes, it
// must return (an error is fine) without panicking, within fuzzMaxDuration, and allocate
// no more than fuzzAllocBase + fuzzAllocPerByte per input byte.
func FuzzDecodeEvent(f *testing.F) {
	colls := loadSeedCollations(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return // beyond the inputs this target bounds; larger events are not fuzzed
		}
		limit := uint64(fuzzAllocBase + fuzzAllocPerByte*len(data))
		// The counters are the process's: an excess is reported only when a second run
		// repeats it, so the worker's own activity cannot fail an input.
		for try := 0; ; try++ {
			alloc, returned := decodeMeasured(colls, data)
			if returned && alloc <= limit {
				return
			}
			if try == 1 {
				if !returned {
					t.Fatalf("decoding %d bytes did not return within %s", len(data), fuzzMaxDuration)
				}
				t.Fatalf("decoding %d bytes allocated %d bytes (limit %d)", len(data), alloc, limit)
			}
		}
	})
}

// decodeMeasured feeds data to a fresh production assembler and reports the bytes
// allocated meanwhile and whether it returned within fuzzMaxDuration.
func decodeMeasured(colls map[uint64]string, data []byte) (alloc uint64, returned bool) {
	a := fuzzAssembler(colls)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = feedEvents(a, data)
	}()
	select {
	case <-done:
	case <-time.After(fuzzMaxDuration):
		return 0, false
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, true
}
