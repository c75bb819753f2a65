package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/godwit/godwit/testenv"
)

// TestKafkaSinkCrashes streams a MariaDB table into Kafka as Debezium JSON while writers
// run, and SIGKILLs the godwit subprocess during the full copy and during incremental sync.
// The broker (kfake) lives in the test process, so it outlives every kill. It then reads
// the topic back with a read_committed consumer and checks, per key, that the change
// events form one unbroken chain (each update's before.ver is the previous event's
// after.ver and its after.ver one more: a lost change breaks the chain, a duplicate
// repeats a link), that every seeded row has a snapshot record (op r, at least once), and
// that applying the topic in order gives exactly the source table.
func TestKafkaSinkCrashes(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	sdb := incrPool(t, src)
	ctx := context.Background()
	name := testenv.UniqueName("kfk")
	incrDropLater(t, src, name)
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(3))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	const seeded = 6000
	for _, q := range []string{"CREATE DATABASE " + name,
		"CREATE TABLE " + name + ".kv (id INT PRIMARY KEY, ver INT NOT NULL, pad VARCHAR(32))"} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < seeded; i += 1000 {
		q := "INSERT INTO " + name + ".kv VALUES "
		for j := i + 1; j <= i+1000; j++ {
			if j > i+1 {
				q += ","
			}
			q += fmt.Sprintf("(%d,0,'pad-%d')", j, j)
		}
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	c := incrClient(g.base)
	keepLogOnFailure(t, filepath.Join(dataDir, "..", fmt.Sprintf("godwit-%d.log", port)), "godwit-kafka.log")
	sid := createDS(t, g.base, "s-"+name, src)
	host, ps, _ := net.SplitHostPort(kc.ListenAddrs()[0])
	kport, _ := strconv.Atoi(ps)
	var dsOut struct {
		ID string `json:"id"`
	}
	if code := native(t, g.base, "POST", "/api/v1/datasources", map[string]any{"name": "k-" + name, "type": "KAFKA",
		"host": host, "port": kport, "options": map[string]string{"endpoint": kc.ListenAddrs()[0]}}, &dsOut); code != 201 {
		t.Fatalf("create KAFKA data source: HTTP %d", code)
	}
	body := incrProjectBody("kafka_"+name, sid, dsOut.ID, name, name, map[string]any{"supportDDLTypes": []string{}},
		map[string]any{"throttleRps": 2500, "chunkRows": 300})
	body["structTransferConfig"] = map[string]any{"deferIndexCreation": false}
	body["commonTransferConfig"] = map[string]any{"mqSerializerType": "DEBEZIUM", "mqPartitionMode": "HASH"}
	// FULL_VERIFIER is refused for a KAFKA target at creation, naming the field.
	bad := map[string]any{}
	for k, v := range body {
		bad[k] = v
	}
	bad["enableFullVerify"] = true
	var e apiErr
	if code := native(t, g.base, "POST", "/api/v1/projects", bad, &e); code != 400 {
		t.Fatalf("project with FULL_VERIFIER on a KAFKA target: HTTP %d %+v", code, e)
	}
	id := createProject(t, g.base, body)
	if _, err := c.StartProject(ctx, id); err != nil {
		t.Fatal(err)
	}
	// Writers start once the log pull runs (changes before P0 are only in the snapshot).
	incrWaitStep(t, c, id, "TRANSFER_INCR_LOG_PULL", 2*time.Minute, "RUNNING", "FINISHED")
	w := startKVWriters(sdb, name, seeded)
	defer w.stop()

	killNow := func(why string) {
		g.kill()
		t.Logf("killed godwit (%s) after %d source writes", why, w.ops.Load())
		g = startGodwit(t, bin, dataDir, port)
		c = incrClient(g.base)
	}
	// 1. During the copy.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var done, capacity int64
		for _, tp := range tables(t, g.base, id, "FULL_TRANSFER") {
			done += tp.Done
			capacity += tp.Capacity
		}
		if capacity > 0 && done >= capacity/4 {
			if done >= capacity {
				t.Fatalf("copy finished before the kill (%d rows): slow it down", done)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("copy never progressed:\n%s", incrDescribe(c, id))
		}
		time.Sleep(5 * time.Millisecond)
	}
	killNow("copy")
	// 2. During incremental sync, under writes.
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "MONITORING")
	for n := w.ops.Load() + 300; w.ops.Load() < n; {
		time.Sleep(10 * time.Millisecond)
	}
	killNow("incremental")
	incrWaitStep(t, c, id, "INCR_TRANSFER", 3*time.Minute, "RUNNING", "MONITORING")
	for n := w.ops.Load() + 200; w.ops.Load() < n; {
		time.Sleep(10 * time.Millisecond)
	}
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("source writes: %d", w.ops.Load())

	// Read the topic until applying it gives the source table.
	want := map[int64]int64{}
	rows, err := sdb.QueryContext(ctx, "SELECT id, ver FROM "+name+".kv")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, v int64
		rows.Scan(&k, &v)
		want[k] = v
	}
	rows.Close()
	r := newTopicReader(t, kc, "godwit."+name+".kv")
	defer r.cl.Close()
	deadline = time.Now().Add(3 * time.Minute)
	for !r.matches(want) {
		if time.Now().After(deadline) {
			t.Fatalf("the topic never matched the source: %d keys applied, %d in the source; %d messages\n%s",
				len(r.state), len(want), r.n, incrDescribe(c, id))
		}
		r.poll(t)
	}
	for k := int64(1); k <= seeded; k++ {
		if r.snap[k] == 0 {
			t.Errorf("seeded key %d has no snapshot record", k)
		}
	}
	if len(r.errs) > 0 {
		t.Fatalf("%d per-key order / exactly-once violations, first: %v", len(r.errs), r.errs[:min(5, len(r.errs))])
	}
	t.Logf("%d messages, %d change events, %d snapshot records (%d re-sent after the copy kill)", r.n, r.changes, r.snaps, r.snaps-seeded)
	// Exactly once: one change event per committed source write, none lost, none repeated.
	if int64(r.changes) != w.ops.Load() {
		t.Fatalf("%d change events in the topic for %d source writes", r.changes, w.ops.Load())
	}
}

