// Package changestore is godwit's durable local change log: TRANSFER_INCR_LOG_PULL appends
// the source transactions it captures, INCR_TRANSFER reads them back in order.
//
// # Contracts
//
// Writer. One Store per directory (an exclusive lock file keeps a second process out) and one
// writing goroutine: Append assigns each transaction the next sequence number — Seq is 1, 2, 3,
// … in append order with no gaps, sets it on the Txn, and is never reused while the directory
// exists. Last returns the newest stored transaction; the puller resumes the source log from
// its Pos after a restart.
//
// Durability, by Options.Fsync:
//   - "always": Append returns after the data is fsynced; readers see it only then.
//   - "interval" (default): Append returns after the data is written to the file (readers see
//     it at once; a process crash loses nothing); it is fsynced at most FsyncInterval later. A
//     machine crash can lose up to FsyncInterval of appends: they are missing after Open, and
//     the puller, resuming from Last().Pos, captures them again with the same Seqs.
//   - "never": fsync only when a segment is sealed and on Sync.
//
// Readers. Any number of Readers, each used by one goroutine, read concurrently with the
// writer. A Reader returns every transaction with Seq > after exactly once and in Seq order,
// never a partially written one, and blocks in Next until the writer appends more.
//
// Trim deletes whole segments from the oldest on, and only segments whose every transaction
// has Seq <= appliedSeq (already applied to the target) and was committed on the source
// before keepSince; it never deletes the segment being written. A Reader that needs a trimmed
// transaction fails with CodeIncrStore instead of skipping it.
//
// # Format
//
// The directory holds segment files named by the Seq of their first record, zero-padded to 20
// digits (00000000000000000001.seg). A segment is a sequence of frames:
//
//	length uint32 LE | crc32c(payload) uint32 LE | crc32c(first 8 bytes) uint32 LE | payload
//
// A payload is a transaction in the change package's binary encoding, or — as the last frame
// of a segment that is full — a seal recording the segment's first and last Seq and newest
// commit time, so Open needs to read only the tail of older segments. A crash can leave a
// torn record at the end of the newest segment: Open truncates it silently. Anything else — a
// bad checksum followed by valid data, a Seq out of order, a gap between segments — is
// corruption and fails with CodeIncrStore; the advice is to remove the store and start the
// incremental sync again from a fresh position.
//
// Memory: the writer buffers one Append's encoding; each Reader streams through a buffer of
// Options.ReadBufferBytes (a single record larger than that is read into its own buffer);
// the Store keeps one small descriptor per segment.
package changestore
