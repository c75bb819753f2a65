package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

// The Kafka implementation of the change-sink contract (endpoint/sink.go), exactly once:
//
//   - Worker w of stream s publishes through its own transactional producer, id
//     "godwit-<s>-<w>". Push runs one Kafka transaction holding the batch's messages and a
//     position record (key "<s>/<w>", value {"worker","seq","pos","time"}) in the
//     compacted topic <checkpointSchema>.positions; the transaction commits both or
//     neither.
//   - Acknowledged first initialises the producers of every worker it knows of (the
//     stream's recorded workers and the project's incrSyncConcurrency): that fences a
//     previous process's producers and completes or aborts their open transactions. Only
//     then does it read the positions topic up to its last stable offset, read_committed,
//     and take each worker's highest Seq. A batch whose transaction committed is therefore
//     never pushed again, and one that did not is invisible to read_committed consumers.
//   - Acknowledge, Forget and PublishDDL run in transactions of a control producer
//     "godwit-<s>-ctl" (the replayer calls them while no worker pushes).
//
// Consumers must read with isolation.level=read_committed to see each change once.

// SinkStream is SinkStreamIn with the default checkpoint schema.
func (e *Endpoint) SinkStream(ctx context.Context, stream string) (endpoint.StreamSink, error) {
	return e.SinkStreamIn(ctx, "", stream)
}

// SinkStreamIn returns the stream's sink, keeping positions in <schema>.positions.
func (e *Endpoint) SinkStreamIn(_ context.Context, schema, stream string) (endpoint.StreamSink, error) {
	topic := e.cfg.PosTopic
	if schema != "" {
		topic = positionsTopic(schema)
	}
	return &streamSink{e: e, stream: stream, posTopic: topic, prods: map[string]*kgo.Client{}}, nil
}

type streamSink struct {
	e        *Endpoint
	stream   string
	posTopic string

	mu    sync.Mutex
	prods map[string]*kgo.Client // by producer name (worker number or "ctl")
}

var (
	_ endpoint.PositionCommitter = (*streamSink)(nil)
	_ endpoint.DDLPublisher      = (*streamSink)(nil)
)

func (s *streamSink) CommitsPosition() bool { return true }

// producer returns (creating and initialising) the transactional producer name.
func (s *streamSink) producer(ctx context.Context, name string) (*kgo.Client, error) {
	s.mu.Lock()
	cl := s.prods[name]
	s.mu.Unlock()
	if cl != nil {
		return cl, nil
	}
	opts := append(append([]kgo.Opt{}, s.e.base...), kgo.TransactionalID("godwit-"+s.stream+"-"+name),
		kgo.TransactionTimeout(60*time.Second))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, errs.Invalid("KAFKA producer: %v", err)
	}
	// Initialise now (InitProducerID): fences older producers of this id and finishes
	// their transactions before anything is read or written.
	if err := s.initProducer(ctx, cl); err != nil {
		cl.Close()
		return nil, s.e.produceErr(ctx, "initialising the transactional producer "+name, err)
	}
	s.mu.Lock()
	if old := s.prods[name]; old != nil {
		s.mu.Unlock()
		cl.Close()
		return old, nil
	}
	s.prods[name] = cl
	s.mu.Unlock()
	return cl, nil
}

// initProducer forces the client to obtain its producer id (an empty transaction does not).
func (s *streamSink) initProducer(ctx context.Context, cl *kgo.Client) error {
	_, _, err := cl.ProducerID(ctx)
	return err
}

// drop closes and forgets a producer whose state is unknown after a failure; the next use
// creates it again (and fences whatever it left open).
func (s *streamSink) drop(name string, cl *kgo.Client) {
	s.mu.Lock()
	if s.prods[name] == cl {
		delete(s.prods, name)
	}
	s.mu.Unlock()
	cl.Close()
}

// Close releases the stream's producers.
func (s *streamSink) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, cl := range s.prods {
		cl.Close()
		delete(s.prods, k)
	}
}

type posValue struct {
	Worker int    `json:"worker"`
	Seq    uint64 `json:"seq"`
	Pos    string `json:"pos"`
	Time   int64  `json:"time"`
}

func (s *streamSink) posKey(w int) []byte { return []byte(s.stream + "/" + strconv.Itoa(w)) }

