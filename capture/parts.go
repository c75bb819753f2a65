package capture

import (
	"fmt"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/changestore"
	"github.com/godwit/godwit/errs"
)

// Large source transactions arrive in parts (change.Txn More/Offset) and are stored part by
// part as they arrive. When capture restarts after a part with More, the store holds the
// first events of a source transaction whose end it never saw. The part's Pos is the
// position the transaction starts after, so capture resumes there and reads the whole
// transaction again; partTrim drops the events the store already has, by their index in the
// transaction (Offset), so that every event is stored exactly once however the parts are cut
// this time.

// partTrim trims the re-read parts of the transaction the store ends inside of.
type partTrim struct {
	txid string // the transaction's id ("" when the source gives none)
	have uint64 // events of it the store holds
	done bool
}

// resumeTrim returns the trim for the store's tail: nil when the store ends at a
// transaction boundary. It reads the last stored part (bounded by the part size).
func resumeTrim(st *changestore.Store) (*partTrim, error) {
	last, ok := st.LastTxn()
	if !ok || !last.More {
		return nil, nil
	}
	r, err := st.NewReader(last.Seq - 1)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	t, ok, err := r.TryNext()
	if err != nil {
		return nil, err
	}
	if !ok || t.Seq != last.Seq {
		return nil, errs.New(errs.KindInternal, errs.CodeIncrStore,
			fmt.Sprintf("the change store's last part (seq %d) cannot be read back", last.Seq),
			"The change store is damaged; release the project and start again.")
	}
	return &partTrim{txid: t.TxID, have: t.Offset + uint64(len(t.Events))}, nil
}

// wrap returns add with the already-stored events of the first transaction dropped.
func (p *partTrim) wrap(add func(*change.Txn) error) func(*change.Txn) error {
	return func(t *change.Txn) error {
		if p.done {
			return add(t)
		}
		if p.txid != "" && t.TxID != "" && t.TxID != p.txid {
			return errs.New(errs.KindInternal, errs.CodeIncrStore,
				fmt.Sprintf("capture resumed inside transaction %s but the source log now has %s there", p.txid, t.TxID),
				"The source's binlog changed under godwit (restored or rewritten); release the project and start again.")
		}
		end := t.Offset + uint64(len(t.Events))
		switch {
		case end < p.have && !t.More:
			return errs.New(errs.KindInternal, errs.CodeIncrStore,
				fmt.Sprintf("transaction %s re-read from the source log has %d events, fewer than the %d already stored", p.txid, end, p.have),
				"The source's binlog changed under godwit; release the project and start again.")
		case end <= p.have && t.More:
			return nil // stored already
		case t.Offset < p.have:
			t.Events = t.Events[p.have-t.Offset:]
			t.Offset = p.have
		}
		p.done = true
		return add(t)
	}
}
