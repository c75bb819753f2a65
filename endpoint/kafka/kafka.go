// Package kafka is the Kafka sink endpoint (franz-go): a project's full copy and change
// stream published as JSON messages (godwit's DEFAULT format, Canal's flat message,
// Debezium's envelope or its flattened form) into one topic per table or a single topic,
// keyed by the row's key, partitioned ONE / HASH / TABLE. It registers itself for
// model.TypeKafka.
//
// Delivery guarantee (see sink.go): change events are published exactly once — each
// worker's batch and its acknowledged position are committed in one Kafka transaction
// (the position in the compacted topic <checkpointSchema>.positions) and read back on
// restart, so consumers reading with isolation.level=read_committed see every change
// once, in source order per key. Snapshot rows (the full copy) are published at least
// once: a chunk interrupted by a crash is read and sent again; every message carries the
// header godwit-id, stable across such re-sends, to dedupe by.
package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
)

func init() {
	endpoint.Register(Open, model.TypeKafka)
	endpoint.RegisterDataSourceCheck(checkDataSource, model.TypeKafka)
	endpoint.RegisterProjectCheck(checkProject, model.TypeKafka)
}

// Endpoint is an open Kafka cluster connection for one project (or, opened without a
// project, for a connectivity test). Safe for concurrent use.
type Endpoint struct {
	conn    connConfig
	cfg     projConfig
	workers int // the project's incremental workers (positions to fence at restart)
	base    []kgo.Opt
	cl      *kgo.Client // metadata, admin requests and the snapshot producer (idempotent)
	version string
	enc     encoder
	now     func() time.Time

	mu    sync.Mutex
	parts map[string]int32 // topic → partition count
	metas map[metaKey]*tableMeta
}

type metaKey struct {
	t    *schema.Table
	cols string
}

var (
	_ endpoint.Endpoint             = (*Endpoint)(nil)
	_ endpoint.Schemaless           = (*Endpoint)(nil)
	_ endpoint.RowWriter            = (*Endpoint)(nil)
	_ endpoint.ChangeSink           = (*Endpoint)(nil)
	_ endpoint.CheckpointSchemaSink = (*Endpoint)(nil)
	_ endpoint.Prechecker           = (*Endpoint)(nil)
)

// clientOpts are the options every client of the data source shares.
func clientOpts(c connConfig) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(c.Brokers...), kgo.DialTimeout(10 * time.Second),
		kgo.RetryTimeout(30 * time.Second), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0),
		kgo.ProducerBatchMaxBytes(1 << 20), kgo.MaxBufferedBytes(64 << 20)}
	if c.SSL {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.NoHostVer {
			// disableIdentificationAlgorithm: the chain is verified, the host name is not.
			tc.InsecureSkipVerify = true
			tc.VerifyConnection = func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return fmt.Errorf("the broker sent no certificate")
				}
				pool := x509.NewCertPool()
				for _, ic := range cs.PeerCertificates[1:] {
					pool.AddCert(ic)
				}
				_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Intermediates: pool})
				return err
			}
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if c.SASL {
		switch c.Mechanism {
		case "PLAIN":
			opts = append(opts, kgo.SASL(plain.Auth{User: c.User, Pass: c.Password}.AsMechanism()))
		case "SCRAM-SHA-256":
			opts = append(opts, kgo.SASL(scram.Auth{User: c.User, Pass: c.Password}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			opts = append(opts, kgo.SASL(scram.Auth{User: c.User, Pass: c.Password}.AsSha512Mechanism()))
		}
	}
	return opts, nil
}

// Open connects to the data source's brokers and checks that they answer. Settings errors
// are PARAM_ERROR; unreachable brokers KindUnavailable; refused credentials CodeAccessDenied.
func Open(ctx context.Context, ds model.DataSource, opts endpoint.Options) (endpoint.Endpoint, error) {
	return OpenKafka(ctx, ds, opts)
}

// OpenKafka is Open with the concrete type.
func OpenKafka(ctx context.Context, ds model.DataSource, opts endpoint.Options) (*Endpoint, error) {
	conn, err := parseConn(ds)
	if err != nil {
		return nil, err
	}
	cfg, err := parseProject(opts.Project)
	if err != nil {
		return nil, err
	}
	base, err := clientOpts(conn)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(base...)
	if err != nil {
		return nil, errs.Invalid("KAFKA data source: %v", err)
	}
	e := &Endpoint{conn: conn, cfg: cfg, base: base, cl: cl, now: time.Now, parts: map[string]int32{},
		metas: map[metaKey]*tableMeta{}}
	e.enc = encoder{cfg: &e.cfg}
	if opts.Project != nil {
		e.workers = opts.Project.IncrTransferConfig.IncrSyncConcurrency
	}
	md, err := e.metadata(ctx, nil)
	if err != nil {
		cl.Close()
		return nil, err
	}
	e.version = fmt.Sprintf("Kafka (%d brokers)", len(md.Brokers))
	return e, nil
}

// connErr classifies a request failure.
func (e *Endpoint) connErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ge *errs.Error
	if errors.As(err, &ge) {
		return ge
	}
	if isAuthErr(err) {
		return errs.New(errs.KindInvalid, errs.CodeAccessDenied,
			fmt.Sprintf("Connectivity test failed: the brokers %v refused user %q: %v", e.conn.Brokers, e.conn.User, err),
			"Check the SASL mechanism, user name and password of the data source, and the user's ACLs.").Wrap(err)
	}
	return errs.New(errs.KindUnavailable, errs.CodeConnect,
		fmt.Sprintf("Connectivity test failed: cannot reach the Kafka brokers %v: %v", e.conn.Brokers, err),
		"Check options.endpoint (host:port of the brokers), enableSSL and the network between godwit and Kafka.").Wrap(err)
}

