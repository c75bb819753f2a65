package kafka

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	segkafka "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/schema"
)

// The tests publish through the real sink into franz-go's in-process broker (kfake) and
// read the topics back with an independent client library (segmentio/kafka-go, with
// isolation level read_committed), then check each field against the formats' public
// specifications: the expected values below are worked out from the specs by hand, not
// produced by godwit's encoder.

func newCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(3)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func kafkaDS(c *kfake.Cluster) model.DataSource {
	return model.DataSource{Type: model.TypeKafka, Options: map[string]string{"endpoint": strings.Join(c.ListenAddrs(), ",")}}
}

func openSink(t *testing.T, c *kfake.Cluster, ct model.CommonTransferConfig) *Endpoint {
	t.Helper()
	p := &model.Project{CommonTransferConfig: ct}
	p.ApplyDefaults()
	p.IncrTransferConfig.IncrSyncConcurrency = 2
	e, err := OpenKafka(context.Background(), kafkaDS(c), endpoint.Options{Project: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

type consumed struct {
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte // nil: tombstone
	ID        string
}

// consume reads every committed message of topic with kafka-go until n were read.
func consume(t *testing.T, c *kfake.Cluster, topic string, n int) []consumed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := segkafka.DialContext(ctx, "tcp", c.ListenAddrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out []consumed
	for _, p := range parts {
		r := segkafka.NewReader(segkafka.ReaderConfig{Brokers: c.ListenAddrs(), Topic: topic, Partition: p.ID,
			IsolationLevel: segkafka.ReadCommitted, MaxWait: 100 * time.Millisecond, MinBytes: 1, MaxBytes: 10 << 20})
		for {
			lag, err := r.ReadLag(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if lag <= 0 {
				break
			}
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatalf("topic %s partition %d: %v", topic, p.ID, err)
			}
			if isControl(m) {
				continue
			}
			cm := consumed{Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value}
			for _, h := range m.Headers {
				if h.Key == "godwit-id" {
					cm.ID = string(h.Value)
				}
			}
			out = append(out, cm)
		}
		r.Close()
	}
	if len(out) != n {
		for _, m := range out {
			t.Logf("p%d o%d key %q id %q value %.60q", m.Partition, m.Offset, m.Key, m.ID, m.Value)
		}
		t.Fatalf("topic %s: %d messages, want %d", topic, len(out), n)
	}
	return out
}

// awkward is a table with the types whose rendering the formats specify.
func awkward() *schema.Table {
	col := func(name, dt, ct string, unsigned, nullable bool) schema.Column {
		return schema.Column{Name: name, DataType: dt, ColumnType: ct, Unsigned: unsigned, Nullable: nullable}
	}
	return &schema.Table{Schema: "shop", Name: "awk", PrimaryKey: []string{"id"}, Columns: []schema.Column{
		col("id", "int", "int(11)", false, false),
		col("dec", "decimal", "decimal(10,2)", false, true),
		col("d", "date", "date", false, true),
		col("dt6", "datetime", "datetime(6)", false, true),
		col("dt0", "datetime", "datetime", false, true),
		col("ts3", "timestamp", "timestamp(3)", false, true),
		col("tm", "time", "time(6)", false, true),
		col("b10", "bit", "bit(10)", false, true),
		col("b1", "bit", "bit(1)", false, true),
		col("ubig", "bigint", "bigint(20) unsigned", true, true),
		col("uint", "int", "int(10) unsigned", true, true),
		col("vb", "varbinary", "varbinary(8)", false, true),
		col("e", "enum", "enum('a','b')", false, true),
		col("s", "set", "set('a','b','c')", false, true),
		col("j", "json", "longtext", false, true),
		col("y", "year", "year(4)", false, true),
		col("f", "float", "float", false, true),
		col("db", "double", "double", false, true),
		col("zd", "datetime", "datetime", false, true),
		col("txt", "varchar", "varchar(20)", false, true),
		col("g", "point", "point", false, true),
	}}
}

var pointWKB = []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40} // POINT(1 2)

func awkwardRow(id int64, dec string) change.Row {
	return change.Row{int64(id), []byte(dec), []byte("2024-01-31"), []byte("2024-01-31 12:34:56.123456"),
		[]byte("2024-01-31 12:34:56"), []byte("2024-01-31 12:34:56.789"), []byte("-838:59:59.000000"),
		[]byte{0x02, 0x01}, []byte{0x01}, uint64(18446744073709551615), int64(4294967295), []byte{0x00, 0xff, 0x10},
		[]byte("b"), []byte("a,c"), []byte(`{"a": 1}`), int64(2024), float32(1.5), float64(0.1),
		[]byte("0000-00-00 00:00:00"), []byte("é😀\"\n"), append([]byte{0, 0, 0, 0}, pointWKB...)}
}

func awkBatch(t *schema.Table) *endpoint.ChangeBatch {
	cols := t.ColumnNames()
	rc := func(op change.Op, before, after change.Row, seq uint64) endpoint.RowChange {
		return endpoint.RowChange{Op: op, Table: t, Key: []string{"id"}, Cols: cols, Before: before, After: after,
			Seq: seq, Pos: "mariadb-bin.000003:1234", Time: 1706704496}
	}
	return &endpoint.ChangeBatch{End: endpoint.Checkpoint{Worker: 0, Seq: 3, Pos: "mariadb-bin.000003:1234", Time: 1706704496},
		Changes: []endpoint.RowChange{
			rc(change.OpInsert, nil, awkwardRow(1, "-1.50"), 1),
			rc(change.OpUpdate, awkwardRow(1, "-1.50"), awkwardRow(1, "12345678.90"), 2),
			rc(change.OpDelete, awkwardRow(1, "12345678.90"), nil, 3),
		}}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return m
}

func want(t *testing.T, what string, got any, exp string) {
	t.Helper()
	var s string
	switch x := got.(type) {
	case nil:
		s = "null"
	case json.Number:
		s = x.String()
	case string:
		s = x
	case bool:
		if x {
			s = "true"
		} else {
			s = "false"
		}
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	if s != exp {
		t.Errorf("%s = %s, want %s", what, s, exp)
	}
}

func TestDebeziumEnvelope(t *testing.T) {
	c := newCluster(t)
	e := openSink(t, c, model.CommonTransferConfig{MqSerializerType: "DEBEZIUM", MqTopicPrefix: "srv"})
	tbl := awkward()
	s, err := e.SinkStream(context.Background(), "np_1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(context.Background(), awkBatch(tbl)); err != nil {
		t.Fatal(err)
	}
	msgs := consume(t, c, "srv.shop.awk", 4) // c, u, d and the delete's tombstone, all in one partition (same key)
	for _, m := range msgs[1:] {
		if m.Partition != msgs[0].Partition || m.Offset <= msgs[0].Offset {
			t.Fatalf("one key's messages not in one partition in order: %+v", msgs)
		}
	}
	// The partition is the one Kafka's default partitioner picks for the key.
	if string(msgs[0].Key) != `{"id":1}` {
		t.Errorf("key %s, want {\"id\":1}", msgs[0].Key)
	}
	if p := int(murmurJava(msgs[0].Key) % 3); p != msgs[0].Partition {
		t.Errorf("partition %d, Kafka's default partitioner picks %d", msgs[0].Partition, p)
	}
	ins, upd, del := decode(t, msgs[0].Value), decode(t, msgs[1].Value), decode(t, msgs[2].Value)
	want(t, "c.op", ins["op"], "c")
	want(t, "u.op", upd["op"], "u")
	want(t, "d.op", del["op"], "d")
	want(t, "c.before", ins["before"], "null")
	want(t, "d.after", del["after"], "null")
	if msgs[3].Value != nil || string(msgs[3].Key) != `{"id":1}` {
		t.Errorf("the delete is not followed by a tombstone: %+v", msgs[3])
	}
	src := ins["source"].(map[string]any)
	want(t, "source.file", src["file"], "mariadb-bin.000003")
	want(t, "source.pos", src["pos"], "1234")
	want(t, "source.ts_ms", src["ts_ms"], "1706704496000")
	want(t, "source.db", src["db"], "shop")
	want(t, "source.table", src["table"], "awk")
	want(t, "source.snapshot", src["snapshot"], "false")
	want(t, "source.connector", src["connector"], "mysql")
	want(t, "source.name", src["name"], "srv")
	if _, ok := ins["ts_ms"].(json.Number); !ok {
		t.Errorf("ts_ms missing: %v", ins["ts_ms"])
	}
	a := ins["after"].(map[string]any)
	// decimal.handling.mode=precise: base64 of the unscaled value's two's-complement bytes
	// (-1.50 at scale 2 → -150 → 0xff6a).
	want(t, "dec", a["dec"], base64.StdEncoding.EncodeToString([]byte{0xff, 0x6a}))
	want(t, "upd dec", upd["after"].(map[string]any)["dec"], base64.StdEncoding.EncodeToString([]byte{0x49, 0x96, 0x02, 0xd2}))
	want(t, "date (days since epoch)", a["d"], "19753")
	want(t, "datetime(6) (MicroTimestamp)", a["dt6"], "1706704496123456")
	want(t, "datetime(0) (Timestamp, ms)", a["dt0"], "1706704496000")
	want(t, "timestamp(3) (ZonedTimestamp)", a["ts3"], "2024-01-31T12:34:56.789Z")
	want(t, "time(6) (MicroTime)", a["tm"], "-3020399000000")
	want(t, "bit(10) (Bits, little-endian)", a["b10"], base64.StdEncoding.EncodeToString([]byte{0x01, 0x02}))
	want(t, "bit(1) (boolean)", a["b1"], "true")
	want(t, "bigint unsigned", a["ubig"], "18446744073709551615")
	want(t, "int unsigned (int64)", a["uint"], "4294967295")
	want(t, "varbinary (base64)", a["vb"], "AP8Q")
	want(t, "enum", a["e"], "b")
	want(t, "set", a["s"], "a,c")
	want(t, "json (string)", a["j"], `{"a": 1}`)
	want(t, "year", a["y"], "2024")
	want(t, "float", a["f"], "1.5")
	want(t, "double", a["db"], "0.1")
	want(t, "zero datetime, nullable", a["zd"], "null")
	want(t, "utf8 text", a["txt"], "é😀\"\n")
	g := a["g"].(map[string]any)
	want(t, "geometry wkb", g["wkb"], base64.StdEncoding.EncodeToString(pointWKB))
	want(t, "geometry srid", g["srid"], "0")

	// Snapshot rows are op "r" with before null and source.snapshot "true".
	if _, err := e.WriteRows(context.Background(), endpoint.WriteRequest{Table: tbl, Columns: tbl.ColumnNames(),
		Rows: []change.Row{awkwardRow(2, "0.00")}}); err != nil {
		t.Fatal(err)
	}
	all := consume(t, c, "srv.shop.awk", 5)
	var snap map[string]any
	for _, m := range all {
		if strings.HasPrefix(m.ID, "snapshot:") {
			snap = decode(t, m.Value)
			want(t, "snapshot id", m.ID, `snapshot:shop.awk:{"id":2}`)
		}
	}
	if snap == nil {
		t.Fatal("no snapshot message")
	}
	want(t, "r.op", snap["op"], "r")
	want(t, "r.before", snap["before"], "null")
	want(t, "r.source.snapshot", snap["source"].(map[string]any)["snapshot"], "true")
	want(t, "r dec 0.00", snap["after"].(map[string]any)["dec"], "AA==")
}

// murmurJava is Kafka's documented default partitioner (murmur2, positive, modulo),
// written independently of the sink's partitioner for the check above.
func murmurJava(key []byte) uint32 {
	const m = 0x5bd1e995
	length := len(key)
	h := uint32(0x9747b28c) ^ uint32(length)
	i := 0
	for ; length-i >= 4; i += 4 {
		k := uint32(key[i]) + uint32(key[i+1])<<8 + uint32(key[i+2])<<16 + uint32(key[i+3])<<24
		k *= m
		k ^= k >> 24
		k *= m
		h = h*m ^ k
	}
	rest := key[i:]
	if len(rest) >= 3 {
		h ^= uint32(rest[2]) << 16
	}
	if len(rest) >= 2 {
		h ^= uint32(rest[1]) << 8
	}
	if len(rest) >= 1 {
		h ^= uint32(rest[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h & 0x7fffffff
}

func TestCanalFlatMessage(t *testing.T) {
	c := newCluster(t)
	e := openSink(t, c, model.CommonTransferConfig{MqSerializerType: "CANAL", MqPartitionMode: "ONE", MqPartition: 2})
	tbl := awkward()
	s, _ := e.SinkStream(context.Background(), "np_2")
	if _, err := s.Push(context.Background(), awkBatch(tbl)); err != nil {
		t.Fatal(err)
	}
	msgs := consume(t, c, "godwit.shop.awk", 3)
	for _, m := range msgs {
		if m.Partition != 2 {
			t.Errorf("mqPartitionMode ONE, mqPartition 2: message in partition %d", m.Partition)
		}
	}
	ins, upd, del := decode(t, msgs[0].Value), decode(t, msgs[1].Value), decode(t, msgs[2].Value)
	want(t, "type", ins["type"], "INSERT")
	want(t, "type", upd["type"], "UPDATE")
	want(t, "type", del["type"], "DELETE")
	want(t, "isDdl", ins["isDdl"], "false")
	want(t, "database", ins["database"], "shop")
	want(t, "table", ins["table"], "awk")
	want(t, "pkNames", ins["pkNames"], `["id"]`)
	want(t, "es", ins["es"], "1706704496000")
	want(t, "old (insert)", ins["old"], "null")
	want(t, "sql", ins["sql"], "")
	d := ins["data"].([]any)[0].(map[string]any)
	want(t, "data.id", d["id"], "1")
	want(t, "data.dec", d["dec"], "-1.50")
	want(t, "data.b10", d["b10"], "513")
	want(t, "data.ubig", d["ubig"], "18446744073709551615")
	want(t, "data.vb (ISO-8859-1)", d["vb"], "\u0000\u00ff\u0010")
	want(t, "data.dt6", d["dt6"], "2024-01-31 12:34:56.123456")
	want(t, "data.zd", d["zd"], "0000-00-00 00:00:00")
	want(t, "data.txt", d["txt"], "é😀\"\n")
	mt := ins["mysqlType"].(map[string]any)
	want(t, "mysqlType.uint", mt["uint"], "int(10) unsigned")
	want(t, "mysqlType.dec", mt["dec"], "decimal(10,2)")
	st := ins["sqlType"].(map[string]any)
	for col, code := range map[string]string{"id": "4", "dec": "3", "d": "91", "tm": "92", "dt6": "93", "b10": "-7",
		"ubig": "3", "uint": "-5", "vb": "-3", "txt": "12", "f": "7", "db": "8"} {
		want(t, "sqlType."+col, st[col], code)
	}
	// old: only the changed column, with its old value.
	old := upd["old"].([]any)[0].(map[string]any)
	if len(old) != 1 {
		t.Errorf("old holds %d columns, want only the changed one: %v", len(old), old)
	}
	want(t, "old.dec", old["dec"], "-1.50")
	want(t, "update data.dec", upd["data"].([]any)[0].(map[string]any)["dec"], "12345678.90")
	want(t, "delete data.dec", del["data"].([]any)[0].(map[string]any)["dec"], "12345678.90")
}

func TestFlattenAndDefault(t *testing.T) {
	c := newCluster(t)
	tbl := awkward()
	e := openSink(t, c, model.CommonTransferConfig{MqSerializerType: "DEBEZIUMFLATTEN", MqTopic: "flat", MqPartitionMode: "TABLE"})
	s, _ := e.SinkStream(context.Background(), "np_3")
	if _, err := s.Push(context.Background(), awkBatch(tbl)); err != nil {
		t.Fatal(err)
	}
	msgs := consume(t, c, "flat", 3) // create, update, and the delete as a tombstone only
	f := decode(t, msgs[1].Value)
	want(t, "flat dec", f["dec"], base64.StdEncoding.EncodeToString([]byte{0x49, 0x96, 0x02, 0xd2}))
	want(t, "flat id", f["id"], "1")
	if _, ok := f["op"]; ok {
		t.Errorf("flattened message has an envelope: %v", f)
	}
	if msgs[2].Value != nil {
		t.Errorf("flattened delete is not a tombstone: %s", msgs[2].Value)
	}

	e2 := openSink(t, c, model.CommonTransferConfig{MqSerializerType: "DEFAULT", MqTopic: "def"})
	s2, _ := e2.SinkStream(context.Background(), "np_4")
	if _, err := s2.Push(context.Background(), awkBatch(tbl)); err != nil {
		t.Fatal(err)
	}
	msgs = consume(t, c, "def", 3)
	u := decode(t, msgs[1].Value)
	want(t, "op", u["op"], "UPDATE")
	want(t, "id", u["id"], "np_4:2:0:0")
	want(t, "pk", u["pk"], `["id"]`)
	want(t, "before.dec", u["before"].(map[string]any)["dec"], "-1.50")
	want(t, "after.dec", u["after"].(map[string]any)["dec"], "12345678.90")
	want(t, "after.vb", u["after"].(map[string]any)["vb"], "AP8Q")
	want(t, "after.b10", u["after"].(map[string]any)["b10"], "513")
	want(t, "source.pos", u["source"].(map[string]any)["pos"], "mariadb-bin.000003:1234")
	want(t, "source.seq", u["source"].(map[string]any)["seq"], "2")
	if msgs[1].ID != "np_4:2:0:0" {
		t.Errorf("header godwit-id %q", msgs[1].ID)
	}
}

func TestDebeziumSchemaAndDDL(t *testing.T) {
	c := newCluster(t)
	e := openSink(t, c, model.CommonTransferConfig{MqSerializerType: "DEBEZIUM", MqWithSchema: true})
	tbl := awkward()
	s, _ := e.SinkStream(context.Background(), "np_5")
	if _, err := s.Push(context.Background(), awkBatch(tbl)); err != nil {
		t.Fatal(err)
	}
	msgs := consume(t, c, "godwit.shop.awk", 4)
	v := decode(t, msgs[0].Value)
	sch := v["schema"].(map[string]any)
	want(t, "schema.name", sch["name"], "godwit.shop.awk.Envelope")
	fields := map[string]map[string]any{}
	for _, f := range sch["fields"].([]any)[1].(map[string]any)["fields"].([]any) {
		fm := f.(map[string]any)
		fields[fm["field"].(string)] = fm
	}
	want(t, "dec type", fields["dec"]["type"], "bytes")
	want(t, "dec name", fields["dec"]["name"], "org.apache.kafka.connect.data.Decimal")
	want(t, "dec scale", fields["dec"]["parameters"].(map[string]any)["scale"], "2")
	want(t, "d name", fields["d"]["name"], "io.debezium.time.Date")
	want(t, "dt6 name", fields["dt6"]["name"], "io.debezium.time.MicroTimestamp")
	want(t, "dt0 name", fields["dt0"]["name"], "io.debezium.time.Timestamp")
	want(t, "ts3 name", fields["ts3"]["name"], "io.debezium.time.ZonedTimestamp")
	want(t, "b10 length", fields["b10"]["parameters"].(map[string]any)["length"], "10")
	want(t, "uint type", fields["uint"]["type"], "int64")
	want(t, "id type", fields["id"]["type"], "int32")
	want(t, "id optional", fields["id"]["optional"], "false")
	if _, ok := v["payload"].(map[string]any)["after"]; !ok {
		t.Errorf("no payload.after: %v", v)
	}
	k := decode(t, msgs[0].Key)
	want(t, "key payload", k["payload"], `{"id":1}`)

	// A DDL goes to the schema-change topic (named after the prefix) with the positions.
	pub := s.(endpoint.DDLPublisher)
	if err := pub.PublishDDL(context.Background(), endpoint.DDLMessage{Database: "shop", Tables: []endpoint.TableName{{Schema: "shop", Name: "awk"}},
		Kinds: []string{"ADD_COLUMN"}, Query: "ALTER TABLE awk ADD c INT", Target: "ALTER TABLE `shop`.`awk` ADD c INT", Seq: 4,
		Pos: "mariadb-bin.000003:2000", Time: 1706704500, Positions: []endpoint.Checkpoint{{Worker: 0, Seq: 4, Pos: "mariadb-bin.000003:2000"}, {Worker: 1, Seq: 4, Pos: "mariadb-bin.000003:2000"}}}); err != nil {
		t.Fatal(err)
	}
	ddl := consume(t, c, "godwit", 1)
	dv := decode(t, ddl[0].Value)["payload"].(map[string]any)
	want(t, "ddl", dv["ddl"], "ALTER TABLE `shop`.`awk` ADD c INT")
	want(t, "databaseName", dv["databaseName"], "shop")
	want(t, "ddl source.pos", dv["source"].(map[string]any)["pos"], "2000")
	cps, err := s.Acknowledged(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 || cps[0].Seq != 4 || cps[1].Seq != 4 {
		t.Errorf("positions after the DDL: %+v", cps)
	}
}

// TestExactlyOnceRestart: a batch's position is read back by a new endpoint (a restart),
// and a transaction a dead process left open is fenced and never becomes visible.
func TestExactlyOnceRestart(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	tbl := awkward()
	ct := model.CommonTransferConfig{MqSerializerType: "DEBEZIUM"}
	e := openSink(t, c, ct)
	s, _ := e.SinkStream(ctx, "np_6")
	if cps, err := s.Acknowledged(ctx); err != nil || len(cps) != 0 {
		t.Fatalf("new stream: %v %v", cps, err)
	}
	if _, err := s.Push(ctx, awkBatch(tbl)); err != nil {
		t.Fatal(err)
	}
	// A "zombie": the same transactional id as worker 1, a transaction left open with data.
	zombie, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("godwit-np_6-1"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer zombie.Close()
	if err := zombie.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := zombie.ProduceSync(ctx, &kgo.Record{Topic: "godwit.shop.awk", Partition: 0, Value: []byte("zombie")},
		&kgo.Record{Topic: "godwit.positions", Partition: 0, Key: []byte("np_6/1"), Value: []byte(`{"worker":1,"seq":99}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// Restart: a new endpoint reads the positions back (fencing the zombie first).
	e2 := openSink(t, c, ct)
	s2, _ := e2.SinkStream(ctx, "np_6")
	cps, err := s2.Acknowledged(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 1 || cps[0].Seq != 3 || cps[0].Pos != "mariadb-bin.000003:1234" {
		t.Fatalf("positions after restart: %+v, want worker 0 at seq 3", cps)
	}
	if err := zombie.EndTransaction(ctx, kgo.TryCommit); err == nil {
		t.Fatal("the fenced zombie could still commit")
	}
	// kafka-go v0.4 does not drop aborted transactions' records (it parses the aborted list
	// but does not filter by it), so the read_committed check reads with franz-go.
	msgs := consumeKgo(t, c, "godwit.shop.awk", 4)
	for _, m := range msgs {
		if string(m.Value) == "zombie" {
			t.Fatal("the zombie's uncommitted record is visible to read_committed consumers")
		}
	}
	// Forget removes the stream's positions.
	if err := s2.Forget(ctx); err != nil {
		t.Fatal(err)
	}
	if cps, err := s2.Acknowledged(ctx); err != nil || len(cps) != 0 {
		t.Fatalf("after Forget: %v %v", cps, err)
	}
}

func TestSettingsRefused(t *testing.T) {
	ds := model.DataSource{Type: model.TypeKafka, Options: map[string]string{"endpoint": "127.0.0.1:9092", "enableSASL": "true",
		"saslMechanism": "KERBEROS"}, User: "u"}
	if err := checkDataSource(ds); err == nil || !strings.Contains(err.Error(), "KERBEROS") {
		t.Errorf("Kerberos: %v", err)
	}
	for name, ds := range map[string]model.DataSource{
		"no brokers":          {Type: model.TypeKafka},
		"bad broker":          {Type: model.TypeKafka, Options: map[string]string{"endpoint": "nohost"}},
		"user without SASL":   {Type: model.TypeKafka, Options: map[string]string{"endpoint": "h:1"}, User: "u"},
		"SASL without user":   {Type: model.TypeKafka, Options: map[string]string{"endpoint": "h:1", "enableSASL": "true"}},
		"unknown mechanism":   {Type: model.TypeKafka, Options: map[string]string{"endpoint": "h:1", "enableSASL": "true", "saslMechanism": "MD5"}, User: "u"},
		"mechanism sans SASL": {Type: model.TypeKafka, Options: map[string]string{"endpoint": "h:1", "saslMechanism": "PLAIN"}},
	} {
		if err := checkDataSource(ds); errs.As(err) == nil || errs.As(err).Code != errs.CodeParam {
			t.Errorf("%s: %v, want PARAM_ERROR", name, err)
		}
	}
	ok := model.DataSource{Type: model.TypeKafka, Options: map[string]string{"endpoint": "h:1,h2:2", "enableSASL": "true",
		"saslMechanism": "SCRAM-SHA-512", "enableSSL": "true"}, User: "u", Password: "p"}
	if err := checkDataSource(ok); err != nil {
		t.Errorf("valid data source refused: %v", err)
	}
	for name, p := range map[string]*model.Project{
		"verify":     {EnableFullVerify: true},
		"serializer": {CommonTransferConfig: model.CommonTransferConfig{MqSerializerType: "SHAREPLEX"}},
		"mode":       {CommonTransferConfig: model.CommonTransferConfig{MqPartitionMode: "MD5"}},
		"partition":  {CommonTransferConfig: model.CommonTransferConfig{MqPartition: 3}},
		"topic":      {CommonTransferConfig: model.CommonTransferConfig{MqTopic: "a b"}},
		"defer":      {StructTransferConfig: model.StructTransferConfig{DeferIndexCreation: true}},
		"schema":     {CommonTransferConfig: model.CommonTransferConfig{MqWithSchema: true}},
	} {
		err := checkProject(p, true)
		if e := errs.As(err); e == nil || e.Code != errs.CodeParam {
			t.Errorf("%s: %v, want PARAM_ERROR", name, err)
		}
	}
	if err := checkProject(&model.Project{}, false); err == nil {
		t.Error("KAFKA as a source accepted")
	}
	var e *errs.Error
	if err := checkProject(&model.Project{EnableFullVerify: true}, true); !errors.As(err, &e) || !strings.Contains(e.Message, "enableFullVerify") {
		t.Errorf("verify refusal does not name the field: %v", err)
	}
}

func TestPrecheck(t *testing.T) {
	c := newCluster(t)
	e := openSink(t, c, model.CommonTransferConfig{})
	items, err := e.Precheck(context.Background(), endpoint.PrecheckRequest{Side: "DEST", Tables: []schema.Table{*awkward()}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]endpoint.CheckStatus{}
	for _, it := range items {
		got[it.Name] = it.Status
	}
	for _, n := range []string{"KAFKA_BROKERS", "KAFKA_TOPICS", "KAFKA_ACL", "KAFKA_TRANSACTIONS"} {
		if got[n] != endpoint.CheckPassed {
			t.Errorf("%s: %s (%+v)", n, got[n], items)
		}
	}
	// Unreachable brokers fail to open with KindUnavailable.
	_, err = OpenKafka(context.Background(), model.DataSource{Type: model.TypeKafka, Options: map[string]string{"endpoint": "127.0.0.1:1"}}, endpoint.Options{})
	if e := errs.As(err); e == nil || e.Kind != errs.KindUnavailable {
		t.Errorf("unreachable broker: %v", err)
	}
}

// isControl recognises a transaction marker, which kafka-go v0.4 hands over as a message:
// key = version int16 0 + type int16 (0 abort, 1 commit), value = version int16 0 +
// coordinator epoch int32, and no headers (the Kafka protocol's control record layout).
func isControl(m segkafka.Message) bool {
	return len(m.Key) == 4 && m.Key[0] == 0 && m.Key[1] == 0 && m.Key[2] == 0 && m.Key[3] <= 1 &&
		len(m.Value) == 6 && m.Value[0] == 0 && m.Value[1] == 0 && len(m.Headers) == 0
}

// consumeKgo reads every committed record of topic with a franz-go read_committed
// consumer until n were read.
func consumeKgo(t *testing.T, c *kfake.Cluster, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("topic %s: %d records, want %d", topic, len(out), n)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	// Nothing more: one short poll for a record past n.
	pctx, pcancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer pcancel()
	cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { out = append(out, r) })
	if len(out) != n {
		t.Fatalf("topic %s: %d records, want %d", topic, len(out), n)
	}
	return out
}
