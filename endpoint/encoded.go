package endpoint

import (
	"context"

	"github.com/godwit/godwit/change"
)

// Encoded batches: an optional fast path of the full copy between a reader and a writer
// that share a wire format (MySQL family → MySQL family: LOAD DATA text). The reader encodes
// rows straight from its protocol buffers into the writer's format, so no change.Row is
// built, no value is copied twice and the garbage collector has next to nothing to do.
//
// The writer decides: WriteEncoding names the encoding it accepts for a request (an opaque
// value of the writer's own package), the reader's CanEncode says whether it can produce it
// for the matching read. Only when both agree does the copy step use the pair; otherwise it
// falls back to ReadChunk/WriteRows. An encoded batch holds exactly the rows the row path
// would have written, with the same values.

// Encoding is an encoded-batch format, opaque outside the package that defines it.
type Encoding interface {
	// EncodingName names the format in logs ("MySQL LOAD DATA text").
	EncodingName() string
}

// EncodedBatch is a run of consecutive rows of one chunk, in key order, already encoded.
type EncodedBatch struct {
	// Data is the encoded rows. The batch belongs to the callback it is handed to; the
	// reader never touches it again.
	Data []byte
	// Rows is the number of rows in Data.
	Rows int
	// SrcBytes estimates the rows' source size as change.Row.Size would (progress weight).
	SrcBytes int64
	// LastKey holds the key values (ReadRequest.Key order) of the last row, in the form
	// ReadChunk would have produced them, so a failed read can resume right after it; nil
	// when the request has no key.
	LastKey change.Key
}

// BatchLimit bounds an encoded batch: a batch is handed over once it holds Rows rows or
// Data reaches Bytes bytes (a single row may exceed Bytes).
type BatchLimit struct {
	Rows, Bytes int
}

// EncodedWriter is a RowWriter that also accepts encoded batches.
type EncodedWriter interface {
	RowWriter
	// WriteEncoding returns the encoding WriteEncoded accepts for req's table and columns
	// (req.Rows is ignored), or nil when this writer has no encoded path for it now.
	WriteEncoding(ctx context.Context, req WriteRequest) (Encoding, error)
	// WriteEncoded writes b with the guarantees of WriteRows (atomic per call, idempotent
	// by key, may be retried with the same batch). enc is what WriteEncoding returned for
	// req. It returns the bytes sent.
	WriteEncoded(ctx context.Context, req WriteRequest, enc Encoding, b *EncodedBatch) (int64, error)
}

// EncodedReader is a RowReader that can also produce encoded batches.
type EncodedReader interface {
	RowReader
	// CanEncode reports whether ReadChunkEncoded can produce enc for req, whose rows go
	// to the writer request enc was made for.
	CanEncode(req ReadRequest, enc Encoding) bool
	// ReadChunkEncoded streams the rows of req.Chunk (plus req.Where) in key order to fn
	// as encoded batches within lim. Rows already handed to fn are never handed again by
	// this call; after an error, a new call whose chunk starts after the last batch's
	// LastKey continues without loss or repetition.
	ReadChunkEncoded(ctx context.Context, req ReadRequest, enc Encoding, lim BatchLimit, fn func(*EncodedBatch) error) error
}
