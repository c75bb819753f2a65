package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/godwit/godwit/sampledb"
	"github.com/godwit/godwit/testenv"
)

// scrape fetches base/metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.SetBasicAuth(apiUser, apiPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: HTTP %d %s", resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// sample returns the value of the series of family name whose labels include want, and
// whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetricsMoveWithTheData: a real migration (struct, full, incremental) scraped through
// GET /metrics: rows moved equal the source's row count read by the test, applied changes
// move by exactly the rows the test writes, requests and errors are counted by route and
// code, and the Go runtime is exposed.
func TestMetricsMoveWithTheData(t *testing.T) {
	src := testenv.SharedMariaDB(t, "source")
	dst := testenv.SharedMariaDB(t, "target")
	base := inProcess(t)
	db := testenv.UniqueName("mx")
	counts := seed(t, src, db, 0.02)
	s, err := src.DB(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var total int64
	for _, ti := range sampledb.Tables() {
		total += counts[ti.Name]
	}
	sid, did := createDS(t, base, "s-"+db, src), createDS(t, base, "d-"+db, dst)
	id := createProject(t, base, incrProjectBody("mx_"+db, sid, did, db, db+"_t", nil, nil))
	if code, e := action(t, base, id, "start"); code != 200 {
		t.Fatalf("start: %d %+v", code, e)
	}
	c := incrClient(base)
	incrWaitStep(t, c, id, "INCR_TRANSFER", 2*time.Minute, "MONITORING")

	fams := scrape(t, base)
	rows, ok := sample(fams, "godwit_step_rows_total", map[string]string{"project": id, "step": "FULL_TRANSFER"})
	if !ok || int64(rows) != total {
		t.Fatalf("godwit_step_rows_total{FULL_TRANSFER} = %v (present %v), want the %d source rows", rows, ok, total)
	}
	if b, ok := sample(fams, "godwit_step_bytes_total", map[string]string{"project": id, "step": "FULL_TRANSFER"}); !ok || b <= 0 {
		t.Errorf("godwit_step_bytes_total{FULL_TRANSFER} = %v (present %v), want > 0", b, ok)
	}
	if v, ok := sample(fams, "godwit_step_status", map[string]string{"project": id, "step": "INCR_TRANSFER", "status": "MONITORING"}); !ok || v != 1 {
		t.Errorf("godwit_step_status{INCR_TRANSFER,MONITORING} = %v (present %v)", v, ok)
	}
	for _, name := range []string{"godwit_apply_delay_seconds", "godwit_change_store_bytes", "godwit_change_store_age_seconds"} {
		if _, ok := sample(fams, name, map[string]string{"project": id}); !ok {
			t.Errorf("%s of the project is missing", name)
		}
	}
	if _, ok := sample(fams, "go_goroutines", nil); !ok {
		t.Error("go_goroutines (Go runtime) is missing")
	}
	applied0, _ := sample(fams, "godwit_incr_rows_applied_total", map[string]string{"project": id})

	// Changes written now move the applied counter by exactly their number.
	const n = 37
	for i := range n {
		if _, err := s.ExecContext(context.Background(), "UPDATE customers SET name = ? WHERE id = ?", fmt.Sprintf("m%d", i), i+1); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		fams = scrape(t, base)
		a, _ := sample(fams, "godwit_incr_rows_applied_total", map[string]string{"project": id})
		if a-applied0 == n {
			break
		}
		if a-applied0 > n || time.Now().After(deadline) {
			t.Fatalf("godwit_incr_rows_applied_total moved by %v, want %d", a-applied0, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if lag, ok := sample(fams, "godwit_capture_lag_seconds", map[string]string{"project": id}); !ok || lag < 0 || lag > 120 {
		t.Errorf("godwit_capture_lag_seconds = %v (present %v) right after a captured write", lag, ok)
	}
	var name string
	if err := func() error {
		d, err := dst.DB(db + "_t")
		if err != nil {
			return err
		}
		defer d.Close()
		return d.QueryRow("SELECT name FROM customers WHERE id = ?", n).Scan(&name)
	}(); err != nil || name != fmt.Sprintf("m%d", n-1) {
		t.Fatalf("target row: %q, %v", name, err)
	}

	// Requests by route and status; errors by code.
	route := map[string]string{"route": "GET /api/v1/projects/{id}", "status": "200"}
	before, _ := sample(fams, "godwit_api_requests_total", route)
	errBefore, _ := sample(fams, "godwit_errors_total", map[string]string{"code": "GODWIT-API-0404"})
	for range 3 {
		projectStatus(t, base, id)
	}
	native(t, base, "GET", "/api/v1/no-such-route", nil, nil)
	fams = scrape(t, base)
	if after, _ := sample(fams, "godwit_api_requests_total", route); after-before != 3 {
		t.Errorf("godwit_api_requests_total{GET /api/v1/projects/{id},200} moved by %v, want 3", after-before)
	}
	if e, _ := sample(fams, "godwit_errors_total", map[string]string{"code": "GODWIT-API-0404"}); e-errBefore != 1 {
		t.Errorf("godwit_errors_total{GODWIT-API-0404} moved by %v, want 1", e-errBefore)
	}
	for k := range fams {
		if strings.HasPrefix(k, "godwit_api_request_duration_seconds") {
			return
		}
	}
	t.Error("godwit_api_request_duration_seconds is missing")
}
