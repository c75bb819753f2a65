package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/godwit/godwit/client"
	"github.com/godwit/godwit/testenv"
)

const apiUser, apiPassword = "bench", "incrbench-password-1"

// godwit is a `godwit serve` subprocess.
type godwit struct {
	cmd     *exec.Cmd
	base    string
	logPath string
}

func startGodwit(bin, dataDir, logPath string) (*godwit, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), "GODWIT_USER="+apiUser, "GODWIT_PASSWORD="+apiPassword)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &godwit{cmd: cmd, base: "http://" + addr, logPath: logPath}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(g.base + "/api/v1/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return g, nil
			}
		}
	}
	g.stop()
	return nil, fmt.Errorf("godwit did not answer on %s (log %s)", addr, logPath)
}

func (g *godwit) stop() {
	if g.cmd.ProcessState == nil {
		g.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { g.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			g.cmd.Process.Kill()
			<-done
		}
	}
}

func (r *rig) createProject() error {
	ctx := context.Background()
	var ids []string
	for i, m := range []*testenv.MariaDB{r.src, r.dst} {
		ds, err := r.c.CreateDataSource(ctx, client.CreateDataSourceRequest{Name: []string{"src", "dst"}[i], Type: "MARIADB", Host: m.Host,
			Port: m.Port, User: m.User, Password: m.Password})
		if err != nil {
			return err
		}
		ids = append(ids, ds.ID)
	}
	incr := map[string]any{"enableSequencingWithinTxn": false, "storeLogKeptHour": 24}
	if r.o.concurrency > 0 {
		incr["incrSyncConcurrency"] = r.o.concurrency
	}
	p, err := r.c.CreateProject(ctx, map[string]any{"name": "incrbench", "type": "MIGRATION",
		"sourceEndpointId": ids[0], "sinkEndpointId": ids[1],
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": "sbtest"}}},
		"enableStructTransfer": true, "enableFullTransfer": true, "enableIncrTransfer": true,
		"incrTransferConfig": incr})
	if err != nil {
		return err
	}
	r.project = p.ID
	_, err = r.c.StartProject(ctx, p.ID)
	return err
}

// waitIncr waits until INCR_TRANSFER has status want; a FAILED project is an error.
func (r *rig) waitIncr(want string, timeout time.Duration) error {
	ctx := context.Background()
	for deadline := time.Now().Add(timeout); ; time.Sleep(200 * time.Millisecond) {
		l, err := r.c.Steps(ctx, r.project)
		if err != nil {
			return err
		}
		for _, s := range l.Items {
			if code, msg, _ := s.StepError(); s.Status == "FAILED" {
				return fmt.Errorf("step %s FAILED: %s %s", s.Name, code, msg)
			}
			if s.Name == "INCR_TRANSFER" && s.Status == want {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("INCR_TRANSFER not %s after %s", want, timeout)
		}
	}
}

// sysbench runs one sysbench oltp_write_only command on the source; extra flags come after
// the common ones.
func (r *rig) sysbench(command string, extra ...string) (string, error) {
	args := []string{"oltp_write_only", "--db-driver=mysql", "--mysql-host=127.0.0.1",
		"--mysql-port=" + strconv.Itoa(r.src.Port), "--mysql-user=" + r.src.User, "--mysql-password=" + r.src.Password,
		"--mysql-db=sbtest", "--tables=" + strconv.Itoa(r.o.tables), "--table-size=" + strconv.Itoa(r.o.tableSize)}
	args = append(args, extra...)
	args = append(args, command)
	out, err := exec.Command("sysbench", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("sysbench %s: %w\n%s", command, err, out)
	}
	return string(out), nil
}

var (
	reWrites = regexp.MustCompile(`write:\s+(\d+)`)
	reTPS    = regexp.MustCompile(`transactions:\s+\d+\s+\(([\d.]+) per sec`)
)

// parseSysbench returns the write queries and transactions/s of a sysbench run.
func parseSysbench(out string) (writes int64, tps float64, err error) {
	m1, m2 := reWrites.FindStringSubmatch(out), reTPS.FindStringSubmatch(out)
	if m1 == nil || m2 == nil {
		return 0, 0, fmt.Errorf("cannot parse sysbench output:\n%s", out)
	}
	writes, _ = strconv.ParseInt(m1[1], 10, 64)
	tps, _ = strconv.ParseFloat(m2[1], 64)
	return writes, tps, nil
}
