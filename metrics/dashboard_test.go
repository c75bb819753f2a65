package metrics

import (
	"os"
	"regexp"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDashboardNamesExist: every godwit_* series the Grafana dashboard queries is one this
// package exposes (a renamed metric must not leave the dashboard silently empty).
func TestDashboardNamesExist(t *testing.T) {
	b, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"godwit_api_requests_total": true, "godwit_api_request_duration_seconds_bucket": true, "godwit_errors_total": true}
	ch := make(chan *prometheus.Desc, 64)
	go func() { (&projectCollector{}).Describe(ch); close(ch) }()
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		if m := name.FindStringSubmatch(d.String()); m != nil {
			known[m[1]] = true
		}
	}
	used := regexp.MustCompile(`godwit_[a-z_]+`).FindAllString(string(b), -1)
	if len(used) < 10 {
		t.Fatalf("the dashboard queries only %d godwit series", len(used))
	}
	for _, u := range used {
		if !known[u] {
			t.Errorf("the dashboard queries %s, which godwit does not expose", u)
		}
	}
}