// isAuthErr reports a refusal of the credentials or of an ACL (not retried).
func isAuthErr(err error) bool {
	for _, k := range []error{kerr.SaslAuthenticationFailed, kerr.IllegalSaslState, kerr.UnsupportedSaslMechanism,
		kerr.TopicAuthorizationFailed, kerr.ClusterAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed,
		kerr.GroupAuthorizationFailed} {
		if errors.Is(err, k) {
			return true
		}
	}
	return strings.Contains(err.Error(), "SASL")
}

// metadata asks for the cluster's brokers and the named topics (nil: no topics).
func (e *Endpoint) metadata(ctx context.Context, topics []string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false
	req.IncludeTopicAuthorizedOperations = true
	if topics != nil {
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	} else {
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	resp, err := req.RequestWith(rctx, e.cl)
	if err != nil {
		return nil, e.connErr(ctx, err)
	}
	return resp, nil
}

// Ping checks that the brokers answer.
func (e *Endpoint) Ping(ctx context.Context) error {
	_, err := e.metadata(ctx, nil)
	return err
}

// Version names the cluster as seen at open time.
func (e *Endpoint) Version() string { return e.version }

// Close releases the client.
func (e *Endpoint) Close() error {
	e.cl.Close()
	return nil
}

// SchemaNote implements endpoint.Schemaless.
func (e *Endpoint) SchemaNote() string {
	return "Kafka topics are created (with the brokers' default partitions and replication) on first write"
}

// meta returns the encoder view of a target table for the given columns and key.
func (e *Endpoint) meta(t *schema.Table, cols, key []string) (*tableMeta, error) {
	k := metaKey{t: t, cols: joinNames(cols) + "|" + joinNames(key)}
	e.mu.Lock()
	m := e.metas[k]
	e.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m, err := newTableMeta(&e.cfg, t, cols, key)
	if err != nil {
		return nil, errs.New(errs.KindInternal, errs.CodeIncrApply, err.Error(), "Compare the source table with the plan and resume.")
	}
	e.mu.Lock()
	if len(e.metas) > 4096 { // bounded: tables × column sets
		clear(e.metas)
	}
	e.metas[k] = m
	e.mu.Unlock()
	return m, nil
}

func joinNames(s []string) string {
	n := 0
	for _, x := range s {
		n += len(x) + 1
	}
	b := make([]byte, 0, n)
	for _, x := range s {
		b = append(b, x...)
		b = append(b, 0)
	}
	return string(b)
}
