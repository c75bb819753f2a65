package kafka

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

// WriteRows publishes a full-copy batch as snapshot messages (Debezium op "r", Canal
// INSERT, DEFAULT op SNAPSHOT) through the idempotent producer, and returns once every
// message is acknowledged by all in-sync replicas. A retried call sends the rows again
// (at least once); each message's godwit-id header ("snapshot:<db>.<table>:<key>") is the
// same on every re-send.
func (e *Endpoint) WriteRows(ctx context.Context, req endpoint.WriteRequest) (int64, error) {
	if len(req.Rows) == 0 {
		return 0, nil
	}
	m, err := e.meta(req.Table, req.Columns, req.Table.KeyColumns())
	if err != nil {
		return 0, err
	}
	now := e.now()
	msgs := make([]message, 0, len(req.Rows))
	for _, r := range req.Rows {
		ev := event{op: change.OpInsert, snapshot: true, after: r, time: now.Unix(), nowMs: now.UnixMilli()}
		n := len(msgs)
		if msgs, err = e.enc.encode(m, &ev, msgs); err != nil {
			return 0, errs.New(errs.KindInternal, errs.CodeCopyWrite, err.Error(), "Report the column's type and value.")
		}
		for i := n; i < len(msgs); i++ {
			msgs[i].id = snapshotID(m, &msgs[i])
		}
	}
	recs, err := e.records(ctx, msgs, make([]*kgo.Record, 0, len(msgs)))
	if err != nil {
		return 0, err
	}
	var bytes int64
	for _, r := range recs {
		bytes += int64(len(r.Key) + len(r.Value))
	}
	if err := e.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return 0, e.produceErr(ctx, "publishing snapshot rows", err)
	}
	return bytes, nil
}

func snapshotID(m *tableMeta, msg *message) string {
	k := msg.key
	if k == nil {
		s := sha256.Sum256(msg.value)
		k = []byte("#" + hex.EncodeToString(s[:12]))
	}
	return "snapshot:" + m.db + "." + m.table + ":" + string(k)
}

// produceErr classifies a produce failure: refused ACLs and oversized records are not
// retried (KindInvalid), anything else is (KindUnavailable).
func (e *Endpoint) produceErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	kind := errs.KindUnavailable
	advice := "godwit retries; check the brokers' health if this persists."
	if isAuthErr(err) {
		kind, advice = errs.KindInvalid, "Grant godwit's user WRITE on the topics (and on its transactional ids), then resume."
	}
	return errs.New(kind, errs.CodeIncrApply, what+": "+err.Error(), advice).Wrap(err)
}