func (s *streamSink) posRecords(ctx context.Context, cps []endpoint.Checkpoint) ([]*kgo.Record, error) {
	if _, err := s.e.partitions(ctx, s.posTopic, true); err != nil {
		return nil, err
	}
	out := make([]*kgo.Record, 0, len(cps))
	for _, cp := range cps {
		v, _ := json.Marshal(posValue{Worker: cp.Worker, Seq: cp.Seq, Pos: cp.Pos, Time: cp.Time})
		out = append(out, &kgo.Record{Topic: s.posTopic, Partition: 0, Key: s.posKey(cp.Worker), Value: v})
	}
	return out, nil
}

// txn runs recs in one transaction of producer name.
func (s *streamSink) txn(ctx context.Context, name, what string, recs []*kgo.Record) error {
	cl, err := s.producer(ctx, name)
	if err != nil {
		return err
	}
	if err := cl.BeginTransaction(); err != nil {
		s.drop(name, cl)
		return s.e.produceErr(ctx, what, err)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		aerr := cl.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort)
		if aerr != nil {
			s.drop(name, cl)
		}
		return s.e.produceErr(ctx, what, err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		// The outcome is unknown: the replayer reads Acknowledged (which fences this
		// producer first) before pushing again.
		s.drop(name, cl)
		return s.e.produceErr(ctx, what+" (commit)", err)
	}
	return nil
}

// Push publishes the batch and its end position in one transaction.
func (s *streamSink) Push(ctx context.Context, b *endpoint.ChangeBatch) (endpoint.ApplyResult, error) {
	now := s.e.now()
	msgs := make([]message, 0, len(b.Changes)+1)
	var prevSeq uint64
	idx := 0
	for i := range b.Changes {
		rc := &b.Changes[i]
		m, err := s.e.meta(rc.Table, rc.Cols, rc.Key)
		if err != nil {
			return endpoint.ApplyResult{}, err
		}
		seq, pos, t := rc.Seq, rc.Pos, rc.Time
		if seq == 0 && pos == "" {
			seq, pos, t = b.End.Seq, b.End.Pos, b.End.Time
		}
		if seq != prevSeq {
			prevSeq, idx = seq, 0
		}
		ev := event{op: rc.Op, before: rc.Before, after: rc.After, seq: seq, pos: pos, time: t, nowMs: now.UnixMilli(),
			id: fmt.Sprintf("%s:%d:%d:%d", s.stream, seq, b.End.Worker, idx)}
		idx++
		if ev.op != change.OpInsert && ev.op != change.OpUpdate && ev.op != change.OpDelete {
			continue
		}
		if msgs, err = s.e.enc.encode(m, &ev, msgs); err != nil {
			return endpoint.ApplyResult{}, errs.New(errs.KindInternal, errs.CodeIncrApply, err.Error(), "Report the column's type and value.")
		}
	}
	recs, err := s.e.records(ctx, msgs, make([]*kgo.Record, 0, len(msgs)+1))
	if err != nil {
		return endpoint.ApplyResult{}, err
	}
	pr, err := s.posRecords(ctx, []endpoint.Checkpoint{b.End})
	if err != nil {
		return endpoint.ApplyResult{}, err
	}
	recs = append(recs, pr...)
	return endpoint.ApplyResult{}, s.txn(ctx, strconv.Itoa(b.End.Worker), "publishing changes", recs)
}

