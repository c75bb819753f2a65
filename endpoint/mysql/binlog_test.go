package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/binlog"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/schema"
	"github.com/godwit/godwit/testenv"
)

// blEnv is the binlog test fixture: one private MariaDB (ROW/FULL/FULL binlog), an
// endpoint on it and a root pool.
type blEnv struct {
	srv  *testenv.MariaDB
	ep   *Endpoint
	root *sql.DB
}

var errBLStop = errors.New("stop")

// TestBinlogMariaDB runs the change-capture suites against one private MariaDB. The
// restart and purge suites run last: they stop the server and drop old binlog files.
func TestBinlogMariaDB(t *testing.T) {
	ctx := context.Background()
	srv := testenv.MariaDBT(t, testenv.MariaDBOptions{})
	ep, err := OpenMySQL(ctx, srv.DataSource("src"), endpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	root, err := srv.DB("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	env := &blEnv{srv: srv, ep: ep, root: root}

	t.Run("alltypes", func(t *testing.T) { blTestAllTypes(t, env) })
	t.Run("dml", func(t *testing.T) { blTestDML(t, env) })
	t.Run("parts", func(t *testing.T) { blTestParts(t, env) })
	t.Run("at_time", func(t *testing.T) { blTestAtTime(t, env) })
	t.Run("compressed", func(t *testing.T) { blTestCompressed(t, env) })
	t.Run("heartbeat", func(t *testing.T) { blTestHeartbeat(t, env) })
	t.Run("settings", func(t *testing.T) { blTestSettings(t, env) })
	t.Run("restart", func(t *testing.T) { blTestRestart(t, env) })
	t.Run("purged", func(t *testing.T) { blTestPurged(t, env) })
}

func (env *blEnv) pos(t *testing.T) string {
	t.Helper()
	p, err := env.ep.CurrentPosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// collect streams from `from` until a transaction at or past `until` and returns the
// transactions seen.
func (env *blEnv) collect(t *testing.T, from, until string, want func(s, tb string) bool) []*change.Txn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out []*change.Txn
	err := env.ep.StreamChanges(ctx, from, want, func(tx *change.Txn) error {
		out = append(out, tx)
		c, err := env.ep.ComparePositions(tx.Pos, until)
		if err != nil {
			return err
		}
		if c >= 0 {
			return errBLStop
		}
		return nil
	})
	if !errors.Is(err, errBLStop) {
		t.Fatalf("StreamChanges from %s: %v", from, err)
	}
	return out
}

func blExec(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// blCheckTypes: the column types the binlog records are the catalog's DATA_TYPE names (JSON,
// which MariaDB logs as LONGTEXT, aside), binary exactly for the byte-string columns.
func blCheckTypes(t *testing.T, tbl *schema.Table, types []change.ColType) {
	t.Helper()
	if len(types) != len(tbl.Columns) {
		t.Fatalf("binlog types %v for %d columns", types, len(tbl.Columns))
	}
	for i, c := range tbl.Columns {
		want := strings.ToLower(c.DataType)
		if !types[i].Is(want) || want == "json" && types[i].Assumed() != "longtext" {
			t.Errorf("column %s (%s): binlog type %q, want %q", c.Name, c.ColumnType, types[i].DataType, want)
		}
		bin := strings.EqualFold(c.Charset, "binary") || strings.Contains(want, "binary") || strings.Contains(want, "blob") ||
			want == "bit" || want == "geometry"
		if types[i].Binary != bin {
			t.Errorf("column %s (%s): binlog binary %v, want %v", c.Name, c.ColumnType, types[i].Binary, bin)
		}
		if types[i].Unsigned != c.Unsigned {
			t.Errorf("column %s (%s): binlog unsigned %v, want %v", c.Name, c.ColumnType, types[i].Unsigned, c.Unsigned)
		}
	}
}

// blSame reports whether two change values are identical in type and value (floats by bits).
func blSame(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && a == b
}

func blShow(v any) string {
	if b, ok := v.([]byte); ok {
		if len(b) > 60 {
			return fmt.Sprintf("[]byte(%d)%q…", len(b), b[:60])
		}
		return fmt.Sprintf("[]byte%q", b)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// blTestAllTypes loads sampledb (all_types: one row per edge value of every type) and
// compares what the binlog decodes with what ReadChunk reads, column by column.
func blTestAllTypes(t *testing.T, env *blEnv) {
	ctx := context.Background()
	p0 := env.pos(t)
	name := testenv.UniqueName("blat")
	if _, err := sampledb.Create(ctx, env.root, name, sampledb.Options{Scale: 0.01, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.root.Exec("DROP DATABASE IF EXISTS " + sqlval.QuoteIdent(name)) })
	p1 := env.pos(t)

	txns := env.collect(t, p0, p1, func(s, tb string) bool { return s == name && tb == "all_types" })
	logged := map[int64]change.Event{}
	var ddl []string
	for _, tx := range txns {
		for _, ev := range tx.Events {
			switch {
			case ev.Op == change.OpDDL:
				ddl = append(ddl, ev.Query)
			case ev.Table != "all_types" || ev.Schema != name:
				t.Fatalf("row event of an unwanted table %s.%s", ev.Schema, ev.Table)
			case ev.Op != change.OpInsert || ev.Before != nil:
				t.Fatalf("unexpected %v event", ev.Op)
			default:
				logged[ev.After[0].(int64)] = ev
			}
		}
	}
	if len(ddl) < 8 || !strings.Contains(ddl[0], "CREATE DATABASE") {
		t.Errorf("DDL events: %q", ddl)
	}

	tbl, err := env.ep.ReadTable(ctx, name, "all_types")
	if err != nil {
		t.Fatal(err)
	}
	cols := tbl.ColumnNames()
	read := 0
	_, err = env.ep.ReadChunk(ctx, endpoint.ReadRequest{Table: tbl}, func(r change.Row) error {
		read++
		id := r[0].(int64)
		ev, ok := logged[id]
		if !ok {
			t.Errorf("row id %d not in the binlog", id)
			return nil
		}
		if !slices.Equal(ev.Columns, cols) {
			t.Fatalf("binlog columns %v, table columns %v", ev.Columns, cols)
		}
		if !slices.Equal(ev.Key, []int{0}) {
			t.Errorf("key %v, want [0]", ev.Key)
		}
		if read == 1 {
			blCheckTypes(t, tbl, ev.Types)
		}
		for i, c := range cols {
			if !blSame(ev.After[i], r[i]) {
				t.Errorf("id %d (%s) column %s: binlog %s, SELECT %s", id, r[1], c, blShow(ev.After[i]), blShow(r[i]))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compared %d rows × %d columns; %d DDL events; %d transactions", read, len(cols), len(ddl), len(txns))
	if read != len(logged) || read < 53 {
		t.Errorf("read %d rows, binlog has %d", read, len(logged))
	}
}

// blNewDB creates a database and returns its name and a pool using it as default.
func blNewDB(t *testing.T, env *blEnv, prefix string) (string, *sql.DB) {
	t.Helper()
	return testenv.NewMariaDBDatabase(t, env.srv, prefix)
}

// blRender renders the row and DDL events of txns compactly, one line per event; empty
// transactions render as "(empty)".
func blRender(txns []*change.Txn) []string {
	val := func(r change.Row) string {
		var p []string
		for _, v := range r {
			switch x := v.(type) {
			case nil:
				p = append(p, "NULL")
			case []byte:
				p = append(p, fmt.Sprintf("%q", x))
			case uint64:
				p = append(p, fmt.Sprintf("u%d", x))
			default:
				p = append(p, fmt.Sprintf("%T:%v", v, v))
			}
		}
		return "[" + strings.Join(p, " ") + "]"
	}
	var out []string
	for _, tx := range txns {
		if len(tx.Events) == 0 {
			out = append(out, "(empty)")
			continue
		}
		for j, ev := range tx.Events {
			prefix := fmt.Sprintf("T%d ", len(tx.Events))
			if j > 0 {
				prefix = "   "
			}
			if ev.Op == change.OpDDL {
				out = append(out, prefix+"DDL "+ev.Schema+": "+ev.Query)
				continue
			}
			out = append(out, fmt.Sprintf("%s%v %s %v key=%v %s -> %s", prefix, ev.Op, ev.Table, ev.Columns, ev.Key, val(ev.Before), val(ev.After)))
		}
	}
	return out
}

// blTestDML checks inserts, updates (before/after), PK-changing updates, deletes, a
// multi-statement transaction, DDL events, filtering by want, latin1 and unsigned values,
// and an ALTER between two inserts: each row decodes with the columns it was logged with.
func blTestDML(t *testing.T, env *blEnv) {
	name, db := blNewDB(t, env, "bldml")
	p0 := env.pos(t)
	start := time.Now().Unix()
	blExec(t, db,
		"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET latin1, n INT UNSIGNED)",
		"CREATE TABLE other (id INT PRIMARY KEY)",
		"INSERT INTO t VALUES (1, 'é', 4294967295)",
		"INSERT INTO other VALUES (1)",
		"UPDATE t SET v = 'ü' WHERE id = 1",
		"UPDATE t SET id = 2 WHERE id = 1",
		"DELETE FROM t WHERE id = 2",
		"BEGIN",
		"INSERT INTO t VALUES (3, 'a', 1), (4, NULL, 2)",
		"INSERT INTO other VALUES (2)",
		"UPDATE t SET n = n + 1 WHERE id = 3",
		"DELETE FROM t WHERE id = 4",
		"COMMIT",
		"ALTER TABLE t ADD COLUMN extra VARCHAR(10) DEFAULT 'x'",
		"INSERT INTO t VALUES (5, 'c', 3, 'y')",
	)
	p1 := env.pos(t)
	txns := env.collect(t, p0, p1, func(s, tb string) bool { return s == name && tb == "t" })
	got := blRender(txns)
	want := []string{
		"T1 DDL " + name + ": CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET latin1, n INT UNSIGNED)",
		"T1 DDL " + name + ": CREATE TABLE other (id INT PRIMARY KEY)",
		`T1 INSERT t [id v n] key=[0] [] -> [int64:1 "é" int64:4294967295]`,
		"(empty)",
		`T1 UPDATE t [id v n] key=[0] [int64:1 "é" int64:4294967295] -> [int64:1 "ü" int64:4294967295]`,
		`T1 UPDATE t [id v n] key=[0] [int64:1 "ü" int64:4294967295] -> [int64:2 "ü" int64:4294967295]`,
		`T1 DELETE t [id v n] key=[0] [int64:2 "ü" int64:4294967295] -> []`,
		`T4 INSERT t [id v n] key=[0] [] -> [int64:3 "a" int64:1]`,
		`   INSERT t [id v n] key=[0] [] -> [int64:4 NULL int64:2]`,
		`   UPDATE t [id v n] key=[0] [int64:3 "a" int64:1] -> [int64:3 "a" int64:2]`,
		`   DELETE t [id v n] key=[0] [int64:4 NULL int64:2] -> []`,
		"T1 DDL " + name + ": ALTER TABLE t ADD COLUMN extra VARCHAR(10) DEFAULT 'x'",
		`T1 INSERT t [id v n extra] key=[0] [] -> [int64:5 "c" int64:3 "y"]`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	now := time.Now().Unix()
	prev := p0
	for _, tx := range txns {
		if tx.TxID == "" || !strings.HasPrefix(tx.TxID, "0-") || tx.Time < start-2 || tx.Time > now+2 {
			t.Errorf("txn at %s: GTID %q, time %d (test ran %d..%d)", tx.Pos, tx.TxID, tx.Time, start, now)
		}
		if c, _ := env.ep.ComparePositions(prev, tx.Pos); c >= 0 {
			t.Errorf("positions do not increase: %s then %s", prev, tx.Pos)
		}
		prev = tx.Pos
	}
	// Resuming from any emitted position yields exactly the transactions after it.
	for i := range txns[:len(txns)-1] {
		rest := env.collect(t, txns[i].Pos, p1, func(s, tb string) bool { return s == name && tb == "t" })
		if got, want := blRender(rest), blRender(txns[i+1:]); !slices.Equal(got, want) {
			t.Fatalf("resume from %s:\n got: %q\nwant: %q", txns[i].Pos, got, want)
		}
	}
}

// blTestAtTime checks PositionAtTime with transactions whose binlog time is set by
// SET timestamp (the server logs the session's time).
func blTestAtTime(t *testing.T, env *blEnv) {
	ctx := context.Background()
	name, db := blNewDB(t, env, "bltime")
	blExec(t, db, "CREATE TABLE x (id INT PRIMARY KEY)")
	p0 := env.pos(t)
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	blExec(t, c,
		"INSERT INTO x VALUES (1)",
		"SET timestamp = 2000000000", "INSERT INTO x VALUES (2)",
		"SET timestamp = 2000000005", "INSERT INTO x VALUES (3)",
		"SET timestamp = DEFAULT", "INSERT INTO x VALUES (4)")
	p1 := env.pos(t)
	all := env.collect(t, p0, p1, func(s, tb string) bool { return s == name })
	if len(all) != 4 || all[1].Time != 2000000000 || all[2].Time != 2000000005 {
		t.Fatalf("transactions: %q", blRender(all))
	}
	for _, tc := range []struct {
		ts   int64
		want string
	}{
		{2000000000, all[0].Pos}, {1999999999, all[0].Pos}, {2000000001, all[1].Pos}, {2000000005, all[1].Pos},
		{2100000000, p1},
	} {
		got, err := env.ep.PositionAtTime(ctx, tc.ts)
		if err != nil {
			t.Fatalf("PositionAtTime(%d): %v", tc.ts, err)
		}
		if got != tc.want {
			t.Errorf("PositionAtTime(%d) = %s, want %s", tc.ts, got, tc.want)
		}
	}
	_, err = env.ep.PositionAtTime(ctx, 1)
	if e := errs.As(err); e == nil || e.Code != errs.CodeIncrPositionGone {
		t.Errorf("PositionAtTime(1) = %v, want %s", err, errs.CodeIncrPositionGone)
	}
}

// blTestRestart stops the source mid-stream: the stream fails with KindUnavailable, and a
// new stream from the last delivered Pos continues with no gap and no duplicate.
func blTestRestart(t *testing.T, env *blEnv) {
	ctx := context.Background()
	name, db := blNewDB(t, env, "blrst")
	blExec(t, db, "CREATE TABLE r (id INT PRIMARY KEY)")
	from := env.pos(t)
	for i := 1; i <= 5; i++ {
		blExec(t, db, fmt.Sprintf("INSERT INTO r VALUES (%d)", i))
	}
	want := func(s, tb string) bool { return s == name && tb == "r" }
	var ids []int64
	var last string
	seen := make(chan int, 100)
	done := make(chan error, 1)
	go func() {
		done <- env.ep.StreamChanges(ctx, from, want, func(tx *change.Txn) error {
			for _, ev := range tx.Events {
				ids = append(ids, ev.After[0].(int64))
			}
			last = tx.Pos
			seen <- len(ids)
			return nil
		})
	}()
	deadline := time.After(time.Minute)
	for n := 0; n < 5; {
		select {
		case n = <-seen:
		case err := <-done:
			t.Fatalf("stream ended early: %v", err)
		case <-deadline:
			t.Fatal("no 5 rows from the binlog within a minute")
		}
	}
	if err := env.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if e := errs.As(err); e.Kind != errs.KindUnavailable {
			t.Fatalf("stream error after the source stopped: %v (kind %d), want KindUnavailable", err, e.Kind)
		}
	case <-time.After(2 * binlog.Silence):
		t.Fatal("the stream did not notice the source stopped")
	}
	if err := env.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 6; i <= 10; i++ {
		blExec(t, db, fmt.Sprintf("INSERT INTO r VALUES (%d)", i))
	}
	for _, tx := range env.collect(t, last, env.pos(t), want) {
		for _, ev := range tx.Events {
			ids = append(ids, ev.After[0].(int64))
		}
	}
	if !slices.Equal(ids, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("ids across the restart: %v", ids)
	}
}

// blTestPurged streams from a position in a purged binlog file.
func blTestPurged(t *testing.T, env *blEnv) {
	ctx := context.Background()
	old := env.pos(t)
	blExec(t, env.root, "FLUSH BINARY LOGS", "FLUSH BINARY LOGS")
	cur, _ := binlog.ParsePos(env.pos(t))
	blExec(t, env.root, "PURGE BINARY LOGS TO '"+cur.File+"'")
	for _, from := range []string{old, "mariadb-bin.999999:4"} {
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := env.ep.StreamChanges(sctx, from, func(string, string) bool { return true },
			func(*change.Txn) error { return errBLStop })
		cancel()
		if e := errs.As(err); e == nil || e.Code != errs.CodeIncrPositionGone || e.Advice == "" {
			t.Errorf("stream from %s: %v, want %s", from, err, errs.CodeIncrPositionGone)
		}
	}
	if _, err := env.ep.PositionAtTime(ctx, time.Now().Unix()-3600); errs.As(err).Code != errs.CodeIncrPositionGone {
		t.Errorf("PositionAtTime an hour ago after the purge: %v", err)
	}
}

// blTestSettings checks that a binlog without full row metadata, or with statement-logged
// changes, fails with CodeIncrSettings for wanted tables only.
func blTestSettings(t *testing.T, env *blEnv) {
	ctx := context.Background()
	name, db := blNewDB(t, env, "blset")
	blExec(t, db, "CREATE TABLE m (id INT PRIMARY KEY)")
	for _, tc := range []struct{ set, reset string }{
		{"SET GLOBAL binlog_row_metadata = MINIMAL", "SET GLOBAL binlog_row_metadata = FULL"},
		{"SET GLOBAL binlog_format = STATEMENT", "SET GLOBAL binlog_format = ROW"},
	} {
		from := env.pos(t)
		blExec(t, env.root, tc.set)
		c, err := db.Conn(ctx) // a new session picks up the global setting
		if err != nil {
			t.Fatal(err)
		}
		blExec(t, c, "SET SESSION binlog_format = @@global.binlog_format", "INSERT INTO m VALUES (1)", "DELETE FROM m")
		c.Close()
		blExec(t, env.root, tc.reset)
		to := env.pos(t)
		// Not wanted: no error (row events are skipped undecoded) — except statement-logged
		// DML, which is never safe to skip.
		if !strings.Contains(tc.set, "STATEMENT") {
			env.collect(t, from, to, func(string, string) bool { return false })
		}
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = env.ep.StreamChanges(sctx, from, func(s, tb string) bool { return s == name },
			func(*change.Txn) error { return nil })
		cancel()
		if e := errs.As(err); e == nil || e.Code != errs.CodeIncrSettings || e.Advice == "" {
			t.Errorf("%s: stream error %v, want %s", tc.set, err, errs.CodeIncrSettings)
		}
	}
}

// blTestHeartbeat checks that an idle source sends heartbeats, so the silence watchdog
// (binlog.Silence) never fires on a healthy but quiet connection.
func blTestHeartbeat(t *testing.T, env *blEnv) {
	p, _ := binlog.ParsePos(env.pos(t))
	c, err := env.ep.binlogSource().OpenDump(p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*binlog.Heartbeat)
	defer cancel()
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("no heartbeat within %s: %v", 10*binlog.Heartbeat, err)
		}
		if ev.Header.EventType == replication.HEARTBEAT_EVENT || ev.Header.EventType == replication.HEARTBEAT_LOG_EVENT_V2 {
			return
		}
	}
}

// blTestCompressed decodes MariaDB's compressed query and row events (log_bin_compress).
func blTestCompressed(t *testing.T, env *blEnv) {
	name, db := blNewDB(t, env, "blcmp")
	blExec(t, env.root, "SET GLOBAL log_bin_compress = ON", "SET GLOBAL log_bin_compress_min_len = 10")
	defer blExec(t, env.root, "SET GLOBAL log_bin_compress = OFF")
	long := strings.Repeat("ü😀 compress me ", 200)
	p0 := env.pos(t)
	blExec(t, db,
		"CREATE TABLE z (id INT PRIMARY KEY, v TEXT) COMMENT '"+strings.Repeat("x", 300)+"'",
		"INSERT INTO z VALUES (1, '"+long+"')",
		"UPDATE z SET v = 'short' WHERE id = 1",
		"DELETE FROM z")
	p1 := env.pos(t)
	// The log really holds compressed events.
	from, _ := binlog.ParsePos(p0)
	rows, err := env.root.Query(fmt.Sprintf("SHOW BINLOG EVENTS IN '%s' FROM %d", from.File, from.Pos))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for rows.Next() {
		var logName, evType, info string
		var pos, serverID, end int64
		if err := rows.Scan(&logName, &pos, &evType, &serverID, &end, &info); err != nil {
			t.Fatal(err)
		}
		types = append(types, evType)
	}
	rows.Close()
	if !slices.Contains(types, "Write_rows_compressed_v1") || !slices.Contains(types, "Query_compressed") {
		t.Errorf("binlog event types %v: no compressed events", types)
	}
	got := blRender(env.collect(t, p0, p1, func(s, tb string) bool { return s == name }))
	want := []string{
		"T1 DDL " + name + ": CREATE TABLE z (id INT PRIMARY KEY, v TEXT) COMMENT '" + strings.Repeat("x", 300) + "'",
		fmt.Sprintf(`T1 INSERT z [id v] key=[0] [] -> [int64:1 %q]`, long),
		fmt.Sprintf(`T1 UPDATE z [id v] key=[0] [int64:1 %q] -> [int64:1 "short"]`, long),
		`T1 DELETE z [id v] key=[0] [int64:1 "short"] -> []`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("compressed events:\n got: %.300q\nwant: %.300q", got, want)
	}
}

// blTestParts: with a small TxnPartBytes one large transaction (inserts, then updates of the
// same rows, in one BEGIN … COMMIT) is delivered in parts: same TxID, More on all but the
// last, Offsets counting the events before each part, every part but the last at the
// position the transaction starts after, the last at its commit; together the parts hold
// exactly the events of the transaction delivered whole, in order.
func blTestParts(t *testing.T, env *blEnv) {
	ctx := context.Background()
	name := testenv.UniqueName("blparts")
	blExec(t, env.root, "CREATE DATABASE "+name,
		"CREATE TABLE "+name+".t (id INT NOT NULL PRIMARY KEY, v VARCHAR(100) NOT NULL)")
	t.Cleanup(func() { env.root.Exec("DROP DATABASE IF EXISTS " + name) })
	p0 := env.pos(t)
	conn, err := env.root.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	blExec(t, conn, "BEGIN",
		"INSERT INTO "+name+".t SELECT seq, REPEAT('x', 60) FROM "+name+".seq_1_to_3000",
		"UPDATE "+name+".t SET v = CONCAT('u', id) WHERE id <= 1000",
		"COMMIT",
		"INSERT INTO "+name+".t VALUES (5000, 'after')")
	p1 := env.pos(t)
	want := func(s, tb string) bool { return s == name }

	whole := env.collect(t, p0, p1, want)
	if len(whole) != 2 || len(whole[0].Events) != 4000 || whole[0].More || whole[0].Offset != 0 {
		t.Fatalf("whole: %d transactions, first with %d events", len(whole), len(whole[0].Events))
	}
	small, err := OpenMySQL(ctx, env.srv.DataSource("parts"), endpoint.Options{TxnPartBytes: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	parted := (&blEnv{srv: env.srv, ep: small, root: env.root}).collect(t, p0, p1, want)
	big := parted[:len(parted)-1]
	if len(big) < 5 {
		t.Fatalf("%d parts of a 4000-event transaction with 16 KiB parts", len(big))
	}
	var events []change.Event
	for i, p := range big {
		last := i == len(big)-1
		if p.TxID != whole[0].TxID || p.Offset != uint64(len(events)) || p.More == last {
			t.Fatalf("part %d: txid %q offset %d more %v (want %q, %d, %v)", i, p.TxID, p.Offset, p.More, whole[0].TxID, len(events), !last)
		}
		if !last && p.Pos != big[0].Pos || last && p.Pos != whole[0].Pos {
			t.Fatalf("part %d (more %v) at %s; the first part at %s, the commit at %s", i, p.More, p.Pos, big[0].Pos, whole[0].Pos)
		}
		if len(p.Events) == 0 {
			t.Fatalf("part %d is empty", i)
		}
		events = append(events, p.Events...)
	}
	if len(events) != len(whole[0].Events) {
		t.Fatalf("parts hold %d events, the whole transaction %d", len(events), len(whole[0].Events))
	}
	for i := range events {
		a, b := &events[i], &whole[0].Events[i]
		if a.Op != b.Op || !slices.Equal(a.Columns, b.Columns) || len(a.Before) != len(b.Before) || len(a.After) != len(b.After) {
			t.Fatalf("event %d differs: %+v vs %+v", i, a, b)
		}
		for j := range a.After {
			if !blSame(a.After[j], b.After[j]) {
				t.Fatalf("event %d after[%d]: %s vs %s", i, j, blShow(a.After[j]), blShow(b.After[j]))
			}
		}
		for j := range a.Before {
			if !blSame(a.Before[j], b.Before[j]) {
				t.Fatalf("event %d before[%d]: %s vs %s", i, j, blShow(a.Before[j]), blShow(b.Before[j]))
			}
		}
	}
	if n := parted[len(parted)-1]; n.More || n.Offset != 0 || n.Pos != whole[1].Pos {
		t.Fatalf("the next transaction: %+v", n)
	}
	// The parts' position is where the transaction starts: at or after p0, before its
	// commit, and resuming there yields the whole transaction again from its first event.
	if c, _ := small.ComparePositions(p0, big[0].Pos); c > 0 {
		t.Fatalf("parts at %s, before p0 %s", big[0].Pos, p0)
	}
	again := (&blEnv{srv: env.srv, ep: small, root: env.root}).collect(t, big[0].Pos, whole[0].Pos, want)
	if again[0].TxID != whole[0].TxID || again[0].Offset != 0 || !blSame(again[0].Events[0].After[0], whole[0].Events[0].After[0]) {
		t.Fatalf("resuming at the parts' position yields %+v first", again[0].TxID)
	}
}
