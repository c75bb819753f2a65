// Command switchbench measures godwit's switchover downtime under load: two throwaway MariaDB
// servers, a `godwit serve` subprocess, a project with incremental and reverse sync over
// sysbench tables; sysbench oltp_write_only runs on the source at -rate transactions/s as a
// non-SUPER application account (so read_only stops it; its refused writes are ignored, like
// an application waiting for the cut-over), and after -warmup seconds the switchover is asked
// for. Reported per run: godwit's downtime (fence → Pt recorded, the target ready for the
// application), the wall time from the request to SWITCHED, and from the fence to
// REVERSE_INCR_TRANSFER MONITORING. Each run uses fresh servers; medians over -runs.
package main

import (
	"context"

	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/testenv"
)

const apiUser, apiPassword = "admin", "switchbench-pw"

type result struct {
	downtime, request, reverse time.Duration
	keys                       int64
}

func main() {
	bin := flag.String("godwit", "", "godwit binary (required)")
	runs := flag.Int("runs", 3, "runs")
	rate := flag.Int("rate", 2000, "sysbench transactions/s on the source")
	warmup := flag.Int("warmup", 10, "seconds of load before the switchover")
	tables := flag.Int("tables", 4, "sysbench tables")
	size := flag.Int("table-size", 20000, "rows per table")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "switchbench: -godwit is required")
		os.Exit(2)
	}
	var res []result
	for i := 1; i <= *runs; i++ {
		r, err := run(*bin, *rate, *warmup, *tables, *size)
		if err != nil {
			fmt.Fprintf(os.Stderr, "switchbench: run %d: %v\n", i, err)
			os.Exit(1)
		}
		fmt.Printf("switchbench: run %d: downtime %d ms; request → SWITCHED %d ms; fence → reverse MONITORING %d ms; %d keys re-verified\n",
			i, r.downtime.Milliseconds(), r.request.Milliseconds(), r.reverse.Milliseconds(), r.keys)
		res = append(res, r)
	}
	med := func(f func(result) time.Duration) int64 {
		v := make([]time.Duration, len(res))
		for i, r := range res {
			v[i] = f(r)
		}
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return v[len(v)/2].Milliseconds()
	}
	fmt.Printf("\n| runs | rate (tps) | downtime (fence → target ready) | request → SWITCHED | fence → reverse MONITORING |\n|---|---|---|---|---|\n")
	fmt.Printf("| %d | %d | %d ms | %d ms | %d ms |\n", len(res), *rate,
		med(func(r result) time.Duration { return r.downtime }), med(func(r result) time.Duration { return r.request }),
		med(func(r result) time.Duration { return r.reverse }))
}

