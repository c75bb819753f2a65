package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	_ "github.com/godwit/godwit/endpoint/mysql"    // registers MySQL-family data sources (wiring only)
	_ "github.com/godwit/godwit/endpoint/postgres" // registers PostgreSQL data sources (wiring only)
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/service"
)

// verifyFlags are the flags of `godwit verify`.
type verifyFlags struct {
	src, dst           sideFlags
	databases          []string
	tables             []string
	mapDB, mapTable    []string
	mapColumn          []string
	chunkRows, workers int
	leafRows           int
	speed              string
	goHash             bool
	maxDiffs           int
	show               int
	corrections        string
	apply              bool
	plain              bool
}

// sideFlags describe one data source.
type sideFlags struct {
	dsn, typ, host, user string
	port                 int
	passwordStdin        bool
}

func (a *app) verifyCmd() *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Compare data between two databases directly, without a godwit server or project",
		Long: `Compares every selected table of the source with its target: row counts and checksums per
chunk, bisection of mismatching chunks down to rows, and a report of the rows only in the
source, only in the target and different (with the differing columns and the SQL that shows
each side). --corrections writes the SQL that makes the target equal; --apply runs it on the
target and re-checks.

Data sources are given as DSNs (mysql://user@host:3306, mariadb://…) or with --source-host,
--source-port, --source-user (same for --target-…). Passwords come from GODWIT_SOURCE_PASSWORD
and GODWIT_TARGET_PASSWORD, or from stdin with --source-password-stdin / --target-password-stdin
(one line each, source first); never from flags.

Exit status: 0 CONSISTENT, 2 INCONSISTENT, 1 on errors.`,
		Example: `  GODWIT_SOURCE_PASSWORD=… GODWIT_TARGET_PASSWORD=… godwit verify \
    --source mysql://root@10.0.0.1:3306 --target mariadb://root@10.0.0.2:3306 \
    --databases shop --map-db shop:shop_copy --map-table shop.orders:orders2 --corrections fix.sql`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runVerify(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	for _, s := range []struct {
		p    *sideFlags
		name string
	}{{&f.src, "source"}, {&f.dst, "target"}} {
		fl.StringVar(&s.p.dsn, s.name, "", s.name+" DSN: mysql://user@host:port (type from the scheme: mysql, mariadb, tidb, oceanbase)")
		fl.StringVar(&s.p.typ, s.name+"-type", "MYSQL", s.name+" data-source type when no DSN is given")
		fl.StringVar(&s.p.host, s.name+"-host", "127.0.0.1", s.name+" host")
		fl.IntVar(&s.p.port, s.name+"-port", 3306, s.name+" port")
		fl.StringVar(&s.p.user, s.name+"-user", "root", s.name+" user")
		fl.BoolVar(&s.p.passwordStdin, s.name+"-password-stdin", false, "read the "+s.name+" password from stdin")
	}
	fl.StringSliceVar(&f.databases, "databases", nil, "source databases to compare (every table of each)")
	fl.StringSliceVar(&f.tables, "tables", nil, "source tables db.table to compare (instead of whole databases)")
	fl.StringSliceVar(&f.mapDB, "map-db", nil, "database rename src:dst (repeatable)")
	fl.StringSliceVar(&f.mapTable, "map-table", nil, "table rename db.table:table2 or db.table:db2.table2 (repeatable)")
	fl.StringSliceVar(&f.mapColumn, "map-column", nil, "column rename db.table.col:col2 (repeatable)")
	fl.IntVar(&f.chunkRows, "chunk-rows", 50000, "rows per checksum chunk")
	fl.IntVar(&f.leafRows, "leaf-rows", 1000, "ranges of at most this many rows are compared row by row")
	fl.IntVar(&f.workers, "workers", 4, "chunks compared concurrently")
	fl.StringVar(&f.speed, "speed", "NORMAL", "STEADY (1 worker, throttled), NORMAL, FAST (2× workers, 32-bit hash)")
	fl.BoolVar(&f.goHash, "go-hash", false, "hash rows in godwit instead of on the servers (slower; for cross-engine checks)")
	fl.IntVar(&f.maxDiffs, "max-diffs", 1000, "differences kept per chunk (all are counted)")
	fl.IntVar(&f.show, "show", 20, "differences printed in the text report")
	fl.StringVar(&f.corrections, "corrections", "", "write the correction SQL for the target to this file")
	fl.BoolVar(&f.apply, "apply", false, "apply the corrections on the target, then re-check the inconsistent tables")
	fl.BoolVar(&f.plain, "plain", false, "no progress bars")
	return cmd
}

