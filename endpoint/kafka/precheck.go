package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/godwit/godwit/endpoint"
)

// Kafka ACL operation codes (AuthorizedOperations bit numbers).
const (
	aclRead  = 3
	aclWrite = 4
)

// Precheck checks, on the target side: the brokers answer (KAFKA_BROKERS); every topic
// the project writes exists or may be created (KAFKA_TOPICS; a create request with
// validateOnly); godwit's user may write those topics and read the positions topic
// (KAFKA_ACL, from the brokers' authorized operations); and the user may use transactions
// (KAFKA_TRANSACTIONS: a probe transactional id is initialised).
func (e *Endpoint) Precheck(ctx context.Context, req endpoint.PrecheckRequest) ([]endpoint.CheckItem, error) {
	side := req.Side
	item := func(name string, st endpoint.CheckStatus, msg, advice string) endpoint.CheckItem {
		return endpoint.CheckItem{Name: name, Side: side, Status: st, Message: msg, Advice: advice}
	}
	md, err := e.metadata(ctx, nil)
	if err != nil {
		return []endpoint.CheckItem{item("KAFKA_BROKERS", endpoint.CheckFailed, err.Error(),
			"Check options.endpoint, the SSL/SASL settings and the network.")}, nil
	}
	items := []endpoint.CheckItem{item("KAFKA_BROKERS", endpoint.CheckPassed,
		fmt.Sprintf("%d brokers reachable at %s", len(md.Brokers), strings.Join(e.conn.Brokers, ",")), "")}

	topics := map[string]bool{e.cfg.PosTopic: true}
	for _, t := range req.Tables {
		topics[e.cfg.tableTopic(t.Schema, t.Name)] = true
		if e.cfg.Serializer == SerDebezium || e.cfg.Serializer == SerDebeziumFlatten {
			topics[e.cfg.ddlTopic(t.Schema, t.Name)] = true
		}
	}
	names := make([]string, 0, len(topics))
	for t := range topics {
		names = append(names, t)
	}
	sort.Strings(names)
	tmd, err := e.metadata(ctx, names)
	if err != nil {
		return append(items, item("KAFKA_TOPICS", endpoint.CheckFailed, err.Error(), "")), nil
	}
	var missing, bad, present, noWrite, noRead []string
	for _, t := range tmd.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		terr := kerr.ErrorForCode(t.ErrorCode)
		switch {
		case terr == nil:
			present = append(present, name)
			if ops := t.AuthorizedOperations; ops != -2147483648 && ops != 0 {
				if ops&(1<<aclWrite) == 0 {
					noWrite = append(noWrite, name)
				}
				if name == e.cfg.PosTopic && ops&(1<<aclRead) == 0 {
					noRead = append(noRead, name)
				}
			}
			if e.cfg.Mode == PartOne && int(e.cfg.Partition) >= len(t.Partitions) && name != e.cfg.PosTopic {
				bad = append(bad, fmt.Sprintf("%s has %d partitions, mqPartition is %d", name, len(t.Partitions), e.cfg.Partition))
			}
		case errors.Is(terr, kerr.UnknownTopicOrPartition):
			if cerr := e.createTopic(ctx, name, name == e.cfg.PosTopic, true); cerr != nil {
				bad = append(bad, fmt.Sprintf("%s cannot be created: %v", name, cerr))
			} else {
				missing = append(missing, name)
			}
		case errors.Is(terr, kerr.TopicAuthorizationFailed):
			noWrite = append(noWrite, name)
		default:
			bad = append(bad, fmt.Sprintf("%s: %v", name, terr))
		}
	}
	if len(bad) > 0 {
		items = append(items, item("KAFKA_TOPICS", endpoint.CheckFailed, strings.Join(bad, "; "),
			"Create the topics yourself, or grant godwit's user CREATE on the cluster; with mqPartitionMode ONE the partition must exist."))
	} else {
		items = append(items, item("KAFKA_TOPICS", endpoint.CheckPassed,
			fmt.Sprintf("%d topics present, %d to be created on first write", len(present), len(missing)), ""))
	}
	if len(noWrite)+len(noRead) > 0 {
		var parts []string
		if len(noWrite) > 0 {
			parts = append(parts, "no WRITE on "+strings.Join(noWrite, ", "))
		}
		if len(noRead) > 0 {
			parts = append(parts, "no READ on "+strings.Join(noRead, ", "))
		}
		items = append(items, item("KAFKA_ACL", endpoint.CheckFailed, "godwit's user has "+strings.Join(parts, "; "),
			"Grant WRITE (and DESCRIBE) on the topics and READ on the positions topic to godwit's user."))
	} else {
		items = append(items, item("KAFKA_ACL", endpoint.CheckPassed, "godwit's user may write the topics and read the positions topic", ""))
	}
	items = append(items, e.probeTransactions(ctx, item))
	return items, nil
}

func (e *Endpoint) probeTransactions(ctx context.Context, item func(string, endpoint.CheckStatus, string, string) endpoint.CheckItem) endpoint.CheckItem {
	cl, err := kgo.NewClient(append(append([]kgo.Opt{}, e.base...), kgo.TransactionalID("godwit-precheck"))...)
	if err != nil {
		return item("KAFKA_TRANSACTIONS", endpoint.CheckFailed, err.Error(), "")
	}
	defer cl.Close()
	if _, _, err := cl.ProducerID(ctx); err != nil {
		return item("KAFKA_TRANSACTIONS", endpoint.CheckFailed, "a transactional producer cannot start: "+err.Error(),
			"Grant godwit's user WRITE and DESCRIBE on transactional ids godwit-* and IDEMPOTENT_WRITE on the cluster; transactions need brokers of Kafka 0.11 or later.")
	}
	return item("KAFKA_TRANSACTIONS", endpoint.CheckPassed, "transactional producers (ids godwit-*) can start", "")
}
