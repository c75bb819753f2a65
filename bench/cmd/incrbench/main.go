// Command incrbench measures godwit's incremental sync (issue 3, acceptance 5) between two
// throwaway MariaDB servers it starts itself, with a `godwit serve` subprocess:
//
//   - drain: the project is stopped, sysbench oltp_write_only writes a backlog of at least
//     -drain-events row events (4 per transaction: two updates, a delete and an insert of one
//     row each), the project is resumed, and the row events are divided by the time from the
//     resume until the target shows a marker row written after the backlog;
//   - live: sysbench oltp_write_only at a fixed -live-rate transactions/s for -live-seconds
//     while a heartbeat row on the source gets ts=NOW(6) every 100 ms; a poller reads the
//     target's copy every 2 ms and records, for each heartbeat it sees, delay = seen − ts.
//
// Each is run -runs times; per-run results and the medians are printed, with a Markdown
// table for BENCHMARKS.md. After every run the sbtest tables are checksummed on both sides.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/testenv"
)

type options struct {
	godwit      string
	runs        int
	drainEvents int64
	liveRate    int
	liveSecs    int
	tables      int
	tableSize   int
	threads     int
	concurrency int
	skipDrain   bool
	skipLive    bool
}

func main() {
	var o options
	flag.StringVar(&o.godwit, "godwit", "", "path of the godwit binary (required)")
	flag.IntVar(&o.runs, "runs", 3, "runs of each measurement")
	flag.Int64Var(&o.drainEvents, "drain-events", 1_000_000, "row events of the backlog")
	flag.IntVar(&o.liveRate, "live-rate", 2000, "sysbench transactions/s of the live run")
	flag.IntVar(&o.liveSecs, "live-seconds", 60, "duration of each live run")
	flag.IntVar(&o.tables, "tables", 4, "sysbench tables")
	flag.IntVar(&o.tableSize, "table-size", 50000, "rows per sysbench table")
	flag.IntVar(&o.threads, "threads", 8, "sysbench threads")
	flag.IntVar(&o.concurrency, "incr-concurrency", 0, "incrSyncConcurrency (0: godwit's default)")
	flag.BoolVar(&o.skipDrain, "skip-drain", false, "skip the backlog drain runs")
	flag.BoolVar(&o.skipLive, "skip-live", false, "skip the live runs")
	flag.Parse()
	if o.godwit == "" {
		fmt.Fprintln(os.Stderr, "incrbench: -godwit is required")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "incrbench:", err)
		os.Exit(1)
	}
}

// rig is the running environment.
type rig struct {
	o        options
	src, dst *testenv.MariaDB
	sdb, ddb *sql.DB
	g        *godwit
	c        *client.Client
	project  string
}

var serverArgs = []string{"--innodb-buffer-pool-size=512M", "--innodb-log-file-size=256M"}