// dataSource builds the model data source of one side; the password comes from env or stdin.
func (s sideFlags) dataSource(name string, stdin *bufio.Reader) (model.DataSource, error) {
	ds := model.DataSource{Name: name, Type: model.DataSourceType(strings.ToUpper(s.typ)), Host: s.host, Port: s.port, User: s.user}
	if s.dsn != "" {
		u, err := url.Parse(s.dsn)
		if err != nil || u.Host == "" {
			return ds, fmt.Errorf("--%s: %q is not a DSN like mysql://user@host:3306", name, s.dsn)
		}
		switch strings.ToLower(u.Scheme) {
		case "mysql":
			ds.Type = model.TypeMySQL
		case "mariadb":
			ds.Type = model.TypeMariaDB
		case "tidb":
			ds.Type = model.TypeTiDB
		case "oceanbase", "ob", "obmysql":
			ds.Type = model.TypeOBMySQL
		default:
			return ds, fmt.Errorf("--%s: unknown scheme %q (mysql, mariadb, tidb, oceanbase)", name, u.Scheme)
		}
		if _, hasPw := u.User.Password(); hasPw {
			return ds, fmt.Errorf("--%s: do not put the password in the DSN; use GODWIT_%s_PASSWORD or --%s-password-stdin",
				name, strings.ToUpper(name), name)
		}
		ds.User = u.User.Username()
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			host, port = u.Host, "3306"
		}
		ds.Host = host
		if ds.Port, err = strconv.Atoi(port); err != nil {
			return ds, fmt.Errorf("--%s: bad port %q", name, port)
		}
	}
	if s.passwordStdin {
		line, err := stdin.ReadString('\n')
		if err != nil && line == "" {
			return ds, fmt.Errorf("reading the %s password from stdin: %v", name, err)
		}
		ds.Password = strings.TrimRight(line, "\r\n")
	} else {
		ds.Password = os.Getenv("GODWIT_" + strings.ToUpper(name) + "_PASSWORD")
	}
	return ds, nil
}

func (a *app) runVerify(ctx context.Context, f *verifyFlags) error {
	in := bufio.NewReader(a.stdin)
	sds, err := f.src.dataSource("source", in)
	if err != nil {
		return err
	}
	dds, err := f.dst.dataSource("target", in)
	if err != nil {
		return err
	}
	sel, colMap, err := f.selection()
	if err != nil {
		return err
	}
	if len(sel.Databases) == 0 {
		return fmt.Errorf("nothing to compare: pass --databases or --tables")
	}
	opt := service.VerifyOptions{ChunkRows: f.chunkRows, LeafRows: f.leafRows, GoHash: f.goHash, MaxStoredDiffs: f.maxDiffs}.
		SpeedMode(f.speed, f.workers)
	bars := newVerifyBars(ctx, a.stderr, f.plain || !isTerminal(a.stderr))
	opt.Progress = bars.update
	v, err := service.NewStandaloneVerifier(ctx, service.StandaloneVerifyRequest{Source: sds, Target: dds,
		Selection: sel, ColumnMaps: colMap, MaxConns: 2*f.workers + 2, Options: opt})
	if err != nil {
		bars.done()
		return err
	}
	defer v.Close()
	if v.Tables() == 0 {
		bars.done()
		return fmt.Errorf("nothing to compare: pass --databases or --tables")
	}
	run, err := v.Run(ctx)
	bars.done()
	if err != nil {
		return err
	}
	rep := &verifyReport{Run: run}
	if f.corrections != "" {
		if err := writeCorrectionsFile(ctx, v, run.ID, f.corrections); err != nil {
			return err
		}
	}
	if f.apply && run.Result != service.VerifyConsistent {
		if rep.Applied, rep.Recheck, err = v.ApplyAndRecheck(ctx, run.ID); err != nil {
			return err
		}
	}
	if err := rep.fill(ctx, v); err != nil {
		return err
	}
	if a.json() {
		b, _ := json.MarshalIndent(rep.JSON(), "", "  ")
		fmt.Fprintln(a.stdout, string(b))
	} else {
		rep.text(a.stdout, f.show)
	}
	if rep.final() != service.VerifyConsistent {
		return &exitError{code: 2}
	}
	return nil
}

