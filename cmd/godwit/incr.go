package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/godwit/godwit/client"
)

// printIncr prints the live incremental state under a steps table when the project has
// INCR_TRANSFER: phase, delay, apply rate, positions and safe mode.
func (a *app) printIncr(ctx context.Context, id string, steps []client.Step) {
	has := false
	for _, s := range steps {
		has = has || s.Name == "INCR_TRANSFER"
	}
	if !has {
		return
	}
	st, err := a.client().IncrStatus(ctx, id)
	if err != nil {
		return
	}
	safe := ""
	if st.SafeMode {
		safe = " (safe mode until " + st.P1 + ")"
	}
	fmt.Fprintf(a.stdout, "\nIncremental: %s, delay %s, %s events/s, applied %s, captured %s%s\n",
		st.Phase, fmtDelay(st.DelayMillis), strconv.FormatInt(st.EventsPerSec, 10), orDash(st.AppliedPos), orDash(st.PulledPos), safe)
}

func fmtDelay(ms int64) string {
	if ms < 1000 {
		return strconv.FormatInt(ms, 10) + " ms"
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