// Acknowledged fences the stream's previous producers, then reads its positions.
func (s *streamSink) Acknowledged(ctx context.Context) ([]endpoint.Checkpoint, error) {
	got, err := s.readPositions(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{"ctl": true}
	for w := range max(s.e.workers, 0) {
		names[strconv.Itoa(w)] = true
	}
	for w := range got {
		names[strconv.Itoa(w)] = true
	}
	for n := range names {
		if _, err := s.producer(ctx, n); err != nil {
			return nil, err
		}
	}
	if got, err = s.readPositions(ctx); err != nil {
		return nil, err
	}
	out := make([]endpoint.Checkpoint, 0, len(got))
	for w := 0; len(out) < len(got); w++ {
		cp, ok := got[w]
		if !ok {
			cp = endpoint.Checkpoint{Worker: w}
			got[w] = cp
		}
		out = append(out, cp)
	}
	return out, nil
}

// readPositions reads the positions topic up to its last stable offset (read_committed)
// and returns the stream's highest position per worker.
func (s *streamSink) readPositions(ctx context.Context) (map[int]endpoint.Checkpoint, error) {
	if _, err := s.e.partitions(ctx, s.posTopic, true); err != nil {
		return nil, err
	}
	start, end, err := s.e.offsets(ctx, s.posTopic, 0)
	if err != nil {
		return nil, err
	}
	out := map[int]endpoint.Checkpoint{}
	if end <= start {
		return out, nil
	}
	opts := append(append([]kgo.Opt{}, s.e.base...), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.posTopic: {0: kgo.NewOffset().At(start)}}))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, errs.Invalid("KAFKA consumer: %v", err)
	}
	defer cl.Close()
	prefix := s.stream + "/"
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for next := start; next < end; {
		fs := cl.PollFetches(rctx)
		if err := rctx.Err(); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, errs.New(errs.KindUnavailable, errs.CodeIncrApply,
				fmt.Sprintf("reading the positions topic %s timed out at offset %d of %d", s.posTopic, next, end),
				"Check the brokers' health; godwit retries.")
		}
		if err := fs.Err0(); err != nil {
			return nil, s.e.produceErr(ctx, "reading the positions topic "+s.posTopic, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= next {
				next = r.Offset + 1
			}
			if r.Attrs.IsControl() || !strings.HasPrefix(string(r.Key), prefix) || r.Offset >= end {
				return
			}
			w, err := strconv.Atoi(string(r.Key[len(prefix):]))
			if err != nil || w < 0 {
				return
			}
			if r.Value == nil { // Forget's tombstone
				delete(out, w)
				return
			}
			var v posValue
			if json.Unmarshal(r.Value, &v) != nil {
				return
			}
			if cur, ok := out[w]; !ok || v.Seq >= cur.Seq {
				out[w] = endpoint.Checkpoint{Worker: w, Seq: v.Seq, Pos: v.Pos, Time: v.Time}
			}
		})
	}
	return out, nil
}

// offsets returns a partition's log start and last stable offset.
func (e *Endpoint) offsets(ctx context.Context, topic string, part int32) (start, end int64, err error) {
	for _, ts := range []int64{-2, -1} {
		req := kmsg.NewPtrListOffsetsRequest()
		req.IsolationLevel = 1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = part
		rp.Timestamp = ts
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, e.cl)
		if err != nil {
			return 0, 0, e.connErr(ctx, err)
		}
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			return 0, 0, errs.New(errs.KindUnavailable, errs.CodeIncrApply, "listing offsets of "+topic+": empty answer", "godwit retries.")
		}
		p := resp.Topics[0].Partitions[0]
		if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
			return 0, 0, e.produceErr(ctx, "listing offsets of "+topic, err)
		}
		if ts == -2 {
			start = p.Offset
		} else {
			end = p.Offset
		}
	}
	return start, end, nil
}

// Acknowledge records positions outside any data.
func (s *streamSink) Acknowledge(ctx context.Context, cps []endpoint.Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	recs, err := s.posRecords(ctx, cps)
	if err != nil {
		return err
	}
	return s.txn(ctx, "ctl", "recording positions", recs)
}

// Forget writes tombstones for the stream's positions (compaction then drops them).
func (s *streamSink) Forget(ctx context.Context) error {
	got, err := s.readPositions(ctx)
	if err != nil {
		return err
	}
	if len(got) == 0 {
		return nil
	}
	var recs []*kgo.Record
	for w := range got {
		recs = append(recs, &kgo.Record{Topic: s.posTopic, Partition: 0, Key: s.posKey(w)})
	}
	err = s.txn(ctx, "ctl", "removing positions", recs)
	s.Close()
	return err
}

// PublishDDL publishes a DDL message and moves every worker to it, in one transaction.
func (s *streamSink) PublishDDL(ctx context.Context, d endpoint.DDLMessage) error {
	ev := ddlEvent{db: d.Database, sql: d.Target, kinds: d.Kinds, seq: d.Seq, pos: d.Pos, time: d.Time,
		nowMs: s.e.now().UnixMilli(), id: fmt.Sprintf("%s:%d:ddl", s.stream, d.Seq)}
	if ev.sql == "" {
		ev.sql = d.Query
	}
	if len(d.Tables) > 0 {
		ev.db, ev.table = d.Tables[0].Schema, d.Tables[0].Name
	}
	msg, err := s.e.enc.encodeDDL(&ev)
	if err != nil {
		return err
	}
	recs, err := s.e.records(ctx, []message{msg}, nil)
	if err != nil {
		return err
	}
	pr, err := s.posRecords(ctx, d.Positions)
	if err != nil {
		return err
	}
	return s.txn(ctx, "ctl", "publishing a DDL", append(recs, pr...))
}

func sleepCtx(ctx context.Context, attempt int) error {
	d := time.Duration(50*(attempt+1)) * time.Millisecond
	t := time.NewTimer(min(d, time.Second))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