func writeCorrectionsFile(ctx context.Context, v *service.StandaloneVerifier, runID, path string) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(fh)
	fmt.Fprintln(w, "-- godwit verify: statements that make the target equal to the source")
	err = v.WriteCorrections(ctx, runID, func(s string) error {
		_, err := w.WriteString(s + "\n")
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// selection turns the flags into the selection the standalone verifier resolves through
// package plan (the one table selector): --databases and --tables become a transfer mapping,
// --map-db and --map-table its mapped names (a table moved to another database becomes an
// entry of its own, listed before its database so that it decides), --map-column the column
// maps of the plan's entries (source "db.table" → column → target column, lower-case keys).
func (f *verifyFlags) selection() (model.TransferMapping, map[string]map[string]string, error) {
	dbMap := map[string]string{}
	for _, m := range f.mapDB {
		s, d, ok := strings.Cut(m, ":")
		if !ok || s == "" || d == "" {
			return model.TransferMapping{}, nil, fmt.Errorf("--map-db %q: want src:dst", m)
		}
		dbMap[strings.ToLower(s)] = d
	}
	type tabTarget struct{ db, table, ddb, dtab string }
	var tabMap []tabTarget
	for _, m := range f.mapTable {
		s, d, ok := strings.Cut(m, ":")
		sdb, stab, ok2 := strings.Cut(s, ".")
		if !ok || !ok2 || d == "" {
			return model.TransferMapping{}, nil, fmt.Errorf("--map-table %q: want db.table:table2 or db.table:db2.table2", m)
		}
		ddb, dtab, hasDB := strings.Cut(d, ".")
		if !hasDB {
			ddb, dtab = "", d
		}
		tabMap = append(tabMap, tabTarget{sdb, stab, ddb, dtab})
	}
	colMap := map[string]map[string]string{}
	for _, m := range f.mapColumn {
		s, d, ok := strings.Cut(m, ":")
		i := strings.LastIndexByte(s, '.')
		if !ok || i <= 0 || d == "" {
			return model.TransferMapping{}, nil, fmt.Errorf("--map-column %q: want db.table.col:col2", m)
		}
		t := strings.ToLower(s[:i])
		if colMap[t] == nil {
			colMap[t] = map[string]string{}
		}
		colMap[t][strings.ToLower(s[i+1:])] = d
	}
	targetDB := func(db string) string { return model.TargetName(db, dbMap[strings.ToLower(db)]) }
	entry := func(db, table string) model.DbObject {
		d := model.DbObject{Name: db, MappedName: targetDB(db), Tables: []model.TableObject{{Name: table}}}
		for _, m := range tabMap {
			if strings.EqualFold(m.db, db) && strings.EqualFold(m.table, table) {
				if m.ddb != "" {
					d.MappedName = m.ddb
				}
				d.Tables[0].MappedName = m.dtab
			}
		}
		return d
	}
	var tm model.TransferMapping
	for _, db := range f.databases {
		for _, m := range tabMap {
			if strings.EqualFold(m.db, db) {
				tm.Databases = append(tm.Databases, entry(m.db, m.table))
			}
		}
	}
	for _, db := range f.databases {
		tm.Databases = append(tm.Databases, model.DbObject{Name: db, MappedName: targetDB(db)})
	}
	for _, t := range f.tables {
		db, name, ok := strings.Cut(t, ".")
		if !ok {
			return model.TransferMapping{}, nil, fmt.Errorf("--tables %q: want db.table", t)
		}
		tm.Databases = append(tm.Databases, entry(db, name))
	}
	return tm, colMap, nil
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	fh, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := fh.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
