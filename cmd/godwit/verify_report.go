package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/godwit/godwit/service"
)

// verifyReport is what `godwit verify` prints.
type verifyReport struct {
	Run     *service.VerifyRun
	Recheck *service.VerifyRun
	Applied int
	Tables  []service.VerifyTable
	Diffs   []service.VerifyDiff
	Again   []service.VerifyTable
}

func (r *verifyReport) fill(ctx context.Context, v *service.StandaloneVerifier) error {
	var err error
	if r.Tables, r.Diffs, err = v.Results(ctx, r.Run.ID); err != nil {
		return err
	}
	if r.Recheck != nil {
		if r.Again, _, err = v.Results(ctx, r.Recheck.ID); err != nil {
			return err
		}
	}
	return nil
}

// final is the overall result: the re-check's when corrections were applied.
func (r *verifyReport) final() string {
	if r.Recheck != nil {
		return r.Recheck.Result
	}
	return r.Run.Result
}

type jsonTable struct {
	Table        string `json:"table"`
	Target       string `json:"target"`
	Result       string `json:"result"`
	DRSStatus    string `json:"drsStatus"`
	SourceRows   int64  `json:"sourceRows"`
	TargetRows   int64  `json:"targetRows"`
	OnlyInSource int64  `json:"onlyInSource"`
	OnlyInTarget int64  `json:"onlyInTarget"`
	Different    int64  `json:"different"`
	Message      string `json:"message,omitempty"`
}

type jsonDiff struct {
	Table     string   `json:"table"`
	Target    string   `json:"target"`
	Kind      string   `json:"kind"`
	Key       string   `json:"key"`
	Columns   []string `json:"columns"`
	SourceSQL string   `json:"sourceSql"`
	TargetSQL string   `json:"targetSql"`
	FixSQL    string   `json:"fixSql"`
}

func tablesJSON(ts []service.VerifyTable) []jsonTable {
	out := make([]jsonTable, 0, len(ts))
	for _, t := range ts {
		out = append(out, jsonTable{Table: t.Table, Target: t.Target, Result: t.Result, DRSStatus: service.VerifyDRSStatus(t.Status, t.Result),
			SourceRows: t.SourceRows, TargetRows: t.TargetRows, OnlyInSource: t.OnlyInSource, OnlyInTarget: t.OnlyInTarget,
			Different: t.Different, Message: t.Message})
	}
	return out
}

// JSON is the -o json document.
func (r *verifyReport) JSON() any {
	diffs := make([]jsonDiff, 0, len(r.Diffs))
	for _, d := range r.Diffs {
		cols := d.Columns
		if cols == nil {
			cols = []string{}
		}
		diffs = append(diffs, jsonDiff{Table: d.Table, Target: d.Target, Kind: d.Kind, Key: d.KeyText, Columns: cols,
			SourceSQL: d.SourceSQL, TargetSQL: d.TargetSQL, FixSQL: d.FixSQL})
	}
	out := map[string]any{"result": r.final(), "firstResult": r.Run.Result, "rowDifferences": r.Run.Diffs,
		"tables": tablesJSON(r.Tables), "diffs": diffs}
	if r.Recheck != nil {
		out["appliedCorrections"] = r.Applied
		out["recheck"] = map[string]any{"result": r.Recheck.Result, "rowDifferences": r.Recheck.Diffs, "tables": tablesJSON(r.Again)}
	}
	return out
}

func (r *verifyReport) text(w io.Writer, show int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tTARGET\tSOURCE ROWS\tTARGET ROWS\tONLY SOURCE\tONLY TARGET\tDIFFERENT\tRESULT")
	for _, t := range r.Tables {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", t.Table, t.Target, t.SourceRows, t.TargetRows,
			t.OnlyInSource, t.OnlyInTarget, t.Different, t.Result)
	}
	tw.Flush()
	for i, d := range r.Diffs {
		if i == show {
			fmt.Fprintf(w, "… %d more differences (use -o json or --corrections)\n", len(r.Diffs)-show)
			break
		}
		cols := ""
		if len(d.Columns) > 0 {
			cols = " columns " + strings.Join(d.Columns, ",")
		}
		fmt.Fprintf(w, "\n%s %s %s%s\n  source: %s\n  target: %s\n  fix:    %s\n", d.Table, d.Kind, d.KeyText, cols,
			d.SourceSQL, d.TargetSQL, d.FixSQL)
	}
	fmt.Fprintf(w, "\n%s: %s\n", r.Run.Result, r.Run.Message)
	if r.Recheck != nil {
		fmt.Fprintf(w, "applied %d corrections; re-check %s: %s\n", r.Applied, r.Recheck.Result, r.Recheck.Message)
	}
}

// verifyBars shows one progress bar of compared rows (or plain lines).
type verifyBars struct {
	mu    sync.Mutex
	p     *mpb.Progress
	bar   *mpb.Bar
	text  string
	plain bool
	out   io.Writer
	last  int
}

func newVerifyBars(ctx context.Context, out io.Writer, plain bool) *verifyBars {
	b := &verifyBars{plain: plain, out: out, last: -1}
	if plain {
		return b
	}
	b.p = mpb.NewWithContext(ctx, mpb.WithOutput(out), mpb.WithWidth(60), mpb.WithAutoRefresh())
	b.bar = b.p.New(0, mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.PrependDecorators(decor.Name("verify", decor.WC{C: decor.DSyncWidthR})),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Any(func(decor.Statistics) string {
			b.mu.Lock()
			defer b.mu.Unlock()
			return "  " + b.text
		})))
	return b
}

func (b *verifyBars) update(p service.VerifyProgress) {
	b.mu.Lock()
	b.text = fmt.Sprintf("%d/%d tables, %d rows", p.TablesDone, p.TablesTotal, p.RowsDone)
	b.mu.Unlock()
	if b.plain {
		pct := 0
		if p.RowsTotal > 0 {
			pct = int(min(100, p.RowsDone*100/p.RowsTotal))
		}
		if pct/10 != b.last/10 || p.TablesDone == p.TablesTotal {
			b.last = pct
			fmt.Fprintf(b.out, "verify: %3d%%  %d/%d tables, %d rows\n", pct, p.TablesDone, p.TablesTotal, p.RowsDone)
		}
		return
	}
	b.bar.SetTotal(max(p.RowsTotal, p.RowsDone, 1), false)
	b.bar.SetCurrent(p.RowsDone)
}

func (b *verifyBars) done() {
	if b.plain {
		return
	}
	b.bar.SetTotal(-1, true)
	b.p.Wait()
}
