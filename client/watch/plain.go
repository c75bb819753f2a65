package watch

import (
	"fmt"
	"io"
	"time"

	"github.com/godwit/godwit/client"
)

// plain prints one line per step change: always on a status change, and on progress
// changes at most every plainEvery per step; tables get a line when their status changes.
type plain struct {
	out    io.Writer
	status string
	steps  map[string]plainState
	tables map[string]string
	now    func() time.Time
}

type plainState struct {
	status   string
	progress int
	printed  time.Time
}

const plainEvery = 2 * time.Second

func newPlain(out io.Writer) *plain {
	return &plain{out: out, steps: map[string]plainState{}, tables: map[string]string{}, now: time.Now}
}

func (d *plain) line(format string, a ...any) {
	fmt.Fprintf(d.out, "%s "+format+"\n", append([]any{d.now().Format("15:04:05")}, a...)...)
}

func (d *plain) update(p *client.Project, steps []client.Step, tables []client.TableProgress) {
	now := d.now()
	for _, s := range steps {
		prev, seen := d.steps[s.Name]
		changed := !seen && s.Status != "INIT" || seen && prev.status != s.Status
		moved := seen && s.Progress != prev.progress && now.Sub(prev.printed) >= plainEvery
		if !changed && !moved {
			if !seen {
				d.steps[s.Name] = plainState{status: s.Status, progress: s.Progress}
			}
			continue
		}
		msg := fmt.Sprintf("step %d %s %s %d%%", s.Order, s.Name, s.Status, s.Progress)
		if c := stepCounts(s); c != "" {
			msg += " " + c
		}
		if s.Status == stFailed {
			msg += " — " + FailureText(&s)
		}
		if s.StepInfo != nil && s.StepInfo.VerifyResult != "" {
			msg += " verify=" + s.StepInfo.VerifyResult
		}
		d.line("%s", msg)
		d.steps[s.Name] = plainState{status: s.Status, progress: s.Progress, printed: now}
	}
	for _, t := range tables {
		if d.tables[t.Table] == t.Status {
			continue
		}
		d.tables[t.Table] = t.Status
		d.line("table %s -> %s %s %d/%d rows", t.Table, t.Target, t.Status, t.Done, t.Capacity)
	}
	if p.Status != d.status {
		d.line("project %s %s", p.ID, p.Status)
		d.status = p.Status
	}
}

func (d *plain) close() {}
