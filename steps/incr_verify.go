package steps

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/state"
	"github.com/godwit/godwit/verify"
)

// Incremental verification tuning: keys are re-compared at most incrVerifyRate per second
// (others are skipped: sampling) and at most incrVerifyQueue wait; a full queue drops keys.
const (
	incrVerifyRate  = 2000
	incrVerifyQueue = 8192
)

// incrVerifier feeds the keys INCR_TRANSFER applied to verify.IncrVerifier, which re-compares
// those rows on both sides after the sync delay and stores lasting differences in a run of
// kind INCR (readable like full-verification results).
type incrVerifier struct {
	ch      chan verify.KeyRef
	dropped atomic.Int64
}

// startIncrVerify starts incremental verification when the project enables it; nil otherwise.
// The goroutine ends with ctx.
func startIncrVerify(ctx context.Context, env *Env) (*incrVerifier, error) {
	if !env.Project.EnableIncrVerify {
		return nil, nil
	}
	objs, err := loadPlan(ctx, env)
	if err != nil {
		return nil, err
	}
	opt := VerifyOptions(env.Project)
	opt.Now, opt.Log = env.Now, env.Log
	opt.Recheck = &verify.Rechecker{Delay: func() time.Duration { return incrDelay(ctx, env) }}
	v, err := verify.New(env.Source, env.Sink, env.Store, opt)
	if err != nil {
		return nil, err
	}
	pid := env.Project.ID
	runID, err := env.Store.GetState(ctx, pid, state.IncrVerifyRun)
	if err != nil {
		return nil, err
	}
	if runID == nil {
		runID = []byte(model.NewID("vi"))
		if err := env.Store.PutState(ctx, pid, state.IncrVerifyRun, runID); err != nil {
			return nil, err
		}
	}
	iv, err := v.Incremental(ctx, string(runID), pid, verify.TablesOf(objs), verify.IncrOptions{MaxKeysPerSecond: incrVerifyRate})
	if err != nil {
		return nil, err
	}
	out := &incrVerifier{ch: make(chan verify.KeyRef, incrVerifyQueue)}
	go func() {
		if err := iv.Run(ctx, out.ch); err != nil && ctx.Err() == nil {
			env.Logf(ctx, "WARN", "incremental verification stopped: %v", err)
		}
	}()
	env.Logf(ctx, "INFO", "incremental verification on (run %s)", runID)
	return out, nil
}

// offer queues the keys of applied changes without ever blocking the apply path.
func (iv *incrVerifier) offer(src []string, changes []endpoint.RowChange) {
	if iv == nil {
		return
	}
	for i := range changes {
		c := &changes[i]
		if len(c.Key) == 0 {
			continue
		}
		row := c.After
		if c.Op == change.OpDelete {
			row = c.Before
		}
		k := make(change.Key, 0, len(c.Key))
		for _, kc := range c.Key {
			for j, col := range c.Cols {
				if strings.EqualFold(col, kc) && j < len(row) {
					k = append(k, row[j])
					break
				}
			}
		}
		if len(k) != len(c.Key) {
			continue
		}
		select {
		case iv.ch <- verify.KeyRef{Table: src[i], Key: k}:
		default:
			iv.dropped.Add(1)
		}
	}
}
