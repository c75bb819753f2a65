package sqlite

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/godwit/godwit/meta"
)

// TestHistoryCompactsAndSurvivesReopen: raw samples older than RawFor become weighted
// one-minute averages, those older than MinuteFor ten-minute averages, and the oldest are
// dropped; the points survive closing and reopening the store.
func TestHistoryCompactsAndSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var pts []meta.MetricPoint
	// 3 hours of 10 s samples: value = minute index, so each minute's average is known.
	start := now.Add(-3 * time.Hour)
	for i := range 3 * 360 {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		pts = append(pts, meta.MetricPoint{ProjectID: "p1", Step: "INCR_TRANSFER", Metric: "RPS", Time: at, Value: float64(i / 6)})
	}
	// a point older than Keep
	pts = append(pts, meta.MetricPoint{ProjectID: "p1", Step: "INCR_TRANSFER", Metric: "RPS", Time: now.Add(-48 * time.Hour), Value: 1})
	if err := s.AppendPoints(ctx, pts); err != nil {
		t.Fatal(err)
	}
	pol := meta.HistoryPolicy{RawFor: time.Hour, MinuteFor: 2 * time.Hour, Keep: 24 * time.Hour}
	if err := s.CompactPoints(ctx, pol, now); err != nil {
		t.Fatal(err)
	}
	if err := s.CompactPoints(ctx, pol, now); err != nil { // idempotent
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, path, testBox(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.QueryPoints(ctx, meta.PointQuery{ProjectID: "p1", Step: "INCR_TRANSFER", Metric: "RPS", From: now.Add(-72 * time.Hour), To: now})
	if err != nil {
		t.Fatal(err)
	}
	byRes := map[int]int{}
	for _, p := range got {
		byRes[p.Res]++
	}
	// last hour raw (360), the hour before per minute (60), the first hour per ten minutes (6)
	if byRes[0] != 360 || byRes[60] != 60 || byRes[600] != 6 || len(got) != 426 {
		t.Fatalf("points by resolution %v (total %d), want 360 raw, 60 per-minute, 6 ten-minute", byRes, len(got))
	}
	for i, p := range got {
		if i > 0 && p.Time.Before(got[i-1].Time) {
			t.Fatalf("points out of order at %d", i)
		}
		switch p.Res {
		case 600: // minutes m..m+9 have values m..m+9: average m+4.5
			m := float64(p.Time.Sub(start) / time.Minute)
			if math.Abs(p.Value-(m+4.5)) > 1e-9 || p.N != 60 {
				t.Fatalf("ten-minute point %v = %v (n %d), want %v (n 60)", p.Time, p.Value, p.N, m+4.5)
			}
		case 60:
			m := float64(p.Time.Sub(start) / time.Minute)
			if p.Value != m || p.N != 6 {
				t.Fatalf("minute point %v = %v (n %d), want %v (n 6)", p.Time, p.Value, p.N, m)
			}
		}
	}
}
