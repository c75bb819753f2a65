package copier

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// tableBook tracks per-table progress during a step and persists it after every chunk.
type tableBook struct {
	mu sync.Mutex
	m  map[string]*tableEntry
}

type tableEntry struct {
	state  meta.TableState
	extra  tableExtra
	weight int64 // share in the byte-weighted progress (the table's data size)
}

func (b *tableBook) add(key string, st *meta.TableState, extra tableExtra, done, weight int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]*tableEntry{}
	}
	s := *st
	s.Done = done
	b.m[key] = &tableEntry{state: s, extra: extra, weight: max(1, weight)}
}

// progress is the byte-weighted completion in [0,1]: each table counts with its data size
// and contributes done/estimated rows (1 when FINISHED, at most 0.99 before).
func (b *tableBook) progress() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var w, p float64
	for _, e := range b.m {
		w += float64(e.weight)
		p += float64(e.weight) * e.fraction()
	}
	if w == 0 {
		return 0
	}
	return p / w
}

// fraction must be called with the book's mutex held.
func (e *tableEntry) fraction() float64 {
	if e.state.Status == tableFinished {
		return 1
	}
	if e.extra.Chunks > 0 && e.state.Capacity <= 0 {
		return min(0.99, float64(e.extra.ChunksDone)/float64(e.extra.Chunks))
	}
	if e.state.Capacity <= 0 {
		return 0
	}
	return min(0.99, float64(e.state.Done)/float64(e.state.Capacity))
}

// chunkDone records a finished chunk and persists the table's state; the table becomes
// FINISHED with its last chunk.
func (b *tableBook) chunkDone(ctx context.Context, c *copier, key string, rows, bytes int64) error {
	b.mu.Lock()
	e := b.m[key]
	e.state.Done += rows
	e.state.Bytes += bytes
	e.extra.ChunksDone++
	st := b.snapshot(c, e)
	b.mu.Unlock()
	return c.store.PutTable(ctx, &st)
}

// finishIfDone persists FINISHED for a table whose chunks were all done before this run.
func (b *tableBook) finishIfDone(ctx context.Context, c *copier, key string) error {
	b.mu.Lock()
	st := b.snapshot(c, b.m[key])
	b.mu.Unlock()
	return c.store.PutTable(ctx, &st)
}

// snapshot must be called with b.mu held.
func (b *tableBook) snapshot(c *copier, e *tableEntry) meta.TableState {
	if e.extra.ChunksDone >= e.extra.Chunks {
		e.state.Status = tableFinished
		e.state.Capacity = e.state.Done
	} else {
		e.state.Status = "RUNNING"
	}
	x, _ := json.Marshal(e.extra)
	e.state.Extra = string(x)
	e.state.Updated = c.now()
	return e.state
}

// retryable reports whether err is worth retrying in place (network, server restart).
func retryable(err error) bool {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Kind == errs.KindUnavailable
	}
	return false
}
