// Package watch follows a godwit project through the native API until it settles, showing
// live progress: mpb bars on a terminal (one per step, plus one per table during
// FULL_TRANSFER) or plain progress lines otherwise. The CLI's `project watch` and the demo
// both use it.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/godwit/godwit/client"
)

// Step and status names of the native API this package reacts to.
const (
	stepFull  = "FULL_TRANSFER"
	stepIncr  = "INCR_TRANSFER"
	stRunning = "RUNNING"
	stFailed  = "FAILED"
	stDone    = "FINISHED"
	stMonitor = "MONITORING"
)

// Options configure Watch.
type Options struct {
	// Interval between polls; 0 means 300 ms.
	Interval time.Duration
	// Out receives the display; nil means os.Stdout.
	Out io.Writer
	// Plain prints progress lines instead of bars (use it when Out is not a terminal).
	Plain bool
	// MaxTableBars caps the per-table bars (the rest are summarised); 0 means 20.
	MaxTableBars int
	// MaxPollErrors is how many consecutive failed polls are tolerated (a server restart,
	// a dropped connection) before Watch gives up; 0 means 10. API errors with a 4xx
	// status end the watch at once.
	MaxPollErrors int
}

// Result is the last state Watch saw.
type Result struct {
	Project *client.Project
	Steps   []client.Step
	// Reason is why watching stopped: the project status (FINISHED, FAILED, SUSPEND, …)
	// or MONITORING when incremental sync caught up.
	Reason string
}

// Failed returns the first FAILED step, or nil.
func (r *Result) Failed() *client.Step {
	for i := range r.Steps {
		if r.Steps[i].Status == stFailed {
			return &r.Steps[i]
		}
	}
	return nil
}

// Settled reports whether a project with these steps needs no more watching: the project is
// FINISHED, FAILED, SUSPEND (or released/deleted), or INCR_TRANSFER is MONITORING. It returns
// the reason.
func Settled(p *client.Project, steps []client.Step) (string, bool) {
	switch p.Status {
	case "FINISHED", "FAILED", "SUSPEND", "RELEASING", "RELEASED", "DELETED":
		return p.Status, true
	}
	for _, s := range steps {
		if s.Name == stepIncr && s.Status == stMonitor {
			return stMonitor, true
		}
	}
	return "", false
}

// IsTerminal reports whether w is an interactive terminal with a known size (bars need
// both; a pty without a size, as under some CI runners, gets plain lines).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	return err == nil && ws.Col > 0 && ws.Row > 0
}

// FailureText renders a failed step's error as "step NAME failed: CODE: message (advice)".
func FailureText(s *client.Step) string {
	code, msg, advice := s.StepError()
	out := fmt.Sprintf("step %s failed", s.Name)
	if code != "" || msg != "" {
		out += ": " + code
		if msg != "" {
			if code != "" {
				out += ": "
			}
			out += msg
		}
	}
	if advice != "" {
		out += " (" + advice + ")"
	}
	return out
}

// display renders successive snapshots of a project.
type display interface {
	update(p *client.Project, steps []client.Step, tables []client.TableProgress)
	// close finishes the display after the final update.
	close()
}

// Watch polls project id until Settled (or ctx ends) and renders progress to o.Out.
// It returns the final state; a FAILED project is a Result (check Failed), not an error.
// Errors are ctx's, a 4xx API error, or too many consecutive poll failures.
func Watch(ctx context.Context, c *client.Client, id string, o Options) (*Result, error) {
	if o.Interval <= 0 {
		o.Interval = 300 * time.Millisecond
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.MaxTableBars <= 0 {
		o.MaxTableBars = 20
	}
	if o.MaxPollErrors <= 0 {
		o.MaxPollErrors = 10
	}
	var d display
	if o.Plain {
		d = newPlain(o.Out)
	} else {
		d = newBars(ctx, o.Out, o.MaxTableBars)
	}
	defer d.close()

	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	fullSeen, fullFinal := false, false
	failures := 0
	for {
		p, steps, err := poll(ctx, c, id)
		var tables []client.TableProgress
		if err == nil {
			full := findStep(steps, stepFull)
			// Tables are fetched while the copy runs, and once more after it ends so the
			// table bars close on their final counts.
			if full != nil && (full.Status == stRunning || (fullSeen && !fullFinal)) {
				var tl *client.TableList
				if tl, err = c.Tables(ctx, id, stepFull); err == nil {
					tables = tl.Items
					fullSeen = true
					fullFinal = full.Status != stRunning
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ae *client.APIError
			if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 {
				return nil, err
			}
			if failures++; failures >= o.MaxPollErrors {
				return nil, fmt.Errorf("watch %s: %d polls failed in a row, last: %w", id, failures, err)
			}
		} else {
			failures = 0
			d.update(p, steps, tables)
			if reason, ok := Settled(p, steps); ok {
				return &Result{Project: p, Steps: steps, Reason: reason}, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// poll reads the project and its steps (from the project body when it carries them).
func poll(ctx context.Context, c *client.Client, id string) (*client.Project, []client.Step, error) {
	p, err := c.GetProject(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if len(p.Steps) > 0 {
		return p, p.Steps, nil
	}
	sl, err := c.Steps(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return p, sl.Items, nil
}

func findStep(steps []client.Step, name string) *client.Step {
	for i := range steps {
		if steps[i].Name == name {
			return &steps[i]
		}
	}
	return nil
}

// stepCounts renders "processed/capacity" for steps that report records, else "".
func stepCounts(s client.Step) string {
	if s.StepInfo == nil || s.StepInfo.ProcessedRecords == nil {
		return ""
	}
	if s.StepInfo.Capacity != nil && *s.StepInfo.Capacity > 0 {
		return fmt.Sprintf("%d/%d rows", *s.StepInfo.ProcessedRecords, *s.StepInfo.Capacity)
	}
	return fmt.Sprintf("%d rows", *s.StepInfo.ProcessedRecords)
}
