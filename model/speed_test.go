package model

import (
	"encoding/json"
	"testing"
	"time"
)

func TestSpeedLimitWindows(t *testing.T) {
	var cfg FullTransferConfig
	if err := json.Unmarshal([]byte(`{"speedLimit":[{"begin":"01:00","end":"05:59","speed":"10"},
		{"begin":"22:00","end":"00:59","speed":2.5},{"begin":"03:00","end":"03:30","speed":1}]}`), &cfg); err != nil {
		t.Fatal(err)
	}
	for _, w := range cfg.SpeedLimit {
		if err := w.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	at := func(hm string) time.Time {
		tm, _ := time.Parse("15:04:05", hm)
		return time.Date(2026, 11, 21, tm.Hour(), tm.Minute(), tm.Second(), 0, time.UTC)
	}
	for _, c := range []struct {
		at   string
		want int64
	}{
		{"00:59:59", 2_500_000}, {"01:00:00", 10_000_000}, {"03:15:00", 1_000_000},
		{"05:59:59", 10_000_000}, {"06:00:00", 0}, {"21:59:59", 0}, {"23:30:00", 2_500_000},
	} {
		if got := ActiveSpeedLimit(cfg.SpeedLimit, at(c.at)); got != c.want {
			t.Errorf("at %s: %d B/s, want %d", c.at, got, c.want)
		}
	}
	// Windows are UTC: a time in another zone is converted.
	cet := time.FixedZone("CET", 3600)
	if got := ActiveSpeedLimit(cfg.SpeedLimit, time.Date(2026, 11, 21, 2, 30, 0, 0, cet)); got != 10_000_000 {
		t.Errorf("02:30 CET = 01:30 UTC: %d", got)
	}
	for _, bad := range []SpeedLimitWindow{{Begin: "24:00", End: "01:00", Speed: 1}, {Begin: "1:00", End: "x", Speed: 1},
		{Begin: "01:00", End: "02:00", Speed: 0}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	var r MBRate
	if json.Unmarshal([]byte(`"ten"`), &r) == nil {
		t.Error(`speed "ten" accepted`)
	}
}
