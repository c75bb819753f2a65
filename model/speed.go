package model

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SpeedLimitWindow is a DRS-style speed_limit entry: between Begin and End (UTC, "HH:MM",
// End inclusive to the end of its minute, so "01:00"–"05:59" covers 01:00:00–05:59:59) the
// full copy moves at most Speed MB/s (1 MB = 1,000,000 bytes of source data). A window whose
// End is before its Begin wraps past midnight. Speed accepts a JSON number or a decimal
// string ("10", DRS sends strings).
type SpeedLimitWindow struct {
	Begin string `json:"begin"`
	End   string `json:"end"`
	Speed MBRate `json:"speed"`
}

// MBRate is megabytes per second, decoded from a JSON number or a numeric string.
type MBRate float64

// UnmarshalJSON accepts 10, 2.5, "10" and "2.5".
func (r *MBRate) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*r = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("speed %s is not a number of MB/s", string(b))
	}
	*r = MBRate(f)
	return nil
}

// Validate checks the window's times and speed.
func (w SpeedLimitWindow) Validate() error {
	if _, err := parseHHMM(w.Begin); err != nil {
		return fmt.Errorf("speedLimit begin: %w", err)
	}
	if _, err := parseHHMM(w.End); err != nil {
		return fmt.Errorf("speedLimit end: %w", err)
	}
	if w.Speed <= 0 {
		return fmt.Errorf("speedLimit speed must be a positive number of MB/s, got %v", float64(w.Speed))
	}
	return nil
}

// Active reports whether t (converted to UTC) falls inside the window. Invalid windows are
// never active.
func (w SpeedLimitWindow) Active(t time.Time) bool {
	b, err1 := parseHHMM(w.Begin)
	e, err2 := parseHHMM(w.End)
	if err1 != nil || err2 != nil {
		return false
	}
	t = t.UTC()
	m := t.Hour()*60 + t.Minute()
	if b <= e {
		return m >= b && m <= e
	}
	return m >= b || m <= e
}

// BytesPerSecond is the window's limit in bytes/s.
func (w SpeedLimitWindow) BytesPerSecond() int64 { return int64(float64(w.Speed) * 1e6) }

// ActiveSpeedLimit returns the lowest bytes/s limit among the windows active at t, or 0
// when none is active.
func ActiveSpeedLimit(ws []SpeedLimitWindow, t time.Time) int64 {
	var lim int64
	for _, w := range ws {
		if w.Active(t) && w.Speed > 0 {
			if b := w.BytesPerSecond(); lim == 0 || b < lim {
				lim = max(1, b)
			}
		}
	}
	return lim
}

// parseHHMM parses "HH:MM" into minutes after midnight.
func parseHHMM(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a UTC time HH:MM", s)
	}
	return hh*60 + mm, nil
}
