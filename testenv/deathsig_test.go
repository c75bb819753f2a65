package testenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperProcess is what TestServersDieWithTheirParent runs in a child process (the test
// binary again, diverted by TestMain through GODWIT_TESTENV_HELPER=1): it starts both
// servers, reports their pids and waits to be killed.
func helperProcess() {
	ctx := context.Background()
	m, err := StartMariaDB(ctx, MariaDBOptions{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	pg, err := StartPostgres(ctx, PostgresOptions{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Printf("PIDS %d %d %s %s\n", m.p.cmd.Process.Pid, pg.p.cmd.Process.Pid, m.Dir, pg.Dir)
	time.Sleep(2 * time.Minute) // the parent kills us long before
	os.Exit(2)
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestServersDieWithTheirParent(t *testing.T) {
	if _, err := findBinary([]string{"mariadbd", "mysqld"}, "/usr/sbin"); err != nil {
		skipOrFatal(t, "MariaDB", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODWIT_TESTENV_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mpid, ppid int
	var mdir, pdir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "ERR") {
			t.Fatal(line)
		}
		if _, err := fmt.Sscanf(line, "PIDS %d %d %s %s", &mpid, &ppid, &mdir, &pdir); err == nil {
			break
		}
	}
	if mpid == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("helper did not report its servers")
	}
	t.Cleanup(func() { os.RemoveAll(mdir); os.RemoveAll(pdir) })
	if !alive(mpid) || !alive(ppid) {
		t.Fatal("servers not running before the kill")
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for alive(mpid) || alive(ppid) {
		if time.Now().After(deadline) {
			syscall.Kill(-mpid, syscall.SIGKILL)
			syscall.Kill(-ppid, syscall.SIGKILL)
			t.Fatalf("servers outlived their killed parent (mariadbd alive %v, postgres alive %v)", alive(mpid), alive(ppid))
		}
		time.Sleep(pollEvery)
	}
}