func run(bin string, rate, warmup, tables, size int) (result, error) {
	var out result
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	src, err := testenv.StartMariaDB(ctx, testenv.MariaDBOptions{ExtraArgs: []string{"--innodb-buffer-pool-size=256M"}})
	if err != nil {
		return out, err
	}
	defer src.Close()
	dst, err := testenv.StartMariaDB(ctx, testenv.MariaDBOptions{ExtraArgs: []string{"--innodb-buffer-pool-size=256M"}})
	if err != nil {
		return out, err
	}
	defer dst.Close()
	sdb, err := src.DB("")
	if err != nil {
		return out, err
	}
	defer sdb.Close()
	for _, q := range []string{"CREATE DATABASE sbtest", "CREATE USER 'sb'@'%' IDENTIFIED BY 'sb-pw'",
		"CREATE USER 'sb'@'localhost' IDENTIFIED BY 'sb-pw'", "CREATE USER 'sb'@'127.0.0.1' IDENTIFIED BY 'sb-pw'",
		"GRANT ALL ON sbtest.* TO 'sb'@'%'", "GRANT ALL ON sbtest.* TO 'sb'@'localhost'", "GRANT ALL ON sbtest.* TO 'sb'@'127.0.0.1'"} {
		if _, err := sdb.Exec(q); err != nil {
			return out, fmt.Errorf("%s: %w", q, err)
		}
	}
	sb := func(command string, extra ...string) *exec.Cmd {
		args := []string{"oltp_write_only", "--db-driver=mysql", "--mysql-host=127.0.0.1", "--mysql-port=" + strconv.Itoa(src.Port),
			"--mysql-user=sb", "--mysql-password=sb-pw", "--mysql-db=sbtest", "--tables=" + strconv.Itoa(tables),
			"--table-size=" + strconv.Itoa(size)}
		return exec.Command("sysbench", append(append(args, extra...), command)...)
	}
	if b, err := sb("prepare").CombinedOutput(); err != nil {
		return out, fmt.Errorf("sysbench prepare: %v\n%s", err, b)
	}
	dir, err := os.MkdirTemp("", "godwit-switchbench-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	port := strconv.Itoa(20000 + os.Getpid()%20000)
	g := exec.Command(bin, "serve", "--listen", "127.0.0.1:"+port, "--data-dir", filepath.Join(dir, "data"))
	g.Env = append(os.Environ(), "GODWIT_USER="+apiUser, "GODWIT_PASSWORD="+apiPassword)
	logf, _ := os.Create(filepath.Join(dir, "godwit.log"))
	g.Stdout, g.Stderr = logf, logf
	g.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := g.Start(); err != nil {
		return out, err
	}
	defer func() { _ = g.Process.Kill(); _ = g.Wait() }()
	c := client.New("http://127.0.0.1:"+port, client.Auth{User: apiUser, Password: apiPassword})
	var ids []string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ids = ids[:0]
		for i, m := range []*testenv.MariaDB{src, dst} {
			ds, err := c.CreateDataSource(ctx, client.CreateDataSourceRequest{Name: []string{"src", "dst"}[i], Type: "MARIADB",
				Host: m.Host, Port: m.Port, User: m.User, Password: m.Password})
			if err != nil {
				break
			}
			ids = append(ids, ds.ID)
		}
		if len(ids) == 2 {
			break
		}
		if time.Now().After(deadline) {
			return out, fmt.Errorf("godwit did not come up (log %s)", logf.Name())
		}
	}
	p, err := c.CreateProject(ctx, map[string]any{"name": "switchbench", "type": "MIGRATION",
		"sourceEndpointId": ids[0], "sinkEndpointId": ids[1],
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": "sbtest"}}},
		"enableStructTransfer": true, "enableFullTransfer": true, "enableIncrTransfer": true, "enableReverseIncrTransfer": true,
		"incrTransferConfig": map[string]any{"enableSequencingWithinTxn": false}})
	if err != nil {
		return out, err
	}
	if _, err := c.StartProject(ctx, p.ID); err != nil {
		return out, err
	}
	if err := waitStep(ctx, c, p.ID, "TRANSFER_APP_SWITCH", "RUNNING"); err != nil {
		return out, err
	}
	load := sb("run", "--threads=16", "--time="+strconv.Itoa(warmup+30), "--rate="+strconv.Itoa(rate), "--mysql-ignore-errors=1290")
	if err := load.Start(); err != nil {
		return out, err
	}
	defer func() { _ = load.Process.Kill(); _ = load.Wait() }()
	time.Sleep(time.Duration(warmup) * time.Second)
	t0 := time.Now()
	req, err := c.Switchover(ctx, p.ID, "SWITCH")
	if err != nil {
		return out, err
	}
	var st *client.SwitchStatus
	for {
		if st, err = c.SwitchStatus(ctx, p.ID); err != nil {
			return out, err
		}
		if st.State.RequestID == req.Request.ID && (st.State.Phase == "SWITCHED" || st.State.LastError != nil) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if e := st.State.LastError; e != nil {
		return out, fmt.Errorf("switch refused: %s %s", e.Code, e.Message)
	}
	out.request = time.Since(t0)
	out.downtime = time.Duration(st.State.DowntimeMillis) * time.Millisecond
	out.keys = st.State.KeysChecked
	if err := waitStep(ctx, c, p.ID, "REVERSE_INCR_TRANSFER", "MONITORING"); err != nil {
		return out, err
	}
	out.reverse = time.Since(time.UnixMilli(st.State.FencedAt))
	return out, nil
}

func waitStep(ctx context.Context, c *client.Client, id, step, want string) error {
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		l, err := c.Steps(ctx, id)
		if err != nil {
			return err
		}
		for _, s := range l.Items {
			if code, msg, _ := s.StepError(); s.Status == "FAILED" {
				return fmt.Errorf("step %s FAILED: %s %s", s.Name, code, msg)
			}
			if s.Name == step && s.Status == want {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not %s", step, want)
		}
	}
}
