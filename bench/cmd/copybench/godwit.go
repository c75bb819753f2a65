package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godwit/godwit/client"
)

const benchUser, benchPassword = "bench", "bench-password-1"

// cmdGodwit runs one migration of database bench (or -db) from the source to the target with a
// fresh `godwit serve` (its own data dir): schema with deferred indexes, full copy, index
// build. It prints "seconds=S rss_kb=K cpu_s=C": S from the start call to FINISHED, K the
// server process's peak RSS (VmHWM), C its CPU time (user+system).
func cmdGodwit(args []string) error {
	fs := flag.NewFlagSet("godwit", flag.ExitOnError)
	envFile := fs.String("env", "", "servers' settings file")
	bin := fs.String("bin", "bin/godwit", "godwit binary")
	work := fs.String("work", os.TempDir(), "directory for the data dir and the server log")
	mode := fs.String("mode", "NORMAL", "fullTransferSpeedMode")
	dbName := fs.String("db", benchDB, "source database to migrate (same name on the target)")
	readers := fs.Int("readers", 4, "readWorkerNum")
	writers := fs.Int("writers", 4, "writeWorkerNum")
	_ = fs.Parse(args)
	e, err := readEnv(*envFile)
	if err != nil {
		return err
	}
	dataDir, err := os.MkdirTemp(*work, "godwit-data-")
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
	logf, err := os.Create(filepath.Join(*work, "godwit-serve.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(*bin, "serve", "--listen", addr, "--data-dir", dataDir)
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
	ids := make([]string, 2)
	for i, port := range []int{e.SrcPort, e.DstPort} {
		ds, err := c.CreateDataSource(ctx, client.CreateDataSourceRequest{Name: fmt.Sprintf("bench%d", i), Type: "MARIADB",
			Host: "127.0.0.1", Port: port, User: "root", Password: e.Password})
		if err != nil {
			return err
		}
		ids[i] = ds.ID
	}
	p, err := c.CreateProject(ctx, map[string]any{
		"name": "bench", "type": "MIGRATION", "sourceEndpointId": ids[0], "sinkEndpointId": ids[1],
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": *dbName}}},
		"enableStructTransfer": true, "enableFullTransfer": true,
		"structTransferConfig": map[string]any{"deferIndexCreation": true},
		"fullTransferConfig":   map[string]any{"readWorkerNum": *readers, "writeWorkerNum": *writers, "fullTransferSpeedMode": *mode},
	})
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := c.StartProject(ctx, p.ID); err != nil {
		return err
	}
	var peak int64
	for {
		got, err := c.GetProject(ctx, p.ID)
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

// cpuSeconds is a process's user+system CPU time so far (0 if unknown).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields after "pid (comm) "
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ
}

// vmHWM reads a process's peak resident set size in kB (0 if unknown).
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
