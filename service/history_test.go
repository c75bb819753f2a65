package service

import (
	"testing"
	"time"

	"github.com/godwit/godwit/meta"
)

// TestDownsampleRespectsMaxPoints: more stored points than asked are cut into equal
// buckets; AVG weighs each point by the samples it stands for, NONE keeps a stored point,
// MAX the largest; never more than MaxPoints points.
func TestDownsampleRespectsMaxPoints(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	var pts []meta.MetricPoint
	for i := range 100 {
		pts = append(pts, meta.MetricPoint{Time: t0.Add(time.Duration(i) * time.Second), Value: float64(i), N: 1})
	}
	pts[0].N = 3 // weighs three samples
	q := MetricQuery{From: t0, To: t0.Add(99 * time.Second), MaxPoints: 10, Aggregator: AggregateAvg}
	avg := downsample(pts, q)
	if len(avg) != 10 {
		t.Fatalf("AVG: %d points, want 10", len(avg))
	}
	// first bucket: values 0..9 with 0 counted three times: 45/12
	if want := 45.0 / 12; avg[0].Value != want {
		t.Errorf("AVG first bucket = %v, want %v", avg[0].Value, want)
	}
	q.Aggregator = AggregateNone
	none := downsample(pts, q)
	if len(none) != 10 || none[0].Value != 9 || none[0].Time != t0.Add(9*time.Second).UnixMilli() {
		t.Errorf("NONE: %d points, first %+v", len(none), none[0])
	}
	q.Aggregator = AggregateMax
	if mx := downsample(pts, q); len(mx) != 10 || mx[9].Value != 99 {
		t.Errorf("MAX: %+v", mx)
	}
	q.MaxPoints = 500
	if all := downsample(pts, q); len(all) != 100 {
		t.Errorf("fewer points than MaxPoints: %d returned, want all 100", len(all))
	}
}
