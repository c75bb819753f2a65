package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// native calls the native REST API and decodes the JSON answer into out (if non-nil).
// It returns the HTTP status.
func native(t *testing.T, base, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(apiUser, apiPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: HTTP %d, bad JSON %q: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// tableProgress is the native per-table progress item.
type tableProgress struct {
	Table    string `json:"table"`
	Status   string `json:"status"`
	Capacity int64  `json:"capacity"`
	Done     int64  `json:"done"`
	Extra    struct {
		Chunks        int `json:"chunks"`
		ChunksDone    int `json:"chunksDone"`
		ResumedChunks int `json:"resumedChunks"`
	} `json:"extra"`
}

func tables(t *testing.T, base, id, step string) []tableProgress {
	t.Helper()
	var out struct {
		Items []tableProgress `json:"items"`
	}
	if code := native(t, base, "GET", "/api/v1/projects/"+id+"/tables?step="+step, nil, &out); code != 200 {
		t.Fatalf("tables: HTTP %d", code)
	}
	return out.Items
}

func projectStatus(t *testing.T, base, id string) string {
	t.Helper()
	var p struct {
		Status string `json:"status"`
	}
	if code := native(t, base, "GET", "/api/v1/projects/"+id, nil, &p); code != 200 {
		t.Fatalf("get project: HTTP %d", code)
	}
	return p.Status
}
