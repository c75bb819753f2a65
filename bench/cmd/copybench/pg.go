package main

// MySQL → PostgreSQL: the Go side of bench/pgcopy.sh.
//
//	copybench pgservers -env FILE                    source MariaDB + target PostgreSQL, serve until SIGTERM
//	copybench pggodwit -env FILE -bin BIN -pgdb DB   one godwit run of database bench into PostgreSQL database DB
//	copybench pgreset -env FILE -pgdb DB             (re)create PostgreSQL database DB, empty
//	copybench pgverify -env FILE -pgdb DB [-tool T]  compare every table and value of bench with DB's schema bench

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/testenv"
)

func cmdPGServers(args []string) error {
	fs := flag.NewFlagSet("pgservers", flag.ExitOnError)
	envFile := fs.String("env", "", "file to write the servers' settings to")
	_ = fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	src, err := testenv.StartMariaDB(ctx, testenv.MariaDBOptions{ExtraArgs: commonArgs})
	if err != nil {
		return err
	}
	defer src.Close()
	pg, err := testenv.StartPostgres(ctx, testenv.PostgresOptions{ExtraArgs: []string{"-c", "shared_buffers=1GB", "-c", "max_wal_size=4GB",
		"-c", "checkpoint_timeout=30min", "-c", "maintenance_work_mem=256MB", "-c", "max_connections=200"}})
	if err != nil {
		return err
	}
	defer pg.Close()
	body := fmt.Sprintf("PASSWORD=%s\nSRC_PORT=%d\nDST_PORT=%d\nSRC_SOCK=%s\nDST_SOCK=%s\nPG_PASSWORD=%s\nPG_DATADIR=%s\n",
		src.Password, src.Port, pg.Port, src.Socket, pg.SocketDir, pg.Password, pg.DataDir)
	if err := os.WriteFile(*envFile, []byte(body), 0o600); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}

func pgPassword(envFile string) (string, error) {
	b, err := os.ReadFile(envFile)
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "PG_PASSWORD="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s: no PG_PASSWORD", envFile)
}

