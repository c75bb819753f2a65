package changestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

const (
	hdrSize   = 12
	maxRecord = 1 << 30 // largest payload; a bigger transaction is refused at Append

	sealTag     = 0xF5 // first payload byte of a seal frame (a Txn starts with its codec version)
	sealPayload = 1 + 8 + 8 + 8
	sealFrame   = hdrSize + sealPayload
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// putHeader fills the 12-byte header h for payload p.
func putHeader(h []byte, p []byte) {
	binary.LittleEndian.PutUint32(h[0:], uint32(len(p)))
	binary.LittleEndian.PutUint32(h[4:], crc(p))
	binary.LittleEndian.PutUint32(h[8:], crc(h[:8]))
}

// parseHeader validates a header's own checksum and returns the payload length and checksum.
func parseHeader(h []byte) (n int64, pcrc uint32, ok bool) {
	if binary.LittleEndian.Uint32(h[8:]) != crc(h[:8]) {
		return 0, 0, false
	}
	n = int64(binary.LittleEndian.Uint32(h[0:]))
	return n, binary.LittleEndian.Uint32(h[4:]), n > 0 && n <= maxRecord
}

// seal is the payload of a segment's closing frame.
type seal struct {
	first, last uint64
	maxTime     int64
}

func appendSeal(b []byte, s seal) []byte {
	start := len(b)
	b = append(b, make([]byte, hdrSize)...)
	b = append(b, sealTag)
	b = binary.LittleEndian.AppendUint64(b, s.first)
	b = binary.LittleEndian.AppendUint64(b, s.last)
	b = binary.LittleEndian.AppendUint64(b, uint64(s.maxTime))
	putHeader(b[start:], b[start+hdrSize:])
	return b
}

func isSeal(p []byte) bool { return len(p) > 0 && p[0] == sealTag }

func parseSeal(p []byte) (seal, bool) {
	if len(p) != sealPayload || p[0] != sealTag {
		return seal{}, false
	}
	return seal{
		first:   binary.LittleEndian.Uint64(p[1:]),
		last:    binary.LittleEndian.Uint64(p[9:]),
		maxTime: int64(binary.LittleEndian.Uint64(p[17:])),
	}, true
}

// errEnd means the reader is at the limit it was given: no more committed frames for now.
var errEnd = errors.New("end of committed data")

// frameError describes an invalid frame at off. When hdrOK the header's checksum was valid,
// so end (where the frame claims to end) can be trusted.
type frameError struct {
	off    int64
	reason string
	hdrOK  bool
	end    int64
}

func (e *frameError) Error() string { return fmt.Sprintf("%s at offset %d", e.reason, e.off) }

// frameReader streams frames from one segment file through a bounded buffer, reading only
// below the limit given to each call (the committed size), so it never sees a partial write.
type frameReader struct {
	f    *os.File
	size int // buffer size
	buf  []byte
	r, w int   // unread bytes are buf[r:w]
	pos  int64 // file offset of buf[r]
}

func newFrameReader(f *os.File, bufSize int, off int64) *frameReader {
	return &frameReader{f: f, size: bufSize, pos: off}
}

// fill makes at least n bytes available in buf[r:w], reading at most up to limit.
func (fr *frameReader) fill(n int, limit int64) error {
	if fr.w-fr.r >= n {
		return nil
	}
	if fr.buf == nil {
		fr.buf = make([]byte, fr.size)
	}
	copy(fr.buf, fr.buf[fr.r:fr.w])
	fr.w -= fr.r
	fr.r = 0
	for fr.w < n {
		want := int64(len(fr.buf) - fr.w)
		if room := limit - fr.pos - int64(fr.w); room < want {
			want = room
		}
		if want <= 0 {
			return &frameError{off: fr.pos, reason: "record cut short by the end of the file"}
		}
		m, err := fr.f.ReadAt(fr.buf[fr.w:fr.w+int(want)], fr.pos+int64(fr.w))
		fr.w += m
		if err != nil && fr.w < n {
			if errors.Is(err, io.EOF) {
				return &frameError{off: fr.pos, reason: "record cut short by the end of the file"}
			}
			return err
		}
	}
	return nil
}

// next returns the payload of the frame at pos and moves past it. The payload is valid until
// the next call. It returns errEnd at limit, *frameError for an invalid frame (the reader
// stays at the frame), or an I/O error.
func (fr *frameReader) next(limit int64) ([]byte, error) {
	if fr.pos >= limit {
		return nil, errEnd
	}
	start := fr.pos
	if err := fr.fill(hdrSize, limit); err != nil {
		return nil, err
	}
	n, pcrc, ok := parseHeader(fr.buf[fr.r : fr.r+hdrSize])
	if !ok {
		return nil, &frameError{off: start, reason: "bad record header"}
	}
	end := start + hdrSize + n
	if end > limit {
		return nil, &frameError{off: start, reason: "record cut short by the end of the file", hdrOK: true, end: end}
	}
	var p []byte
	if hdrSize+n <= int64(fr.size) {
		if err := fr.fill(int(hdrSize+n), limit); err != nil {
			return nil, err
		}
		p = fr.buf[fr.r+hdrSize : fr.r+hdrSize+int(n)]
		if crc(p) != pcrc {
			return nil, &frameError{off: start, reason: "bad record checksum", hdrOK: true, end: end}
		}
		fr.r += hdrSize + int(n)
	} else {
		// A record larger than the buffer gets a buffer of its own, dropped after use.
		p = make([]byte, n)
		have := copy(p, fr.buf[fr.r+hdrSize:fr.w])
		if _, err := fr.f.ReadAt(p[have:], start+hdrSize+int64(have)); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, &frameError{off: start, reason: "record cut short by the end of the file", hdrOK: true, end: end}
			}
			return nil, err
		}
		if crc(p) != pcrc {
			return nil, &frameError{off: start, reason: "bad record checksum", hdrOK: true, end: end}
		}
		fr.r, fr.w = 0, 0
	}
	fr.pos = end
	return p, nil
}

// validFrameAfter reports whether any position in [from, size) of f starts a frame whose
// header checksum is valid and which fits in the file: evidence that a bad frame before it is
// damage in the middle of the data, not a torn write at its end. It streams through a buffer.
func validFrameAfter(f *os.File, from, size int64, bufSize int) (bool, error) {
	buf := make([]byte, max(bufSize, 4*hdrSize))
	for base := from; base+hdrSize <= size; {
		m, err := f.ReadAt(buf[:min(int64(len(buf)), size-base)], base)
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		if m < hdrSize {
			return false, nil
		}
		for i := 0; i+hdrSize <= m; i++ {
			n := int64(binary.LittleEndian.Uint32(buf[i:]))
			if n == 0 || base+int64(i)+hdrSize+n > size {
				continue
			}
			if _, _, ok := parseHeader(buf[i : i+hdrSize]); ok {
				return true, nil
			}
		}
		base += int64(m - hdrSize + 1)
	}
	return false, nil
}
