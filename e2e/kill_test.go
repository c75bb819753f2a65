package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

// godwitProc is a `godwit serve` subprocess.
type godwitProc struct {
	cmd  *osexec.Cmd
	base string
}

func buildGodwit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "godwit")
	out, err := osexec.Command("go", "build", "-o", bin, "github.com/godwit/godwit/cmd/godwit").CombinedOutput()
	if err != nil {
		t.Fatalf("building godwit: %v\n%s", err, out)
	}
	return bin
}

func startGodwit(t *testing.T, bin, dataDir string, port int) *godwitProc {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := osexec.Command(bin, "serve", "--listen", addr, "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), "GODWIT_USER="+apiUser, "GODWIT_PASSWORD="+apiPassword)
	logf, err := os.OpenFile(filepath.Join(dataDir, "..", "godwit-"+strconv.Itoa(port)+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &godwitProc{cmd: cmd, base: "http://" + addr}
	t.Cleanup(func() { g.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(g.base + "/api/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return g
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("godwit did not answer on %s", addr)
	return nil
}

func (g *godwitProc) kill() {
	if g.cmd.Process != nil && g.cmd.ProcessState == nil {
		g.cmd.Process.Signal(syscall.SIGKILL)
		g.cmd.Wait()
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func exec(t *testing.T, m *testenv.MariaDB, q string) {
	t.Helper()
	c, err := m.DB("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestKillDuringFullTransfer SIGKILLs a real godwit process in the middle of FULL_TRANSFER and
// starts it again on the same data dir: the project resumes by itself, finishes, every row is
// identical, and the chunks copied before the kill were not copied again — checked both from
// godwit's chunk state and, independently, from the target server's InnoDB insert counter.
func TestKillDuringFullTransfer(t *testing.T) {
	bin := buildGodwit(t)
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.MariaDBT(t, testenv.MariaDBOptions{}) // own target: its counters are ours alone
	srcDB := testenv.UniqueName("kill")
	counts := seed(t, src, srcDB, 1)
	var total int64
	for _, n := range counts {
		total += n
	}
	const chunkRows, workers = 2000, 2
	slack := int64(workers) * max(chunkRows, counts["audit_log"]) // rows of chunks in flight at the kill

	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	g := startGodwit(t, bin, dataDir, port)
	var sds, dds struct {
		ID string `json:"id"`
	}
	for _, x := range []struct {
		m   *testenv.MariaDB
		out *struct {
			ID string `json:"id"`
		}
		name string
	}{{src, &sds, "src"}, {dst, &dds, "dst"}} {
		body := map[string]any{"name": x.name, "type": "MARIADB", "host": x.m.Host, "port": x.m.Port, "user": x.m.User, "password": x.m.Password}
		if code := native(t, g.base, "POST", "/api/v1/datasources", body, x.out); code != 201 {
			t.Fatalf("create data source: HTTP %d", code)
		}
	}
	var p struct {
		ID string `json:"id"`
	}
	body := map[string]any{"name": "kill_" + srcDB, "type": "MIGRATION", "sourceEndpointId": sds.ID, "sinkEndpointId": dds.ID,
		"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{map[string]any{"name": srcDB}}},
		"enableStructTransfer": true, "enableFullTransfer": true,
		"fullTransferConfig": map[string]any{"readWorkerNum": workers, "chunkRows": chunkRows, "throttleRps": 40000}}
	if code := native(t, g.base, "POST", "/api/v1/projects", body, &p); code != 201 {
		t.Fatalf("create project: HTTP %d", code)
	}
	if code := native(t, g.base, "POST", "/api/v1/projects/"+p.ID+"/start", nil, nil); code != 200 {
		t.Fatalf("start: HTTP %d", code)
	}

	// Wait until a third of the rows are committed chunk by chunk, then kill -9.
	var doneBefore int64
	var chunksBefore int
	var before []tableProgress
	deadline := time.Now().Add(3 * time.Minute)
	for doneBefore < total/3 {
		if time.Now().After(deadline) {
			t.Fatalf("copy did not progress: %d of %d rows", doneBefore, total)
		}
		if s := projectStatus(t, g.base, p.ID); s != "RUNNING" {
			t.Fatalf("project %s before the kill", s)
		}
		doneBefore, chunksBefore = 0, 0
		before = tables(t, g.base, p.ID, "FULL_TRANSFER")
		for _, tp := range before {
			doneBefore += tp.Done
			chunksBefore += tp.Extra.ChunksDone
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.kill()
	if doneBefore <= slack {
		t.Fatalf("test is not meaningful: only %d rows done before the kill (slack %d)", doneBefore, slack)
	}
	if doneBefore >= total {
		t.Fatal("the copy finished before the kill")
	}

	// Tamper with the target: delete the first row of a table whose copy had finished. If the
	// restarted copy redid that table, the row would come back.
	finishedBefore := map[string]int{}
	for _, tp := range before {
		if tp.Status == "FINISHED" {
			finishedBefore[tp.Table] = tp.Extra.Chunks
		}
	}
	var tampered *sampledb.TableInfo
	for _, ti := range sampledb.Tables() {
		if _, ok := finishedBefore[srcDB+"."+ti.Name]; ok && ti.Key != nil {
			tampered = &ti
			break
		}
	}
	if tampered == nil {
		t.Fatalf("no keyed table had finished before the kill: %+v", before)
	}
	exec(t, dst, fmt.Sprintf("DELETE FROM `%s`.`%s` ORDER BY `%s` LIMIT 1", srcDB, tampered.Name, strings.Join(tampered.Key, "`,`")))

	// Restart: the project resumes without any API call.
	g = startGodwit(t, bin, dataDir, port)
	deadline = time.Now().Add(4 * time.Minute)
	for {
		s := projectStatus(t, g.base, p.ID)
		if s == "FINISHED" {
			break
		}
		if s != "RUNNING" || time.Now().After(deadline) {
			t.Fatalf("project %s after restart", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s, _ := src.DB("")
	d, _ := dst.DB("")
	defer s.Close()
	defer d.Close()
	for _, ti := range sampledb.Tables() {
		diff, err := testenv.CompareTables(context.Background(), s, srcDB+"."+ti.Name, d, srcDB+"."+ti.Name, ti.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ti.Name == tampered.Name {
			if diff.OnlyInSrc != 1 || diff.OnlyInDst != 0 || diff.Different != 0 {
				t.Errorf("table %s finished before the kill was copied again (or damaged): %s", ti.Name, diff)
			}
			continue
		}
		if !diff.Same() {
			t.Errorf("table %s differs: %s", ti.Name, diff)
		}
	}

	// godwit's own account: every chunk done before the kill was skipped, not redone.
	skipped := 0
	for _, tp := range tables(t, g.base, p.ID, "FULL_TRANSFER") {
		if n, ok := finishedBefore[tp.Table]; ok {
			skipped += n
		} else {
			skipped += tp.Extra.ResumedChunks
		}
		if tp.Status != "FINISHED" {
			t.Errorf("table %s is %s", tp.Table, tp.Status)
		}
	}
	if skipped < chunksBefore {
		t.Errorf("godwit skipped %d chunks on resume, but %d were done before the kill", skipped, chunksBefore)
	}
	t.Logf("killed at %d/%d rows (%d chunks done); resume skipped %d chunks; tampered table %s kept its tamper",
		doneBefore, total, chunksBefore, skipped, tampered.Name)
}
