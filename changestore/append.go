package changestore

import (
	"fmt"
	"os"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
)

// Append stores txns in order, assigning each the next Seq (setting t.Seq). When it returns
// nil the transactions are visible to readers and durable as the fsync policy says. A
// transaction that cannot be encoded fails the whole call before anything is written (Seqs are
// left as they were). A failed write or fsync fails this and every later Append: the store
// must be closed and reopened, which drops a partially written tail.
func (s *Store) Append(txns ...*change.Txn) error {
	if len(txns) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return closedError(s.dir)
	}
	if s.failed != nil {
		return s.failed
	}
	if err := s.encode(txns); err != nil {
		return err
	}
	// Write the frames, sealing the segment and starting a new one when a frame would take it
	// past SegmentBytes (a segment always takes at least one record).
	start := 0 // the frames in wbuf[start:] are not written yet
	for i, end := range s.frames {
		begin := 0
		if i > 0 {
			begin = s.frames[i-1]
		}
		g := s.tailSeg()
		full := g != nil && g.size+int64(begin-start) > 0 && g.size+int64(end-start) > s.opts.SegmentBytes
		if g == nil || g.sealed || full {
			if err := s.write(s.wbuf[start:begin], txns[:i]); err != nil {
				return err
			}
			start = begin
			if err := s.roll(); err != nil {
				return err
			}
		}
	}
	if err := s.write(s.wbuf[start:], txns); err != nil {
		return err
	}
	if cap(s.wbuf) > 4<<20 {
		s.wbuf = nil // keep the writer's buffer bounded by typical appends, not the largest ever
	}
	if s.opts.Fsync == FsyncAlways {
		if err := s.syncLocked(); err != nil {
			return err
		}
	} else if s.opts.Fsync == FsyncInterval && !s.timerSet {
		s.timerSet = true
		if s.timer == nil {
			s.timer = time.AfterFunc(s.opts.FsyncInterval, s.timedSync)
		} else {
			s.timer.Reset(s.opts.FsyncInterval)
		}
	}
	s.publish()
	return nil
}

// encode frames txns into wbuf, assigning Seqs, and records each frame's end in frames.
func (s *Store) encode(txns []*change.Txn) error {
	s.wbuf, s.frames = s.wbuf[:0], s.frames[:0]
	var hdr [hdrSize]byte
	for i, t := range txns {
		old := t.Seq
		t.Seq = s.nextSeq + uint64(i)
		off := len(s.wbuf)
		var err error
		s.wbuf, err = change.AppendTxn(append(s.wbuf, hdr[:]...), t)
		if err == nil && len(s.wbuf)-off-hdrSize > maxRecord {
			err = fmt.Errorf("the transaction encodes to %d bytes, more than the %d a record may hold", len(s.wbuf)-off-hdrSize, maxRecord)
		}
		if err != nil {
			t.Seq = old
			for j := 0; j < i; j++ {
				txns[j].Seq = 0
			}
			s.wbuf = s.wbuf[:0]
			return errs.New(errs.KindInternal, errs.CodeIncrStore,
				fmt.Sprintf("change store cannot store transaction at %q", t.Pos),
				"This is a bug in godwit's change capture; report it with the log.").Wrap(err)
		}
		putHeader(s.wbuf[off:], s.wbuf[off+hdrSize:])
		s.frames = append(s.frames, len(s.wbuf))
	}
	return nil
}

func (s *Store) tailSeg() *segment {
	if len(s.segs) == 0 {
		return nil
	}
	return s.segs[len(s.segs)-1]
}

// write appends whole frames (for done, already framed in b) to the tail segment and
// updates the committed size and the last transaction. Readers see them after publish.
func (s *Store) write(b []byte, done []*change.Txn) error {
	if len(b) == 0 {
		return nil
	}
	g := s.tailSeg()
	if s.f == nil {
		f, err := os.OpenFile(g.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			s.failed = ioError("open", g.path, err)
			return s.failed
		}
		s.f = f
	}
	if _, err := s.f.Write(b); err != nil {
		s.failed = ioError("write", g.path, err)
		return s.failed
	}
	s.dirty = true
	g.size += int64(len(b))
	for _, t := range done {
		if t.Seq < s.nextSeq {
			continue // written by an earlier call of write in this Append
		}
		if g.empty() {
			g.maxTime = t.Time
		} else {
			g.maxTime = max(g.maxTime, t.Time)
		}
		g.last = t.Seq
		s.nextSeq = t.Seq + 1
		s.last = change.Txn{Seq: t.Seq, Pos: t.Pos, TxID: t.TxID, Time: t.Time, Offset: t.Offset, More: t.More}
		s.hasLast = true
	}
	return nil
}

// roll seals the tail segment (if it has records and is not sealed yet), fsyncs and closes
// it, and creates the next segment, named by the next Seq.
func (s *Store) roll() error {
	if g := s.tailSeg(); g != nil && !g.sealed && !g.empty() {
		seal := appendSeal(nil, seal{first: g.first, last: g.last, maxTime: g.maxTime})
		if err := s.write(seal, nil); err != nil {
			return err
		}
		g.sealed = true
	}
	if s.f != nil {
		if err := s.f.Sync(); err != nil {
			s.failed = ioError("fsync", s.f.Name(), err)
			return s.failed
		}
		s.dirty = false
		s.f.Close()
		s.f = nil
	}
	path := segPath(s.dir, s.nextSeq)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.failed = ioError("create", path, err)
		return s.failed
	}
	if s.opts.Fsync != FsyncNever {
		if err := syncDir(s.dir); err != nil {
			f.Close()
			s.failed = ioError("sync", s.dir, err)
			return s.failed
		}
	}
	s.f = f
	s.segs = append(s.segs, &segment{first: s.nextSeq, path: path, last: s.nextSeq - 1})
	return nil
}

// publish wakes every reader waiting for new data.
func (s *Store) publish() {
	close(s.notify)
	s.notify = make(chan struct{})
}

// timedSync is the FsyncInterval timer: it fsyncs what was appended since the last fsync.
func (s *Store) timedSync() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timerSet = false
	if s.closed {
		return
	}
	_ = s.syncLocked() // a failure is kept in s.failed and returned by the next Append
}
