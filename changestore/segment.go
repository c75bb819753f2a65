package changestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
)

const segSuffix = ".seg"

// segment describes one segment file. Fields other than first and path change only under
// Store.mu.
type segment struct {
	first   uint64 // Seq of the first record (the file name)
	path    string
	last    uint64 // Seq of the last record; first-1 while empty
	maxTime int64  // newest source commit time among the records
	size    int64  // committed bytes: readers never read past it
	sealed  bool   // ends with a seal frame; nothing more is appended
}

func (g *segment) empty() bool { return g.last < g.first }

func segName(first uint64) string { return fmt.Sprintf("%020d%s", first, segSuffix) }

// listSegments returns the Seqs named by the directory's segment files, ascending.
func listSegments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, segSuffix) || len(name) != 20+len(segSuffix) || !e.Type().IsRegular() {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 10, 64)
		if err != nil || n == 0 {
			continue
		}
		seqs = append(seqs, n)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, nil
}

// scanResult is what a full scan of a segment found.
type scanResult struct {
	seg     segment
	lastTxn change.Txn // header of the last record (Events nil); zero when empty
	end     int64      // end of the last whole frame
	torn    bool       // bytes after end are a torn write to be truncated
}

// scanSegment reads a whole segment, checking every frame and the Seq order. With tolerant
// (the newest segment), an invalid tail that no valid frame follows is a torn write: the scan
// stops before it and reports torn. Every other anomaly is returned as corruption.
func scanSegment(path string, first uint64, bufSize int, tolerant bool) (scanResult, error) {
	res := scanResult{seg: segment{first: first, path: path, last: first - 1}}
	f, err := os.Open(path)
	if err != nil {
		return res, ioError("open", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return res, ioError("stat", path, err)
	}
	size := st.Size()
	fr := newFrameReader(f, bufSize, 0)
	for {
		start := fr.pos
		p, err := fr.next(size)
		if errors.Is(err, errEnd) {
			break
		}
		var fe *frameError
		if errors.As(err, &fe) {
			if !tolerant {
				return res, corrupt(path, fe.Error())
			}
			from := start + 1
			if fe.hdrOK {
				from = fe.end
			}
			later, err := validFrameAfter(f, from, size, bufSize)
			if err != nil {
				return res, ioError("read", path, err)
			}
			if later {
				return res, corrupt(path, fe.Error()+", followed by valid records")
			}
			res.torn = true
			break
		}
		if err != nil {
			return res, ioError("read", path, err)
		}
		if res.seg.sealed {
			return res, corrupt(path, fmt.Sprintf("record after the seal at offset %d", start))
		}
		if isSeal(p) {
			s, ok := parseSeal(p)
			if !ok || s.first != first || s.last != res.seg.last || res.seg.empty() {
				return res, corrupt(path, fmt.Sprintf("seal at offset %d does not match the records", start))
			}
			res.seg.sealed = true
			res.end = fr.pos
			continue
		}
		h, err := change.DecodeTxnHeader(p)
		if err != nil {
			return res, corrupt(path, fmt.Sprintf("record at offset %d: %v", start, err))
		}
		if h.Seq != res.seg.last+1 {
			return res, corrupt(path, fmt.Sprintf("record at offset %d has seq %d, expected %d", start, h.Seq, res.seg.last+1))
		}
		res.seg.last = h.Seq
		if h.Seq == first {
			res.seg.maxTime = h.Time
		} else {
			res.seg.maxTime = max(res.seg.maxTime, h.Time)
		}
		res.lastTxn = h
		res.end = fr.pos
	}
	res.seg.size = res.end
	return res, nil
}

// readSealed describes an older segment from its seal frame alone; without a valid seal (a
// machine crash under Fsync "never" can lose it) it falls back to a strict full scan.
func readSealed(path string, first uint64, bufSize int) (segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return segment{}, ioError("open", path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() >= sealFrame {
		buf := make([]byte, sealFrame)
		if _, err := f.ReadAt(buf, st.Size()-sealFrame); err == nil {
			n, pcrc, ok := parseHeader(buf[:hdrSize])
			p := buf[hdrSize:]
			s, sok := parseSeal(p)
			if ok && n == sealPayload && crc(p) == pcrc && sok && s.first == first && s.last >= first {
				f.Close()
				return segment{first: first, path: path, last: s.last, maxTime: s.maxTime, size: st.Size(), sealed: true}, nil
			}
		}
	}
	f.Close()
	res, err := scanSegment(path, first, bufSize, false)
	if err != nil {
		return segment{}, err
	}
	if res.seg.empty() {
		return segment{}, corrupt(path, "an older segment holds no records")
	}
	return res.seg, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func segPath(dir string, first uint64) string { return filepath.Join(dir, segName(first)) }
