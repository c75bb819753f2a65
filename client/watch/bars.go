package watch

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/godwit/godwit/client"
)

// bars renders one mpb bar per step and one per table of FULL_TRANSFER (up to max).
type bars struct {
	p      *mpb.Progress
	max    int
	steps  map[string]*bar
	tables map[string]*bar
	order  map[string]int // step name → order, for placing table bars under their step
	extra  *bar           // summary bar for tables beyond max
}

// bar is one mpb bar plus the text its status decorator shows (set by the poller,
// read by mpb's render goroutine).
type bar struct {
	b    *mpb.Bar
	mu   sync.Mutex
	text string
	done bool
}

func (b *bar) setText(s string) { b.mu.Lock(); b.text = s; b.mu.Unlock() }
func (b *bar) getText() string  { b.mu.Lock(); defer b.mu.Unlock(); return b.text }

func newBars(ctx context.Context, out io.Writer, max int) *bars {
	return &bars{
		p:      mpb.NewWithContext(ctx, mpb.WithOutput(out), mpb.WithWidth(100), mpb.WithAutoRefresh()),
		max:    max,
		steps:  map[string]*bar{},
		tables: map[string]*bar{},
		order:  map[string]int{},
	}
}

func (d *bars) add(label string, priority int) *bar {
	nb := &bar{}
	nb.b = d.p.New(0, mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.BarPriority(priority),
		mpb.PrependDecorators(decor.Name(label, decor.WC{C: decor.DSyncWidthR})),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return nb.getText() },
			decor.WC{C: decor.DSyncSpaceR})),
	)
	return nb
}

func (d *bars) update(_ *client.Project, steps []client.Step, tables []client.TableProgress) {
	for _, s := range steps {
		b, ok := d.steps[s.Name]
		if !ok {
			b = d.add(fmt.Sprintf("%d %s", s.Order, s.Name), s.Order*10000)
			b.b.SetTotal(100, false)
			d.steps[s.Name] = b
			d.order[s.Name] = s.Order
		}
		text := fmt.Sprintf("%-10s %3d%%", s.Status, s.Progress)
		if c := stepCounts(s); c != "" {
			text += "  " + c
		}
		if s.StepInfo != nil && s.StepInfo.VerifyResult != "" {
			text += "  " + s.StepInfo.VerifyResult
		}
		if s.Status == stFailed {
			code, _, _ := s.StepError()
			text += "  " + code
		}
		b.setText(text)
		if b.done {
			continue
		}
		b.b.SetCurrent(int64(s.Progress))
		switch s.Status {
		case stDone, stMonitor:
			b.b.SetTotal(100, true)
			b.done = true
		case stFailed:
			b.b.Abort(false)
			b.done = true
		}
	}
	base := d.order[stepFull] * 10000
	for i, t := range tables {
		b, ok := d.tables[t.Table]
		if !ok {
			if len(d.tables) >= d.max {
				d.overflow(tables[i:], base)
				break
			}
			b = d.add("    "+t.Table, base+1+len(d.tables))
			d.tables[t.Table] = b
		}
		d.setTable(b, t)
	}
}

// overflow sums the tables that got no bar of their own into one bar.
func (d *bars) overflow(rest []client.TableProgress, base int) {
	if d.extra == nil {
		d.extra = d.add("    (more tables)", base+9999)
	}
	var sum client.TableProgress
	finished := true
	for _, t := range rest {
		if _, has := d.tables[t.Table]; has {
			continue
		}
		sum.Capacity += t.Capacity
		sum.Done += t.Done
		finished = finished && t.Status == stDone
	}
	sum.Status = stRunning
	if finished {
		sum.Status = stDone
	}
	d.setTable(d.extra, sum)
}

func (d *bars) setTable(b *bar, t client.TableProgress) {
	b.setText(fmt.Sprintf("%-10s %d/%d rows", t.Status, t.Done, t.Capacity))
	if b.done {
		return
	}
	total := max(t.Capacity, t.Done, 1)
	b.b.SetTotal(total, false)
	b.b.SetCurrent(t.Done)
	switch t.Status {
	case stDone:
		b.b.SetTotal(-1, true)
		b.done = true
	case stFailed:
		b.b.Abort(false)
		b.done = true
	}
}

// close aborts bars still open (a stopped or failed project) and waits for mpb to flush.
func (d *bars) close() {
	for _, b := range d.steps {
		if !b.done {
			b.b.Abort(false)
		}
	}
	for _, b := range d.tables {
		if !b.done {
			b.b.Abort(false)
		}
	}
	if d.extra != nil && !d.extra.done {
		d.extra.b.Abort(false)
	}
	d.p.Wait()
}
