package kafka

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
)

// Sink-level benchmarks against the in-process broker (make bench runs them; see
// BENCHMARKS.md, "Kafka sink"). They measure godwit's encoding and transactional publishing,
// not the source side: the MySQL capture and replay in front of the sink are measured by
// bench/incr.sh.

func benchTable() *schema.Table {
	return &schema.Table{Schema: "sbtest", Name: "sbtest1", PrimaryKey: []string{"id"}, Columns: []schema.Column{
		{Name: "id", DataType: "int", ColumnType: "int(11)"},
		{Name: "k", DataType: "int", ColumnType: "int(11)"},
		{Name: "c", DataType: "char", ColumnType: "char(120)"},
		{Name: "pad", DataType: "char", ColumnType: "char(60)"},
	}}
}

func benchRow(id int64) change.Row {
	return change.Row{id, id * 7, []byte("68487932199-96439406143-93774651418-41631865787-96406072701-20604855487-25459966574-28203206787-41238978918-19503783441"),
		[]byte("22195207048-70116052123-74140395089-76317954521-98694440")}
}

// BenchmarkBacklog publishes a backlog of update events (sysbench-shaped rows) in batches
// of 500 from 4 workers, as the replayer drains a backlog; reports messages/s.
func BenchmarkBacklog(b *testing.B) {
	for _, ser := range []string{"DEBEZIUM", "CANAL"} {
		b.Run(ser, func(b *testing.B) {
			c := benchCluster(b)
			p := &model.Project{CommonTransferConfig: model.CommonTransferConfig{MqSerializerType: ser}}
			p.ApplyDefaults()
			e, err := OpenKafka(context.Background(), kafkaDS(c), endpoint.Options{Project: p})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			s, _ := e.SinkStream(context.Background(), "bench")
			tbl := benchTable()
			cols := tbl.ColumnNames()
			const workers, batch = 4, 500
			b.ResetTimer()
			t0 := time.Now()
			var wg sync.WaitGroup
			per := (b.N + workers - 1) / workers
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for done, seq := 0, uint64(0); done < per; {
						n := min(batch, per-done)
						cb := &endpoint.ChangeBatch{Changes: make([]endpoint.RowChange, n)}
						for i := range n {
							seq++
							id := int64(w*per + done + i)
							cb.Changes[i] = endpoint.RowChange{Op: change.OpUpdate, Table: tbl, Key: []string{"id"}, Cols: cols,
								Before: benchRow(id), After: benchRow(id), Seq: seq, Pos: "bin.000001:" + strconv.FormatUint(seq, 10), Time: 1}
						}
						cb.End = endpoint.Checkpoint{Worker: w, Seq: seq, Pos: "bin.000001:1"}
						if _, err := s.Push(context.Background(), cb); err != nil {
							b.Error(err)
							return
						}
						done += n
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(per*workers)/time.Since(t0).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkLive2000 publishes 2,000 changes/s for 10 s (batches of whatever arrived in
// the last 5 ms, as the replayer forms them under that load) and measures, per message,
// the delay from its hand-over to the sink until a read_committed consumer sees it.
func BenchmarkLive2000(b *testing.B) {
	c := benchCluster(b)
	p := &model.Project{CommonTransferConfig: model.CommonTransferConfig{MqSerializerType: "DEBEZIUM", MqTopic: "live"}}
	p.ApplyDefaults()
	e, err := OpenKafka(context.Background(), kafkaDS(c), endpoint.Options{Project: p})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	s, _ := e.SinkStream(context.Background(), "live")
	tbl := benchTable()
	cols := tbl.ColumnNames()
	sent := sync.Map{}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("live"), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(10*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	const rate, secs = 2000, 10
	var delays []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), (secs+20)*time.Second)
		defer cancel()
		for len(delays) < rate*secs && ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				for _, h := range r.Headers {
					if v, ok := sent.Load(string(h.Value)); ok {
						delays = append(delays, time.Since(v.(time.Time)))
					}
				}
			})
		}
	}()
	b.ResetTimer()
	start := time.Now()
	var seq uint64
	for n := 0; n < rate*secs; {
		due := int(time.Since(start).Seconds()*rate) - n
		if due <= 0 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		due = min(due, rate*secs-n)
		cb := &endpoint.ChangeBatch{Changes: make([]endpoint.RowChange, due)}
		now := time.Now()
		for i := range due {
			seq++
			cb.Changes[i] = endpoint.RowChange{Op: change.OpUpdate, Table: tbl, Key: []string{"id"}, Cols: cols,
				Before: benchRow(int64(n + i)), After: benchRow(int64(n + i)), Seq: seq, Pos: "bin.000001:1", Time: 1}
			sent.Store(fmt.Sprintf("live:%d:0:0", seq), now)
		}
		cb.End = endpoint.Checkpoint{Seq: seq, Pos: "bin.000001:1"}
		if _, err := s.Push(context.Background(), cb); err != nil {
			b.Fatal(err)
		}
		n += due
	}
	<-done
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	if len(delays) == 0 {
		b.Fatal("no message seen")
	}
	q := func(f float64) float64 { return float64(delays[int(f*float64(len(delays)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(delays)), "seen")
}

func benchCluster(b *testing.B) *kfake.Cluster {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(3))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}
