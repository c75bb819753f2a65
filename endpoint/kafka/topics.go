package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/godwit/godwit/errs"
)

// partitions returns topic's partition count, creating the topic (brokers' default
// partitions and replication; compacted when compact is set) when it does not exist.
func (e *Endpoint) partitions(ctx context.Context, topic string, compact bool) (int32, error) {
	e.mu.Lock()
	n, ok := e.parts[topic]
	e.mu.Unlock()
	if ok {
		return n, nil
	}
	for attempt := 0; ; attempt++ {
		md, err := e.metadata(ctx, []string{topic})
		if err != nil {
			return 0, err
		}
		if len(md.Topics) == 1 {
			t := md.Topics[0]
			if err := kerr.ErrorForCode(t.ErrorCode); err == nil && len(t.Partitions) > 0 {
				n = int32(len(t.Partitions))
				e.mu.Lock()
				e.parts[topic] = n
				e.mu.Unlock()
				return n, nil
			} else if err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) && !errors.Is(err, kerr.LeaderNotAvailable) {
				return 0, topicErr(topic, "describe", err)
			}
		}
		if attempt >= 20 {
			return 0, errs.New(errs.KindUnavailable, errs.CodeIncrApply, fmt.Sprintf("topic %s does not become available", topic),
				"Check the brokers' health and that godwit may create topics (or create the topic yourself).")
		}
		if attempt == 0 {
			if err := e.createTopic(ctx, topic, compact, false); err != nil {
				return 0, err
			}
		}
		if err := sleepCtx(ctx, attempt); err != nil {
			return 0, err
		}
	}
}

// createTopic creates topic (validateOnly: only asks whether it could be created).
func (e *Endpoint) createTopic(ctx context.Context, topic string, compact, validateOnly bool) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 15000
	req.ValidateOnly = validateOnly
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = topic
	rt.NumPartitions = -1
	rt.ReplicationFactor = -1
	if compact {
		rt.NumPartitions = 1
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name = "cleanup.policy"
		c.Value = kmsg.StringPtr("compact")
		rt.Configs = append(rt.Configs, c)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, e.cl)
	if err != nil {
		return e.connErr(ctx, err)
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return topicErr(topic, "create", err)
		}
	}
	return nil
}

func topicErr(topic, what string, err error) error {
	kind := errs.KindUnavailable
	if isAuthErr(err) || errors.Is(err, kerr.InvalidTopicException) || errors.Is(err, kerr.PolicyViolation) ||
		errors.Is(err, kerr.InvalidReplicationFactor) || errors.Is(err, kerr.InvalidPartitions) {
		kind = errs.KindInvalid
	}
	return errs.New(kind, errs.CodeIncrApply, fmt.Sprintf("cannot %s topic %s: %v", what, topic, err),
		"Grant godwit's user CREATE and WRITE on the topic (or create it yourself), then resume the project.").Wrap(err)
}

// murmur2 is Kafka's default partitioner hash (the Java client's Utils.murmur2), so a
// key lands in the partition any Kafka client would choose for it.
func murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n & 3 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// records turns messages into records with their partitions (ensuring the topics).
func (e *Endpoint) records(ctx context.Context, msgs []message, out []*kgo.Record) ([]*kgo.Record, error) {
	for i := range msgs {
		m := &msgs[i]
		n, err := e.partitions(ctx, m.topic, false)
		if err != nil {
			return out, err
		}
		var p int32
		switch e.cfg.Mode {
		case PartOne:
			if e.cfg.Partition >= n {
				return out, errs.New(errs.KindInvalid, errs.CodeParam,
					fmt.Sprintf("commonTransferConfig.mqPartition %d does not exist: topic %s has %d partitions", e.cfg.Partition, m.topic, n),
					"Choose a partition below the topic's partition count, or add partitions to the topic.")
			}
			p = e.cfg.Partition
		default:
			p = (murmur2(m.pkey) & 0x7fffffff) % n
		}
		out = append(out, &kgo.Record{Topic: m.topic, Partition: p, Key: m.key, Value: m.value,
			Headers: []kgo.RecordHeader{{Key: "godwit-id", Value: []byte(m.id)}}})
	}
	return out, nil
}
