package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinary is wrapped by every error that means a server binary is not installed.
// Test helpers skip on it (or fail under CI=true).
var ErrNoBinary = errors.New("testenv: server binary not installed")

// proc is one running server process in its own process group. It dies with us
// (Pdeathsig) as a best effort when the test binary is killed.
type proc struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

// startProc starts path with args, its stdout and stderr appended to logPath.
// cred, when non-nil, sets the uid/gid the child runs as.
func startProc(path string, args []string, logPath string, cred *syscall.Credential, env []string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(path, args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: cred,
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(path), err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signalGroup sends sig to the whole process group (server and any children).
func (p *proc) signalGroup(sig syscall.Signal) {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
}

// stop sends sig and waits up to timeout for the exit, then SIGKILLs the group.
// It reports whether the graceful signal was enough.
func (p *proc) stop(sig syscall.Signal, timeout time.Duration) bool {
	if p.exited() {
		return true
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		// Stragglers (postgres backends) if any.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		waitGroupGone(p.cmd.Process.Pid, 10*time.Second)
		return true
	case <-time.After(timeout):
	}
	p.kill()
	return false
}

// kill SIGKILLs the group and waits for the process to be reaped and for the rest of
// its group (postgres backends, reparented to init) to be gone.
func (p *proc) kill() {
	p.signalGroup(syscall.SIGKILL)
	<-p.done
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	waitGroupGone(p.cmd.Process.Pid, 10*time.Second)
}

// waitGroupGone waits until no live (non-zombie) process is in process group pgid, or
// timeout passes.
func waitGroupGone(pgid int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for groupAlive(pgid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

func groupAlive(pgid int) bool {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		// After the command: state ppid pgrp ...
		fields := strings.Fields(s[i+1:])
		if len(fields) >= 3 && fields[0] != "Z" && fields[2] == strconv.Itoa(pgid) {
			return true
		}
	}
	return false
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. There is a small race
// until the server binds it; starters retry on "address in use".
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// findBinary looks for the first of names in PATH and then in dirs.
func findBinary(names []string, dirs ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	for _, d := range dirs {
		for _, n := range names {
			p := filepath.Join(d, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%w: none of %s found in PATH or %s", ErrNoBinary,
		strings.Join(names, ", "), strings.Join(dirs, ", "))
}

// tailFile returns at most the last max bytes of path, for error messages.
func tailFile(path string, max int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := st.Size() - max
	if off < 0 {
		off = 0
	}
	buf := make([]byte, st.Size()-off)
	n, _ := f.ReadAt(buf, off)
	return string(buf[:n])
}

// pollEvery is the readiness polling interval.
const pollEvery = 50 * time.Millisecond

// defaultStartTimeout bounds how long a server may take to accept connections.
const defaultStartTimeout = 60 * time.Second

// makeTempDir creates the temp root of one server, named after our pid so that
// sweepStale can remove the roots left behind by test binaries that were killed.
func makeTempDir(kind string) (string, error) {
	sweepStale(kind)
	return os.MkdirTemp("", fmt.Sprintf("godwit-%s-%d-", kind, os.Getpid()))
}

// sweepStale removes temp roots of kind whose owning process no longer exists (its
// servers died with it through Pdeathsig). Best effort; errors are ignored.
func sweepStale(kind string) {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "godwit-"+kind+"-*-*"))
	for _, m := range matches {
		parts := strings.Split(filepath.Base(m), "-")
		if len(parts) != 4 {
			continue
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			if st, err := os.Stat(m); err == nil && time.Since(st.ModTime()) > time.Minute {
				os.RemoveAll(m)
			}
		}
	}
}