func run(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := &rig{o: o}
	var err error
	if r.src, err = testenv.StartMariaDB(ctx, testenv.MariaDBOptions{ExtraArgs: serverArgs}); err != nil {
		return err
	}
	defer r.src.Close()
	if r.dst, err = testenv.StartMariaDB(ctx, testenv.MariaDBOptions{ExtraArgs: serverArgs}); err != nil {
		return err
	}
	defer r.dst.Close()
	if r.sdb, err = r.src.DB(""); err != nil {
		return err
	}
	defer r.sdb.Close()
	if r.ddb, err = r.dst.DB(""); err != nil {
		return err
	}
	defer r.ddb.Close()
	dir, err := os.MkdirTemp("", "godwit-incrbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Printf("incrbench: preparing %d sysbench tables of %d rows\n", o.tables, o.tableSize)
	for _, q := range []string{"CREATE DATABASE sbtest",
		"CREATE TABLE sbtest.heartbeat (id INT NOT NULL PRIMARY KEY, seq BIGINT NOT NULL, ts DATETIME(6) NOT NULL)",
		"INSERT INTO sbtest.heartbeat VALUES (1, 0, NOW(6))"} {
		if _, err := r.sdb.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if _, err := r.sysbench("prepare"); err != nil {
		return err
	}
	if r.g, err = startGodwit(o.godwit, filepath.Join(dir, "data"), filepath.Join(dir, "godwit.log")); err != nil {
		return err
	}
	defer r.g.stop()
	r.c = client.New(r.g.base, client.Auth{User: apiUser, Password: apiPassword})
	if err := r.createProject(); err != nil {
		return err
	}
	t0 := time.Now()
	if err := r.waitIncr("MONITORING", 10*time.Minute); err != nil {
		return err
	}
	fmt.Printf("incrbench: project %s MONITORING after %.1fs (copy of %d rows)\n", r.project, time.Since(t0).Seconds(), o.tables*o.tableSize)

	var drains []drainResult
	var lives []liveResult
	for i := range o.runs {
		if !o.skipDrain {
			d, err := r.drain(i + 1)
			if err != nil {
				return fmt.Errorf("drain run %d: %w (godwit log: %s)", i+1, err, r.g.logPath)
			}
			drains = append(drains, d)
		}
		if !o.skipLive {
			l, err := r.live(i + 1)
			if err != nil {
				return fmt.Errorf("live run %d: %w (godwit log: %s)", i+1, err, r.g.logPath)
			}
			lives = append(lives, l)
		}
	}
	report(o, drains, lives)
	return nil
}

// report prints the medians and a Markdown table.
func report(o options, drains []drainResult, lives []liveResult) {
	fmt.Println()
	fmt.Println("## Incremental sync (bench/incr.sh)")
	fmt.Println()
	if len(drains) > 0 {
		var eps, secs []float64
		for _, d := range drains {
			eps = append(eps, d.eventsPerSec)
			secs = append(secs, d.seconds)
		}
		fmt.Printf("Backlog drain (sysbench oltp_write_only, %d tables × %d rows, backlog ≥ %d row events, %d runs):\n\n",
			o.tables, o.tableSize, o.drainEvents, len(drains))
		fmt.Println("| run | row events | drain seconds | row events/s | sysbench tps while building |")
		fmt.Println("| --- | ---: | ---: | ---: | ---: |")
		for i, d := range drains {
			fmt.Printf("| %d | %d | %.1f | %.0f | %.0f |\n", i+1, d.events, d.seconds, d.eventsPerSec, d.buildTPS)
		}
		fmt.Printf("| **median** | | %.1f | **%.0f** | |\n\n", median(secs), median(eps))
	}
	if len(lives) > 0 {
		var p50, p99, mx, tps []float64
		for _, l := range lives {
			p50, p99, mx, tps = append(p50, ms(l.p50)), append(p99, ms(l.p99)), append(mx, ms(l.max)), append(tps, l.tps)
		}
		fmt.Printf("Live (sysbench oltp_write_only --rate=%d for %d s; heartbeat every 100 ms, target polled every 2 ms; %d runs):\n\n",
			o.liveRate, o.liveSecs, len(lives))
		fmt.Println("| run | achieved tps | heartbeats seen | p50 delay ms | p99 delay ms | max delay ms |")
		fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
		for i, l := range lives {
			fmt.Printf("| %d | %.0f | %d/%d | %.1f | %.1f | %.1f |\n", i+1, l.tps, l.seen, l.sent, ms(l.p50), ms(l.p99), ms(l.max))
		}
		fmt.Printf("| **median** | %.0f | | **%.1f** | **%.1f** | **%.1f** |\n", median(tps), median(p50), median(p99), median(mx))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile returns the q-quantile (0..1) of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func checkTables(r *rig) error {
	var bad []string
	for i := 1; i <= r.o.tables; i++ {
		t := fmt.Sprintf("sbtest.sbtest%d", i)
		var a, b struct {
			name string
			sum  sql.NullInt64
		}
		if err := r.sdb.QueryRow("CHECKSUM TABLE "+t).Scan(&a.name, &a.sum); err != nil {
			return err
		}
		if err := r.ddb.QueryRow("CHECKSUM TABLE "+t).Scan(&b.name, &b.sum); err != nil {
			return err
		}
		if a.sum != b.sum {
			bad = append(bad, fmt.Sprintf("%s source %d target %d", t, a.sum.Int64, b.sum.Int64))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("tables differ after catching up: %s", strings.Join(bad, "; "))
	}
	return nil
}