func pgConn(ctx context.Context, port int, password, db string) (*pgx.Conn, error) {
	return pgx.Connect(ctx, fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/%s?sslmode=disable", password, port, db))
}

func cmdPGReset(args []string) error {
	fs := flag.NewFlagSet("pgreset", flag.ExitOnError)
	envFile := fs.String("env", "", "servers' settings file")
	pgdb := fs.String("pgdb", "", "database to recreate")
	_ = fs.Parse(args)
	e, err := readEnv(*envFile)
	if err != nil {
		return err
	}
	pw, err := pgPassword(*envFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	c, err := pgConn(ctx, e.DstPort, pw, "postgres")
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, q := range []string{`DROP DATABASE IF EXISTS "` + *pgdb + `" WITH (FORCE)`, `CREATE DATABASE "` + *pgdb + `" ENCODING 'UTF8' TEMPLATE template0`, "CHECKPOINT"} {
		if _, err := c.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// cmdPGGodwit is cmdGodwit into PostgreSQL (zero dates as NULL, NULs stripped: the dataset
// holds both, and PostgreSQL can store neither).
func cmdPGGodwit(args []string) error {
	fs := flag.NewFlagSet("pggodwit", flag.ExitOnError)
	envFile := fs.String("env", "", "servers' settings file")
	bin := fs.String("bin", "bin/godwit", "godwit binary")
	work := fs.String("work", os.TempDir(), "directory for the data dir and the server log")
	pgdb := fs.String("pgdb", "gw", "target PostgreSQL database")
	readers := fs.Int("readers", 4, "readWorkerNum")
	writers := fs.Int("writers", 4, "writeWorkerNum")
	_ = fs.Parse(args)
	e, err := readEnv(*envFile)
	if err != nil {
		return err
	}
	pw, err := pgPassword(*envFile)
	if err != nil {
		return err
	}
	return runGodwit(*bin, *work, func(ctx context.Context, c *client.Client) (string, error) {
		src, err := c.CreateDataSource(ctx, client.CreateDataSourceRequest{Name: "bench-src", Type: "MARIADB",
			Host: "127.0.0.1", Port: e.SrcPort, User: "root", Password: e.Password})
		if err != nil {
			return "", err
		}
		dst, err := c.CreateDataSource(ctx, client.CreateDataSourceRequest{Name: "bench-pg", Type: "POSTGRESQL",
			Host: "127.0.0.1", Port: e.DstPort, User: "postgres", Password: pw,
			Options: map[string]string{"database": *pgdb, "typeMapping.zeroDate": "null", "typeMapping.nulInText": "strip"}})
		if err != nil {
			return "", err
		}
		p, err := c.CreateProject(ctx, map[string]any{
			"name": "bench", "type": "MIGRATION", "sourceEndpointId": src.ID, "sinkEndpointId": dst.ID,
			"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": benchDB}}},
			"enableStructTransfer": true, "enableFullTransfer": true,
			"structTransferConfig": map[string]any{"deferIndexCreation": true},
			"fullTransferConfig":   map[string]any{"readWorkerNum": *readers, "writeWorkerNum": *writers},
		})
		if err != nil {
			return "", err
		}
		return p.ID, nil
	})
}

// pgCanon is the text a MySQL value is expected as in PostgreSQL, per the documented mapping
// (godwit) — for pgloader the same rules apply where its types keep the value.
func myText(dataType, columnType string, v any) (string, bool) {
	if v == nil {
		return "", false
	}
	var s string
	switch x := v.(type) {
	case []byte:
		s = string(x)
	case float32:
		s = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		if dataType == "float" {
			s = strconv.FormatFloat(float64(float32(x)), 'g', -1, 32)
		} else {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	default:
		s = fmt.Sprint(x)
	}
	switch dataType {
	case "date", "datetime", "timestamp":
		d, _, _ := strings.Cut(s, " ")
		if p := strings.Split(d, "-"); len(p) == 3 && (p[1] == "00" || p[2] == "00") {
			return "", false // zero date: NULL under godwit's zeroDate=null (and pgloader's zero-dates-to-null)
		}
		s = normStampText(s)
	case "time":
		s = normClockText(s)
	case "bit":
		b := v.([]byte)
		n := 1
		if i := strings.IndexByte(columnType, '('); i >= 0 {
			n, _ = strconv.Atoi(strings.TrimSuffix(columnType[i+1:], ")"))
		}
		var sb strings.Builder
		for i := len(b)*8 - n; i < len(b)*8; i++ {
			if b[i/8]&(0x80>>(i%8)) != 0 {
				sb.WriteByte('1')
			} else {
				sb.WriteByte('0')
			}
		}
		s = sb.String()
	case "binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob":
		s = hex.EncodeToString(v.([]byte))
	case "char", "varchar", "text", "tinytext", "mediumtext", "longtext", "enum", "set":
		s = strings.ReplaceAll(s, "\x00", "")
	case "json":
		s = canonJSONText(s)
	}
	return s, true
}

func normStampText(s string) string {
	s = strings.TrimSuffix(strings.Replace(s, "T", " ", 1), "+00")
	if m, f, ok := strings.Cut(s, "."); ok {
		if f = strings.TrimRight(f, "0"); f == "" {
			return m
		}
		return m + "." + f
	}
	return s
}

func normClockText(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	m, f, _ := strings.Cut(s, ".")
	p := strings.Split(m, ":")
	if len(p) != 3 {
		return "?" + s
	}
	h, _ := strconv.Atoi(p[0])
	out := fmt.Sprintf("%d:%s:%s", h, p[1], p[2])
	if f = strings.TrimRight(f, "0"); f != "" {
		out += "." + f
	}
	if neg && out != "0:00:00" {
		out = "-" + out
	}
	return out
}

func pgTextOf(dataType string, v any) (string, bool) {
	if v == nil {
		return "", false
	}
	var s string
	switch x := v.(type) {
	case float32:
		s = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		if dataType == "float" {
			s = strconv.FormatFloat(float64(float32(x)), 'g', -1, 32)
		} else {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	case string:
		s = x
	default:
		s = fmt.Sprint(x)
	}
	switch dataType {
	case "date", "datetime", "timestamp":
		s = normStampText(s)
	case "time":
		s = normClockText(s)
	case "json":
		s = canonJSONText(s)
	case "tinyint", "bit":
		if s == "true" || s == "t" {
			s = "1"
		} else if s == "false" || s == "f" {
			s = "0"
		}
	}
	return s, true
}

// cmdPGVerify compares every table of bench on the source with schema bench of the
// PostgreSQL database: row counts and every value, matched by primary key. It prints one
// line per table and exits non-zero when anything differs.
func cmdPGVerify(args []string) error {
	fs := flag.NewFlagSet("pgverify", flag.ExitOnError)
	envFile := fs.String("env", "", "servers' settings file")
	pgdb := fs.String("pgdb", "gw", "target PostgreSQL database")
	schemaName := fs.String("schema", benchDB, "target schema")
	_ = fs.Parse(args)
	e, err := readEnv(*envFile)
	if err != nil {
		return err
	}
	pw, err := pgPassword(*envFile)
	if err != nil {
		return err
	}
	my, err := open(e.SrcPort, e.Password)
	if err != nil {
		return err
	}
	defer my.Close()
	ctx := context.Background()
	pg, err := pgConn(ctx, e.DstPort, pw, *pgdb)
	if err != nil {
		return err
	}
	defer pg.Close(ctx)
	bad := 0
	for _, t := range tables() {
		n, diffs, err := compareTablePG(ctx, my, pg, *schemaName, t)
		switch {
		case err != nil:
			fmt.Printf("  %s: NOT COPIED (%v)\n", t, err)
			bad++
		case len(diffs) > 0:
			fmt.Printf("  %s: %d rows, %d differences, e.g. %s\n", t, n, len(diffs), strings.Join(diffs[:min(3, len(diffs))], "; "))
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d tables differ or are missing", bad)
	}
	fmt.Println("  every table and value identical")
	return nil
}

func compareTablePG(ctx context.Context, my *sql.DB, pg *pgx.Conn, schemaName, table string) (int, []string, error) {
	rows, err := my.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, benchDB, table)
	if err != nil {
		return 0, nil, err
	}
	type col struct{ name, dt, ct string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.name, &c.dt, &c.ct); err != nil {
			return 0, nil, err
		}
		cols = append(cols, c)
	}
	rows.Close()
	pgTypes := map[string]string{}
	trows, err := pg.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, schemaName, table)
	if err != nil {
		return 0, nil, err
	}
	for trows.Next() {
		var n, dt string
		if err := trows.Scan(&n, &dt); err != nil {
			trows.Close()
			return 0, nil, err
		}
		pgTypes[n] = dt
	}
	trows.Close()
	if len(pgTypes) == 0 {
		return 0, nil, fmt.Errorf("table %s.%s does not exist in PostgreSQL", schemaName, table)
	}
	for i := range cols {
		if t := pgTypes[cols[i].name]; t == "json" || t == "jsonb" {
			cols[i].dt = "json" // MariaDB's JSON is a LONGTEXT alias in information_schema
		}
	}
	mySel := make([]string, len(cols))
	pgSel := make([]string, len(cols))
	for i, c := range cols {
		mySel[i] = "`" + c.name + "`"
		q := `"` + c.name + `"`
		switch c.dt {
		case "float", "double":
			pgSel[i] = q + "::float8 AS c" + strconv.Itoa(i)
			continue
		case "binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob":
			pgSel[i] = "encode(" + q + ", 'hex')"
		default:
			pgSel[i] = q + "::text"
		}
		pgSel[i] += " AS c" + strconv.Itoa(i) // ORDER BY id then names the table's column, not this text
	}
	mr, err := my.QueryContext(ctx, "SELECT "+strings.Join(mySel, ",")+" FROM `"+benchDB+"`.`"+table+"` WHERE 1 = ? ORDER BY id", 1)
	if err != nil {
		return 0, nil, err
	}
	defer mr.Close()
	pr, err := pg.Query(ctx, "SELECT "+strings.Join(pgSel, ",")+` FROM "`+schemaName+`"."`+table+`" ORDER BY id`)
	if err != nil {
		return 0, nil, err
	}
	defer pr.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var diffs []string
	n := 0
	for mr.Next() {
		if err := mr.Scan(ptrs...); err != nil {
			return n, nil, err
		}
		n++
		if !pr.Next() {
			diffs = append(diffs, fmt.Sprintf("row %d and later missing", n))
			break
		}
		pv, err := pr.Values()
		if err != nil {
			return n, nil, err
		}
		for i, c := range cols {
			a, aok := myText(c.dt, c.ct, vals[i])
			if f, ok := pv[i].(float64); ok && c.dt == "float" {
				pv[i] = float64(float32(f))
			}
			b, bok := pgTextOf(c.dt, pv[i])
			if a != b || aok != bok {
				if len(diffs) < 1000 {
					diffs = append(diffs, fmt.Sprintf("row %d %s: %.40q vs %.40q", n, c.name, a, b))
				}
			}
		}
	}
	if pr.Next() {
		diffs = append(diffs, "extra rows in PostgreSQL")
	}
	return n, diffs, pr.Err()
}

// canonJSONText re-renders a JSON document with sorted keys and exact rational numbers.
func canonJSONText(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "invalid:" + s
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteByte(',')
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteByte(':')
				walk(x[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(e)
			}
			b.WriteByte(']')
		case json.Number:
			if r, ok := new(big.Rat).SetString(x.String()); ok {
				b.WriteString(r.RatString())
			} else {
				b.WriteString("badnum:" + x.String())
			}
		default:
			jb, _ := json.Marshal(x)
			b.Write(jb)
		}
	}
	walk(v)
	return b.String()
}