// kvWriters updates, inserts and deletes rows of <db>.kv: every update adds one to ver.
type kvWriters struct {
	ops    atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
	once   sync.Once
}

func startKVWriters(db *sql.DB, name string, seeded int) *kvWriters {
	ctx, cancel := context.WithCancel(context.Background())
	w := &kvWriters{cancel: cancel}
	var next atomic.Int64
	next.Store(1_000_000)
	for i := range 3 {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			var mine []int64 // keys this writer inserted and may delete
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for ctx.Err() == nil {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				// The statements do not take ctx: a write cancelled in flight can still commit on
				// the server, and then it would be in the topic without being counted.
				bg := context.Background()
				var err error
				switch x := rng.IntN(20); {
				case x == 0:
					k := next.Add(1)
					_, err = db.ExecContext(bg, "INSERT INTO "+name+".kv VALUES (?,0,'new')", k)
					mine = append(mine, k)
				case x == 1 && len(mine) > 0:
					k := mine[0]
					mine = mine[1:]
					_, err = db.ExecContext(bg, "DELETE FROM "+name+".kv WHERE id=?", k)
				default:
					// Seeded keys are never deleted; a writer updates only its own slice of them.
					k := int64(1 + i + 3*rng.IntN(seeded/3))
					_, err = db.ExecContext(bg, "UPDATE "+name+".kv SET ver=ver+1 WHERE id=?", k)
				}
				if err != nil {
					if ctx.Err() == nil {
						w.mu.Lock()
						w.err = err
						w.mu.Unlock()
					}
					return
				}
				w.ops.Add(1)
			}
		}()
	}
	return w
}

func (w *kvWriters) stop() error {
	w.once.Do(func() { w.cancel(); w.wg.Wait() })
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// topicReader applies a Debezium topic read with read_committed and checks each key's
// change chain as it goes.
type topicReader struct {
	cl      *kgo.Client
	state   map[int64]int64
	last    map[int64]int64 // the after.ver of the key's last change event
	deleted map[int64]bool
	snap    map[int64]int
	n       int
	changes int
	snaps   int
	errs    []string
}

func newTopicReader(t *testing.T, kc *kfake.Cluster, topic string) *topicReader {
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	return &topicReader{cl: cl, state: map[int64]int64{}, last: map[int64]int64{}, deleted: map[int64]bool{}, snap: map[int64]int{}}
}

type dbzRow struct {
	ID  int64 `json:"id"`
	Ver int64 `json:"ver"`
}

func (r *topicReader) poll(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	fs := r.cl.PollFetches(ctx)
	fs.EachRecord(func(rec *kgo.Record) {
		r.n++
		if rec.Value == nil {
			return // the tombstone after a delete
		}
		var m struct {
			Op     string  `json:"op"`
			Before *dbzRow `json:"before"`
			After  *dbzRow `json:"after"`
		}
		if err := json.Unmarshal(rec.Value, &m); err != nil {
			t.Fatalf("not a Debezium message: %v: %s", err, rec.Value)
		}
		bad := func(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }
		switch m.Op {
		case "r":
			r.snaps++
			r.snap[m.After.ID]++
			if _, seen := r.last[m.After.ID]; !seen && !r.deleted[m.After.ID] {
				r.state[m.After.ID] = m.After.Ver
			}
		case "c":
			r.changes++
			k := m.After.ID
			if _, seen := r.last[k]; seen || m.After.Ver != 0 {
				bad("key %d: insert at offset %d after earlier changes (or ver %d)", k, rec.Offset, m.After.Ver)
			}
			r.last[k], r.state[k] = 0, 0
		case "u":
			r.changes++
			k := m.After.ID
			if prev, seen := r.last[k]; seen && m.Before.Ver != prev {
				bad("key %d: update from ver %d at offset %d, the previous change left ver %d (lost or repeated change)", k, m.Before.Ver, rec.Offset, prev)
			}
			if m.After.Ver != m.Before.Ver+1 {
				bad("key %d: update %d→%d", k, m.Before.Ver, m.After.Ver)
			}
			r.last[k], r.state[k] = m.After.Ver, m.After.Ver
		case "d":
			r.changes++
			k := m.Before.ID
			if prev, seen := r.last[k]; seen && m.Before.Ver != prev {
				bad("key %d: delete of ver %d, the previous change left ver %d", k, m.Before.Ver, prev)
			}
			if r.deleted[k] {
				bad("key %d deleted twice", k)
			}
			r.deleted[k] = true
			delete(r.state, k)
			r.last[k] = m.Before.Ver
		default:
			bad("unknown op %q", m.Op)
		}
	})
}

func (r *topicReader) matches(want map[int64]int64) bool {
	if len(r.state) != len(want) {
		return false
	}
	for k, v := range want {
		if got, ok := r.state[k]; !ok || got != v {
			return false
		}
	}
	return true
}
