package replay

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/verify"
)

// IncrVerifyRate is the most keys incremental verification re-compares per second (others
// are skipped: sampling); at most incrVerifyQueue keys wait, a full queue drops keys.
const (
	IncrVerifyRate  = 2000
	incrVerifyQueue = 8192
)

// incrVerifier feeds the keys INCR_TRANSFER applied to verify.IncrVerifier, which re-compares
// those rows on both sides after the sync delay and stores lasting differences in a run of
// kind INCR (readable like full-verification results).
type incrVerifier struct {
	ch      chan verify.KeyRef
	dropped atomic.Int64
}

// startVerify starts incremental verification when the run has one (Config.Verify); nil
// otherwise. The goroutine ends with ctx.
func (a *applier) startVerify(ctx context.Context) (*incrVerifier, error) {
	if a.verify == nil {
		return nil, nil
	}
	iv, err := a.verify(ctx)
	if err != nil || iv == nil {
		return nil, err
	}
	out := &incrVerifier{ch: make(chan verify.KeyRef, incrVerifyQueue)}
	go func() {
		if err := iv.Run(ctx, out.ch); err != nil && ctx.Err() == nil {
			a.host.Logf(ctx, "WARN", "incremental verification stopped: %v", err)
		}
	}()
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