// runGodwit starts a fresh `godwit serve`, lets setup create the project, runs it to
// FINISHED and prints "seconds=S rss_kb=K cpu_s=C" like cmdGodwit.
func runGodwit(bin, work string, setup func(context.Context, *client.Client) (string, error)) error {
	dataDir, err := os.MkdirTemp(work, "godwit-data-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(filepath.Join(work, "godwit-serve.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), "GODWIT_USER="+benchUser, "GODWIT_PASSWORD="+benchPassword)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	ctx := context.Background()
	c := client.New("http://"+addr, client.Auth{User: benchUser, Password: benchPassword})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := c.Health(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("godwit did not start; see %s", logf.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
	id, err := setup(ctx, c)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := c.StartProject(ctx, id); err != nil {
		return err
	}
	var peak int64
	for {
		got, err := c.GetProject(ctx, id)
		if err != nil {
			return err
		}
		if got.Status == "FINISHED" {
			break
		}
		if got.Status != "RUNNING" && got.Status != "INIT" {
			return fmt.Errorf("project %s; see %s", got.Status, logf.Name())
		}
		peak = max(peak, vmHWM(cmd.Process.Pid))
		time.Sleep(50 * time.Millisecond)
	}
	secs := time.Since(t0).Seconds()
	peak = max(peak, vmHWM(cmd.Process.Pid))
	fmt.Printf("seconds=%.2f rss_kb=%d cpu_s=%.2f\n", secs, peak, cpuSeconds(cmd.Process.Pid))
	return nil
}
