package changestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
)

// Fsync policies.
const (
	FsyncAlways   = "always"
	FsyncInterval = "interval"
	FsyncNever    = "never"
)

// Options configure a Store; zero values take the defaults.
type Options struct {
	Fsync           string        // FsyncAlways, FsyncInterval (default) or FsyncNever
	FsyncInterval   time.Duration // default 200ms
	SegmentBytes    int64         // a segment is sealed once it would grow past this; default 64 MiB
	ReadBufferBytes int           // read buffer of each Reader and of Open's scan; default 1 MiB
}

func (o *Options) normalize() error {
	switch o.Fsync {
	case "":
		o.Fsync = FsyncInterval
	case FsyncAlways, FsyncInterval, FsyncNever:
	default:
		return errs.Invalid("unknown change store fsync policy %q (always, interval or never)", o.Fsync)
	}
	if o.FsyncInterval <= 0 {
		o.FsyncInterval = 200 * time.Millisecond
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 64 << 20
	}
	if o.ReadBufferBytes <= 0 {
		o.ReadBufferBytes = 1 << 20
	}
	o.ReadBufferBytes = max(o.ReadBufferBytes, 4096)
	return nil
}

// Stats describe the stored log.
type Stats struct {
	Segments int
	Bytes    int64
	FirstSeq uint64 // oldest stored Seq, 0 when empty
	LastSeq  uint64 // newest stored Seq, 0 when empty
	LastTime int64  // source commit time (unix seconds) of the newest transaction
}

// Store is an open change store; see the package doc for its contracts. Its methods are safe
// for concurrent use, but Append is meant for one writer.
type Store struct {
	dir  string
	opts Options
	lock *os.File

	mu       sync.Mutex
	segs     []*segment // oldest first; the last one is written to (or, when sealed, rolled)
	f        *os.File   // the last segment, open for appending; nil until the first Append
	nextSeq  uint64
	last     change.Txn // header of the newest transaction, valid when hasLast
	hasLast  bool
	wbuf     []byte
	frames   []int         // end offsets of the frames in wbuf
	notify   chan struct{} // closed and replaced on every visible append, and on Close
	dirty    bool          // written but not fsynced
	timerSet bool
	timer    *time.Timer
	failed   error // a write or fsync failed: the file state is unknown until reopened
	closed   bool
}

// Open opens (creating if needed) the store in dir, truncating a torn record a crash left at
// the end of the newest segment. Corruption anywhere else fails with CodeIncrStore.
func Open(dir string, opts Options) (*Store, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, ioError("create", dir, err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, ioError("open", filepath.Join(dir, "LOCK"), err)
	}
	if err := lockFile(lock); err != nil {
		lock.Close()
		return nil, errs.New(errs.KindState, errs.CodeIncrStore,
			fmt.Sprintf("change store %s is in use by another process", dir),
			"Stop the other godwit process using this data directory.").With("path", dir).Wrap(err)
	}
	s := &Store{dir: dir, opts: opts, lock: lock, notify: make(chan struct{}), nextSeq: 1}
	if err := s.load(); err != nil {
		lock.Close()
		return nil, err
	}
	return s, nil
}

// load rebuilds the segment list from the directory.
func (s *Store) load() error {
	seqs, err := listSegments(s.dir)
	if err != nil {
		return ioError("list", s.dir, err)
	}
	// The newest segment: full scan, torn tail truncated. A segment left empty by a crash
	// right after it was created is removed when an older one exists.
	var tail scanResult
	for len(seqs) > 0 {
		first := seqs[len(seqs)-1]
		path := segPath(s.dir, first)
		if tail, err = scanSegment(path, first, s.opts.ReadBufferBytes, true); err != nil {
			return err
		}
		if tail.torn {
			if err := truncateFile(path, tail.end); err != nil {
				return err
			}
		}
		if !tail.seg.empty() || len(seqs) == 1 {
			break
		}
		if err := os.Remove(path); err != nil {
			return ioError("remove", path, err)
		}
		if err := syncDir(s.dir); err != nil {
			return ioError("sync", s.dir, err)
		}
		seqs = seqs[:len(seqs)-1]
	}
	if len(seqs) == 0 {
		return nil
	}
	for _, first := range seqs[:len(seqs)-1] {
		g, err := readSealed(segPath(s.dir, first), first, s.opts.ReadBufferBytes)
		if err != nil {
			return err
		}
		s.segs = append(s.segs, &g)
	}
	g := tail.seg
	s.segs = append(s.segs, &g)
	for i := 1; i < len(s.segs); i++ {
		if prev := s.segs[i-1]; s.segs[i].first != prev.last+1 {
			return corrupt(s.segs[i].path, fmt.Sprintf("starts at seq %d but the segment before ends at %d", s.segs[i].first, prev.last))
		}
	}
	s.nextSeq = g.last + 1
	if !g.empty() {
		s.last, s.hasLast = tail.lastTxn, true
	}
	return nil
}

func truncateFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return ioError("open", path, err)
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ioError("truncate", path, err)
	}
	return nil
}

// Last returns the newest stored transaction's Seq, Pos and source commit time; ok is false
// when the store holds none.
func (s *Store) Last() (seq uint64, pos string, ts int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last.Seq, s.last.Pos, s.last.Time, s.hasLast
}

// LastTxn returns the header (no Events) of the newest stored transaction or part: its Seq,
// Pos, TxID, Time, Offset and More; ok is false when the store holds none. Capture resumes
// a source transaction whose last stored part has More after its stored events.
func (s *Store) LastTxn() (t change.Txn, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.hasLast
}

// FirstSeq returns the oldest stored Seq, 0 when the store holds no transaction.
func (s *Store) FirstSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstSeqLocked()
}

func (s *Store) firstSeqLocked() uint64 {
	if !s.hasLast {
		return 0
	}
	return s.segs[0].first
}

// oldestLocked is the smallest Seq a reader may still ask for.
func (s *Store) oldestLocked() uint64 {
	if len(s.segs) == 0 {
		return s.nextSeq
	}
	return s.segs[0].first
}

// Stats returns the store's current size and range.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Segments: len(s.segs), FirstSeq: s.firstSeqLocked()}
	for _, g := range s.segs {
		st.Bytes += g.size
	}
	if s.hasLast {
		st.LastSeq, st.LastTime = s.last.Seq, s.last.Time
	}
	return st
}

// Trim deletes whole segments, oldest first, while every transaction in the segment has
// Seq <= appliedSeq and a source commit time before keepSince. It never deletes the newest
// segment, nor anything after a segment it must keep, and returns how many it removed.
func (s *Store) Trim(appliedSeq uint64, keepSince time.Time) (removed int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, closedError(s.dir)
	}
	cutoff := keepSince.Unix()
	for len(s.segs) > 1 {
		g := s.segs[0]
		if g.empty() || g.last > appliedSeq || g.maxTime >= cutoff {
			break
		}
		if err := os.Remove(g.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, ioError("remove", g.path, err)
		}
		// Make each removal durable before the next, so a crash never leaves a gap.
		if err := syncDir(s.dir); err != nil {
			return removed, ioError("sync", s.dir, err)
		}
		s.segs[0] = nil
		s.segs = s.segs[1:]
		removed++
	}
	return removed, nil
}

// Sync fsyncs everything appended so far.
func (s *Store) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return closedError(s.dir)
	}
	return s.syncLocked()
}

func (s *Store) syncLocked() error {
	if s.failed != nil {
		return s.failed
	}
	if s.f == nil || !s.dirty {
		return nil
	}
	if err := s.f.Sync(); err != nil {
		s.failed = ioError("fsync", s.f.Name(), err)
		return s.failed
	}
	s.dirty = false
	return nil
}

// Close fsyncs (unless the policy is "never"), closes the files and wakes blocked readers,
// whose Next then fails. Readers must still be closed by their owners.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	var err error
	if s.f != nil {
		if s.opts.Fsync != FsyncNever && s.failed == nil && s.dirty {
			if serr := s.f.Sync(); serr != nil {
				err = ioError("fsync", s.f.Name(), serr)
			}
		}
		if cerr := s.f.Close(); cerr != nil && err == nil {
			err = ioError("close", s.f.Name(), cerr)
		}
		s.f = nil
	}
	close(s.notify)
	s.lock.Close()
	return err
}
