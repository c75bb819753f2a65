package changestore

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
)

// Reader returns the stored transactions with Seq greater than its starting point, in order.
// A Reader is used by one goroutine at a time; any number of Readers may be open.
type Reader struct {
	s      *Store
	after  uint64   // transactions with Seq <= after are skipped
	seg    *segment // the segment being read; nil until the store has one
	expect uint64   // Seq of the next record in seg
	f      *os.File
	fr     *frameReader
	limit  int64 // seg's committed size when last looked at
	err    error // sticky failure
}

// NewReader returns a Reader of the transactions with Seq > after. It fails with
// CodeIncrStore when Trim already removed Seq after+1.
func (s *Store) NewReader(after uint64) (*Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, closedError(s.dir)
	}
	if oldest := s.oldestLocked(); after+1 < oldest {
		return nil, gone(s.dir, after+1, oldest)
	}
	r := &Reader{s: s, after: after}
	if err := r.attachLocked(); err != nil {
		return nil, err
	}
	return r, nil
}

// attachLocked opens the segment holding Seq after+1 (or the newest one, if that Seq is not
// stored yet). It is a no-op while the store has no segment. Called under s.mu, so Trim
// cannot remove the segment between the choice and the open.
func (r *Reader) attachLocked() error {
	var pick *segment
	for _, g := range r.s.segs {
		if g.first <= r.after+1 || pick == nil {
			pick = g
		}
		if g.first > r.after+1 {
			break
		}
	}
	if pick == nil {
		return nil
	}
	return r.openLocked(pick)
}

func (r *Reader) openLocked(g *segment) error {
	f, err := os.Open(g.path)
	if err != nil {
		return ioError("open", g.path, err)
	}
	if r.f != nil {
		r.f.Close()
	}
	r.seg, r.f, r.expect, r.limit = g, f, g.first, g.size
	if r.fr == nil {
		r.fr = newFrameReader(f, r.s.opts.ReadBufferBytes, 0)
	} else {
		r.fr.f, r.fr.pos, r.fr.r, r.fr.w = f, 0, 0, 0
	}
	return nil
}

// Next returns the next transaction, waiting for the writer to append one if needed. It
// returns ctx.Err() when ctx ends first, and a CodeIncrStore error for damaged data, a trimmed
// position or a closed store. The Txn is the caller's.
func (r *Reader) Next(ctx context.Context) (*change.Txn, error) {
	for {
		t, wait, err := r.step()
		if err != nil || t != nil {
			return t, err
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// TryNext returns the next transaction if one is stored, without waiting: ok is false when
// the reader has caught up with the writer.
func (r *Reader) TryNext() (*change.Txn, bool, error) {
	t, _, err := r.step()
	return t, t != nil, err
}

// Close releases the reader's file; later calls of Next and TryNext fail.
func (r *Reader) Close() error {
	if r.err == nil {
		r.err = errs.New(errs.KindState, errs.CodeIncrStore, "change store reader is closed",
			"Open a new reader.")
	}
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f, r.fr, r.seg = nil, nil, nil
	return err
}

// step returns the next transaction, or nil and a channel closed when there may be more.
func (r *Reader) step() (*change.Txn, <-chan struct{}, error) {
	if r.err != nil {
		return nil, nil, r.err
	}
	for {
		if r.seg == nil || r.fr.pos >= r.limit {
			wait, err := r.refresh()
			if err != nil {
				r.err = err
				return nil, nil, err
			}
			if wait != nil {
				return nil, wait, nil
			}
			continue
		}
		start := r.fr.pos
		p, err := r.fr.next(r.limit)
		if err != nil {
			var fe *frameError
			if errors.As(err, &fe) {
				r.err = corrupt(r.seg.path, fe.Error())
			} else {
				r.err = ioError("read", r.seg.path, err)
			}
			return nil, nil, r.err
		}
		if isSeal(p) {
			if s, ok := parseSeal(p); !ok || s.last+1 != r.expect || r.fr.pos != r.limit {
				r.err = corrupt(r.seg.path, fmt.Sprintf("seal at offset %d does not match the records", start))
				return nil, nil, r.err
			}
			continue
		}
		h, err := change.DecodeTxnHeader(p)
		if err == nil && h.Seq != r.expect {
			err = fmt.Errorf("seq %d where %d was expected", h.Seq, r.expect)
		}
		if err != nil {
			r.err = corrupt(r.seg.path, fmt.Sprintf("record at offset %d: %v", start, err))
			return nil, nil, r.err
		}
		r.expect++
		if h.Seq <= r.after {
			continue
		}
		t, err := change.DecodeTxn(p)
		if err != nil {
			r.err = corrupt(r.seg.path, fmt.Sprintf("record at offset %d: %v", start, err))
			return nil, nil, r.err
		}
		return t, nil, nil
	}
}

// refresh looks at the store after the reader used up what it knew of: more committed data
// in the same segment, the next segment, or nothing yet (then it returns the channel to wait
// on, taken under the same lock as the check so no append is missed).
func (r *Reader) refresh() (<-chan struct{}, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, closedError(s.dir)
	}
	if r.seg == nil {
		if oldest := s.oldestLocked(); r.after+1 < oldest {
			return nil, gone(s.dir, r.after+1, oldest)
		}
		if err := r.attachLocked(); err != nil {
			return nil, err
		}
		if r.seg == nil {
			return s.notify, nil
		}
		return nil, nil
	}
	if r.seg.size > r.limit {
		r.limit = r.seg.size
		return nil, nil
	}
	// The segment is used up; it is complete when sealed or when a newer one exists.
	var next *segment
	for _, g := range s.segs {
		if g.first > r.seg.first {
			next = g
			break
		}
	}
	if next == nil {
		return s.notify, nil // the tail segment, or sealed with its successor not created yet
	}
	if next.first != r.expect {
		if oldest := s.oldestLocked(); r.expect < oldest {
			return nil, gone(s.dir, r.expect, oldest)
		}
		return nil, corrupt(next.path, fmt.Sprintf("starts at seq %d but the segment before ends at %d", next.first, r.expect-1))
	}
	return nil, r.openLocked(next)
}
