package e2e

import (
	"os"
	osexec "os/exec"
	"strings"
	"testing"
)

// TestMakeDemo runs the README's `make demo` exactly as a user would, non-interactively
// (DEMO_EXIT=1): it must seed ≥200k rows, migrate them, verify CONSISTENT and exit 0.
func TestMakeDemo(t *testing.T) {
	if _, err := osexec.LookPath("make"); err != nil {
		t.Fatal("make is not installed (apt-get install make)")
	}
	cmd := osexec.Command("make", "-C", "..", "demo")
	cmd.Env = append(os.Environ(), "DEMO_EXIT=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make demo: %v\n%s", err, tail(string(out), 4000))
	}
	s := string(out)
	for _, want := range []string{"FINISHED", "CONSISTENT", "rows copied", "/api/v1"} {
		if !strings.Contains(s, want) {
			t.Errorf("make demo output lacks %q:\n%s", want, tail(s, 4000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
