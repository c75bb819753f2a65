package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/verify"
)

// switchMaxKeys bounds the keys the final check collects in memory; a switch that changed
// more keys since the last full verification verifies every table instead.
const switchMaxKeys = 200_000

// finalCheck is the switchover's data gate, run while the source is fenced and the target
// has applied everything: the rows of every key the forward stream changed since the last
// full verification started (state.VerifyFromSeq) are compared on both sides, or every
// table when full is set or too many keys changed. It returns the keys (or rows) compared
// and a CodeSwitchDiff error when any row differs; the differences are stored in a
// verification run (its id in the error) with their SQL.
func finalCheck(ctx context.Context, env *Env, full bool) (int64, error) {
	pl, err := loadPlan(ctx, env)
	if err != nil {
		return 0, err
	}
	opt := verify.ProjectOptions(env.Project)
	opt.Now, opt.Log = env.Now, env.Log
	v, err := verify.New(env.Source, env.Sink, env.Store, opt)
	if err != nil {
		return 0, err
	}
	runID := model.NewID("vs")
	var keys []verify.KeyRef
	if !full {
		var over bool
		keys, over, err = changedKeys(ctx, env, pl)
		if err != nil {
			return 0, err
		}
		full = over
	}
	if full {
		run, err := v.Run(ctx, runID, env.Project.ID, "SWITCH", verify.TablesOf(pl))
		if err != nil {
			return 0, err
		}
		if run.Result != verify.Consistent {
			return int64(run.Tables), diffErr(runID, run.Message)
		}
		return int64(run.Tables), nil
	}
	iv, err := v.Incremental(ctx, runID, env.Project.ID, verify.TablesOf(pl), verify.IncrOptions{})
	if err != nil {
		return 0, err
	}
	var diffs int
	for i := 0; i < len(keys); i += 500 {
		d, err := iv.Check(ctx, keys[i:min(i+500, len(keys))])
		if err != nil {
			return int64(i), err
		}
		diffs += len(d)
	}
	if diffs > 0 {
		return int64(len(keys)), diffErr(runID, fmt.Sprintf("%d of %d changed rows differ", diffs, len(keys)))
	}
	return int64(len(keys)), nil
}

func diffErr(runID, msg string) error {
	return errs.New(errs.KindState, errs.CodeSwitchDiff, "the final check found differences between source and target: "+msg,
		"See the differences of verification run "+runID+" (with correction SQL), correct them and ask for the switchover again.").
		With("gate", "diff").With("runId", runID)
}

// changedKeys reads the forward change store after state.VerifyFromSeq and returns the
// distinct keys of the plan's tables it changed; over is true past switchMaxKeys.
func changedKeys(ctx context.Context, env *Env, pl *plan.Plan) ([]verify.KeyRef, bool, error) {
	var from uint64
	if b, err := env.Store.GetState(ctx, env.Project.ID, state.VerifyFromSeq); err != nil {
		return nil, false, err
	} else if b != nil {
		from, _ = strconv.ParseUint(string(b), 10, 64)
	}
	sh, release, err := env.Streams.Open(forward(env), changestore.Options{Fsync: env.Project.IncrTransferConfig.StoreFsync})
	if err != nil {
		return nil, false, err
	}
	defer release()
	if first := sh.Store.FirstSeq(); first > from+1 {
		return nil, true, nil // trimmed: the keys since the verification are no longer known
	}
	rd, err := sh.Store.NewReader(from)
	if err != nil {
		return nil, false, err
	}
	defer rd.Close()
	seen := map[string]bool{}
	var out []verify.KeyRef
	type tab struct {
		key  string
		cols []string
	}
	tabs := map[string]*tab{}
	for _, t := range pl.Tables {
		if len(t.KeyCols) > 0 {
			tabs[strings.ToLower(t.Key)] = &tab{key: t.Key, cols: t.KeyCols}
		}
	}
	add := func(tb *tab, ev *change.Event, row change.Row) {
		if row == nil {
			return
		}
		k := make(change.Key, 0, len(tb.cols))
		for _, kc := range tb.cols {
			for j, c := range ev.Columns {
				if strings.EqualFold(c, kc) && j < len(row) {
					k = append(k, row[j])
					break
				}
			}
		}
		if len(k) != len(tb.cols) {
			return
		}
		id := tb.key + "\x00" + fmt.Sprint(k)
		if !seen[id] {
			seen[id] = true
			out = append(out, verify.KeyRef{Table: tb.key, Key: k})
		}
	}
	for {
		t, ok, err := rd.TryNext()
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return out, false, nil
		}
		for i := range t.Events {
			ev := &t.Events[i]
			tb := tabs[strings.ToLower(ev.Schema+"."+ev.Table)]
			if tb == nil || ev.Op == change.OpDDL {
				continue
			}
			add(tb, ev, ev.Before)
			add(tb, ev, ev.After)
		}
		if len(out) > switchMaxKeys {
			return nil, true, nil
		}
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
	}
}
