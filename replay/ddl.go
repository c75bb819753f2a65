package replay

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
)

// applyDDL handles a DDL transaction: after a barrier, a statement on selected tables whose
// kinds are all in supportDDLTypes is translated (names mapped) and run on the target;
// other statements on selected tables are skipped with a warning or stop the project, per
// ddlPolicy. Statements on tables the project does not move are ignored. Every worker's
// checkpoint then moves to the DDL's seq (a re-run after a crash in between is harmless:
// ExecDDL treats "already done" errors as success).
func (a *applier) applyDDL(ctx context.Context, t *change.Txn) error {
	if err := a.barrier(ctx); err != nil {
		return err
	}
	ev := &t.Events[0]
	if t.Seq > a.hw || !a.ddlDoneBefore(t.Seq) {
		if err := a.runDDL(ctx, ev, t); err != nil {
			return err
		}
	}
	cps := make([]endpoint.Checkpoint, len(a.workers))
	for i := range cps {
		cps[i] = endpoint.Checkpoint{Worker: i, Seq: t.Seq, Pos: t.Pos, Time: t.Time}
	}
	if err := a.retry(ctx, "saving checkpoints after a DDL", func() error {
		return a.sink.Acknowledge(ctx, cps)
	}); err != nil {
		return err
	}
	for i, w := range a.workers {
		w.dispatched = t.Seq
		w.dispSeen.Store(t.Seq)
		w.committed.Store(t.Seq)
		cp := cps[i]
		w.cpPos.Store(&cp)
	}
	a.mu.Lock()
	a.lastDisp = cps[0]
	a.mu.Unlock()
	return nil
}

// ddlDoneBefore reports whether every worker's checkpoint already covers seq.
func (a *applier) ddlDoneBefore(seq uint64) bool {
	for _, s := range a.skip {
		if s < seq {
			return false
		}
	}
	return true
}

func (a *applier) runDDL(ctx context.Context, ev *change.Event, t *change.Txn) error {
	if a.tr == nil {
		a.host.Logf(ctx, "WARN", "DDL skipped (the source cannot translate DDL): %s", clip(ev.Query))
		return nil
	}
	info, err := a.tr.TranslateDDL(ev.Schema, ev.Query, a.sel.MapName)
	if err != nil {
		return a.refuseDDL(ctx, ev, "it cannot be parsed: "+err.Error())
	}
	selected := false
	for _, tn := range info.Tables {
		if a.sel.Want(tn.Schema, tn.Name) {
			selected = true
			break
		}
	}
	if !selected {
		return nil // not ours
	}
	allowed := map[string]bool{}
	for _, k := range a.cfg.SupportDDLTypes {
		allowed[strings.ToUpper(strings.TrimSpace(k))] = true
	}
	for _, k := range info.Kinds {
		if !allowed[k] {
			return a.refuseDDL(ctx, ev, fmt.Sprintf("its type %s is not in supportDDLTypes", k))
		}
	}
	if info.Target == "" {
		return a.refuseDDL(ctx, ev, "it touches tables the project does not move")
	}
	if pub, ok := a.sink.(endpoint.DDLPublisher); ok {
		if err := a.retry(ctx, "publishing a DDL to the target", func() error {
			return pub.PublishDDL(ctx, a.ddlMessage(ev, t, info))
		}); err != nil {
			return err
		}
	} else if a.ddl == nil {
		return a.refuseDDL(ctx, ev, "the target cannot apply DDL")
	} else if err := a.retry(ctx, "applying a DDL on the target", func() error {
		return a.ddl.ExecDDL(ctx, info.Target)
	}); err != nil {
		if errors.Is(err, endpoint.ErrUntranslatable) { // another dialect: handled per ddlPolicy
			return a.refuseDDL(ctx, ev, "the target cannot express it: "+err.Error())
		}
		return err
	}
	// Definitions changed: an explicit event for the plan (new version for the touched tables).
	if err := a.refreshPlan(ctx, info.Tables, "ddl: "+strings.Join(info.Kinds, ",")); err != nil {
		return err
	}
	a.ddls.Add(1)
	if len(info.Tables) > 0 {
		a.count(info.Tables[0].Schema+"."+info.Tables[0].Name, change.OpDDL)
	}
	a.host.Logf(ctx, "INFO", "DDL applied (%s): %s", strings.Join(info.Kinds, ","), clip(info.Target))
	return nil
}

func (a *applier) refuseDDL(ctx context.Context, ev *change.Event, why string) error {
	if strings.EqualFold(a.cfg.DDLPolicy, "stop") {
		return errs.New(errs.KindState, errs.CodeIncrDDL, fmt.Sprintf("DDL not applied because %s: %s", why, clip(ev.Query)),
			"Apply the change on the target by hand and set ddlPolicy to skip before resuming, or add its type to supportDDLTypes.")
	}
	a.host.Logf(ctx, "WARN", "DDL skipped because %s: %s", why, clip(ev.Query))
	return nil
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// ddlMessage describes a DDL for a DDLPublisher: target table names, and every worker's
// position moved to the DDL's transaction.
func (a *applier) ddlMessage(ev *change.Event, t *change.Txn, info endpoint.DDLInfo) endpoint.DDLMessage {
	m := endpoint.DDLMessage{Database: ev.Schema, Kinds: info.Kinds, Query: ev.Query, Target: info.Target,
		Seq: t.Seq, Pos: t.Pos, Time: t.Time}
	for _, tn := range info.Tables {
		if d, ok := a.sel.MapName(tn.Schema, tn.Name); ok {
			m.Tables = append(m.Tables, d)
		}
	}
	for i := range a.workers {
		m.Positions = append(m.Positions, endpoint.Checkpoint{Worker: i, Seq: t.Seq, Pos: t.Pos, Time: t.Time})
	}
	return m
}
