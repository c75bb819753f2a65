package sqlite

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

func TestLogs(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	entries := []meta.LogEntry{
		{ProjectID: "np_1", Time: t0, Level: "INFO", Step: "TRANSFER_PRECHECK", Message: "m0"},
		{ProjectID: "np_1", Time: t0.Add(time.Second), Level: "WARN", Message: "m1"},
		{ProjectID: "np_2", Time: t0.Add(2 * time.Second), Level: "ERROR", Message: "m2"},
		{ProjectID: "np_1", Time: t0.Add(3 * time.Second), Level: "ERROR", Step: "FULL_TRANSFER", Message: "m3"},
		{ProjectID: "np_1", Time: t0.Add(3 * time.Second), Message: "m4 same time, later id"},
	}
	for _, e := range entries {
		if err := s.AppendLog(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	msgs := func(l []meta.LogEntry) string {
		var out []string
		for _, e := range l {
			out = append(out, e.Message[:2])
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		name  string
		f     meta.LogFilter
		want  string
		total int64
	}{
		{"all newest first", meta.LogFilter{}, "m4,m3,m2,m1,m0", 5},
		{"project", meta.LogFilter{ProjectID: "np_1"}, "m4,m3,m1,m0", 4},
		{"level", meta.LogFilter{ProjectID: "np_1", Level: "ERROR"}, "m3", 1},
		{"since", meta.LogFilter{Since: t0.Add(time.Second)}, "m4,m3,m2,m1", 4},
		{"until", meta.LogFilter{Until: t0.Add(time.Second)}, "m1,m0", 2},
		{"window", meta.LogFilter{Since: t0.Add(time.Second), Until: t0.Add(2 * time.Second)}, "m2,m1", 2},
		{"page", meta.LogFilter{ProjectID: "np_1", Page: 2, Size: 3}, "m0", 4},
	}
	for _, c := range cases {
		got, total, err := s.ListLogs(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if msgs(got) != c.want || total != c.total {
			t.Errorf("%s: got %s total %d, want %s total %d", c.name, msgs(got), total, c.want, c.total)
		}
	}
	all, _, _ := s.ListLogs(ctx, meta.LogFilter{})
	m3 := all[1]
	if m3.ID <= 0 || m3.ProjectID != "np_1" || m3.Step != "FULL_TRANSFER" || m3.Level != "ERROR" ||
		!m3.Time.Equal(t0.Add(3*time.Second)) || m3.Time.Location() != time.UTC || m3.Time.Nanosecond() != t0.Nanosecond() {
		t.Fatalf("entry = %+v", m3)
	}
	if all[0].Level != "INFO" || all[0].ID <= m3.ID {
		t.Fatalf("defaults/ids: %+v", all[0])
	}
	before := time.Now()
	if err := s.AppendLog(ctx, meta.LogEntry{ProjectID: "np_3", Message: "now"}); err != nil {
		t.Fatal(err)
	}
	l, _, _ := s.ListLogs(ctx, meta.LogFilter{ProjectID: "np_3"})
	if len(l) != 1 || l[0].Time.Before(before.Add(-time.Second)) {
		t.Fatalf("zero Time not stored as now: %+v", l)
	}
}

func TestState(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	mustCreateProject(t, s, minimalProject("np_s", t0))
	if v, err := s.GetState(ctx, "np_s", "ckpt"); v != nil || err != nil {
		t.Fatalf("absent = %v, %v", v, err)
	}
	bin := []byte{0, 1, 2, 0xff, 'x', 0}
	if err := s.PutState(ctx, "np_s", "ckpt", bin); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GetState(ctx, "np_s", "ckpt"); err != nil || !reflect.DeepEqual(v, bin) {
		t.Fatalf("GetState = %v, %v", v, err)
	}
	if err := s.PutState(ctx, "np_s", "ckpt", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GetState(ctx, "np_s", "ckpt"); string(v) != "v2" {
		t.Fatalf("overwrite: %q", v)
	}
	if err := s.PutState(ctx, "np_s", "empty", nil); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GetState(ctx, "np_s", "empty"); err != nil || v == nil || len(v) != 0 {
		t.Fatalf("empty value = %v (nil %v), %v", v, v == nil, err)
	}
	if v, _ := s.GetState(ctx, "np_other", "ckpt"); v != nil {
		t.Fatal("state leaked across projects")
	}
	wantCode(t, s.PutState(ctx, "np_nope", "k", []byte("v")), errs.CodeProjectNotFound, errs.KindNotFound)
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	if v, ok, err := s.GetSetting(ctx, "missing"); v != "" || ok || err != nil {
		t.Fatalf("missing = %q %v %v", v, ok, err)
	}
	if err := s.PutSetting(ctx, "ui.title", "godwit", false); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "api.key", "k3y-value", true); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"ui.title": "godwit", "api.key": "k3y-value"} {
		if v, ok, err := s.GetSetting(ctx, k); v != want || !ok || err != nil {
			t.Fatalf("%s = %q %v %v", k, v, ok, err)
		}
	}
	db := rawDB(t, path)
	var raw string
	if err := db.QueryRow(`SELECT value FROM settings WHERE key = 'api.key'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, "k3y") {
		t.Fatalf("secret setting stored as %q", raw)
	}
	// Flipping secret off stores the clear value; on again seals it.
	if err := s.PutSetting(ctx, "api.key", "plain-now", false); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := s.GetSetting(ctx, "api.key"); v != "plain-now" {
		t.Fatalf("got %q", v)
	}
	if err := s.PutSetting(ctx, "api.key", "", true); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.GetSetting(ctx, "api.key"); v != "" || !ok || err != nil {
		t.Fatalf("empty secret = %q %v %v", v, ok, err)
	}
}
