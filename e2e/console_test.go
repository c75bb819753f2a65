package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/godwit/godwit/service"
	"github.com/godwit/godwit/testenv"
)

// chromium returns Debian's chromium binary (make deps installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := osexec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: run `make deps` (Debian packages chromium chromium-driver)")
	return ""
}

// tab opens a browser tab authenticated as user (HTTP Basic on every request).
func tab(t *testing.T, browser context.Context, user, password string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// eval evaluates a JavaScript expression in the tab.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// text returns the text content of the first element matching sel ("" when none).
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.trim()`, sel))
}

// click clicks the first element matching sel, failing when there is none.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if !eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true })()`, sel)) {
		t.Fatalf("no element %s to click", sel)
	}
}

// fill sets the value of the form control sel.
func fill(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	if !eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q; e.dispatchEvent(new Event("input")); return e.value === %q })()`, sel, value, value)) {
		t.Fatalf("cannot set %s to %q", sel, value)
	}
}

func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

func digits(s string) int64 {
	n, _ := strconv.ParseInt(strings.NewReplacer(",", "", " ", "").Replace(s), 10, 64)
	return n
}

// waitText polls until the text of sel satisfies ok, or fails after timeout.
func waitText(t *testing.T, ctx context.Context, sel string, timeout time.Duration, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := text(t, ctx, sel)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, "timeout.png")
			t.Fatalf("%s is %q after %s", sel, s, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func present(s string) bool { return s != "" }

// TestConsole drives the web console in headless Chromium against a real godwit and real
// MariaDB servers: a project created through the form, started with a confirmation and
// watched until incremental sync is live; the page's values equal the API's; a readonly user
// sees no action. Screenshots are kept in the test's artifact directory (go test -artifacts).
func TestConsole(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base, _ := openAt(t, t.TempDir(), service.AlarmConfig{})
	db := testenv.UniqueName("ui")
	seed(t, src, db, 0.02)
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1800),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	browser, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	if err := chromedp.Do(browser); err != nil { // start the browser
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab(t, browser, apiUser, apiPassword), 3*time.Minute)
	defer cancel()

	// Create the project through the form.
	name := "ui_" + db
	navigate(t, ctx, base+"/#/new")
	waitText(t, ctx, "#np-create", 20*time.Second, present)
	fill(t, ctx, "#np-name", name)
	fill(t, ctx, "#np-source", sid)
	fill(t, ctx, "#np-target", did)
	fill(t, ctx, "#np-db", db)
	fill(t, ctx, "#np-mapped", db+"_t")
	click(t, ctx, "#np-create")
	waitText(t, ctx, "#project-status", 20*time.Second, present)
	hash := eval[string](t, ctx, "location.hash")
	id := strings.TrimPrefix(hash, "#/p/")
	if got := projectStatus(t, base, id); got != "INIT" || text(t, ctx, "#project-status") != "INIT" {
		t.Fatalf("new project: API status %q, page %q", got, text(t, ctx, "#project-status"))
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("[data-action]").length`); n < 5 {
		t.Fatalf("admin sees %d action buttons, want start, stop, resume, release, delete", n)
	}

	// Start with the confirmation dialog and watch it reach the live incremental phase.
	click(t, ctx, `button[data-action="start"]`)
	if !eval[bool](t, ctx, `!document.getElementById("modal").classList.contains("hidden")`) {
		t.Fatal("start asked for no confirmation")
	}
	if projectStatus(t, base, id) != "INIT" {
		t.Fatal("the project started before the confirmation")
	}
	click(t, ctx, "#confirm-yes")
	waitText(t, ctx, `[data-step="INCR_TRANSFER"] .st-status`, 2*time.Minute, func(s string) bool { return s == "MONITORING" })
	s, err := src.DB(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 25 {
		if _, err := s.Exec("UPDATE customers SET name = ? WHERE id = ?", fmt.Sprintf("ui%d", i), i+1); err != nil {
			t.Fatal(err)
		}
	}
	c := incrClient(base)
	st := incrWaitCaughtUp(t, c, id, incrMasterPos(t, s), time.Minute)
	waitText(t, ctx, "#incr-rows", 30*time.Second, func(v string) bool { return digits(v) == st.RowsApplied })
	waitText(t, ctx, "#chart-incr-delay .last", 30*time.Second, func(v string) bool { return v != "–" })

	// Values on the page equal the API's.
	if got, want := text(t, ctx, "#project-status"), projectStatus(t, base, id); got != want {
		t.Errorf("page status %q, API %q", got, want)
	}
	steps := incrSteps(t, c, id)
	for _, name := range []string{"TRANSFER_PRECHECK", "STRUCT_TRANSFER", "FULL_TRANSFER", "INCR_TRANSFER"} {
		if got := text(t, ctx, fmt.Sprintf(`[data-step=%q] .st-status`, name)); got != steps[name].Status {
			t.Errorf("step %s: page %q, API %q", name, got, steps[name].Status)
		}
	}
	if fs := steps["FULL_TRANSFER"]; fs.StepInfo == nil || fs.StepInfo.ProcessedRecords == nil ||
		digits(text(t, ctx, `[data-step="FULL_TRANSFER"] .rows`)) != *fs.StepInfo.ProcessedRecords {
		t.Errorf("full copy rows: page %q, API %+v", text(t, ctx, `[data-step="FULL_TRANSFER"] .rows`), fs.StepInfo)
	}
	for _, tb := range tables(t, base, id, "FULL_TRANSFER") {
		if got := digits(text(t, ctx, fmt.Sprintf(`[data-table=%q] .done`, tb.Table))); got != tb.Done {
			t.Errorf("table %s: page shows %d rows done, API %d", tb.Table, got, tb.Done)
		}
	}
	if got := text(t, ctx, `[data-step="TRANSFER_APP_SWITCH"] .st-status`); got != "not enabled" {
		t.Errorf("the timeline shows every step: TRANSFER_APP_SWITCH is %q", got)
	}
	screenshot(t, ctx, "admin-project.png")

	// A readonly user sees the same page without any action.
	ro, cancelRO := context.WithTimeout(tab(t, browser, "viewer", "viewer-pw"), time.Minute)
	defer cancelRO()
	navigate(t, ro, base+"/#/p/"+id)
	waitText(t, ro, "#project-status", 20*time.Second, present)
	waitText(t, ro, `[data-step="INCR_TRANSFER"] .st-status`, 10*time.Second, func(s string) bool { return s == "MONITORING" })
	if n := eval[int](t, ro, `document.querySelectorAll("[data-action], #nav-new, main button").length`); n != 0 {
		t.Errorf("readonly user sees %d action elements", n)
	}
	screenshot(t, ro, "readonly-project.png")
}
