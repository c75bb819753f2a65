package verify

import (
	"context"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// correctionsPage is how many differences are read (and applied) per batch.
const correctionsPage = 500

// WriteCorrections streams the run's correction script to w: one statement per difference
// (REPLACE for rows only in the source or different, DELETE for rows only in the target),
// target names, identifiers quoted, values as literals. Memory is bounded by one page.
func WriteCorrections(ctx context.Context, store meta.VerifyStore, runID string, w func(stmt string) error) error {
	for pg := 1; ; pg++ {
		ds, _, err := store.ListVerifyDiffs(ctx, meta.VerifyDiffFilter{RunID: runID, Page: pg, Size: correctionsPage})
		if err != nil {
			return err
		}
		for _, d := range ds {
			if d.FixSQL == "" {
				continue
			}
			if err := w(d.FixSQL); err != nil {
				return err
			}
		}
		if len(ds) < correctionsPage {
			return nil
		}
	}
}

// ApplyCorrections runs the run's correction statements on the target, one transaction per
// page of differences, and returns how many statements ran. Re-running it is harmless
// (REPLACE and DELETE by key are idempotent). Callers re-check afterwards.
func ApplyCorrections(ctx context.Context, target endpoint.Endpoint, store meta.VerifyStore, runID string) (int, error) {
	ex, ok := target.(Executor)
	if !ok {
		return 0, errs.New(errs.KindUnsupported, errs.CodeVerifyFailed, "the target cannot apply corrections",
			"Download the correction SQL and apply it yourself.")
	}
	var batch []string
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := ex.ExecStatements(ctx, batch); err != nil {
			return err
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	err := WriteCorrections(ctx, store, runID, func(s string) error {
		batch = append(batch, strings.TrimSuffix(s, ";"))
		if len(batch) >= correctionsPage {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}

// InconsistentTables returns the tables of tables whose result in runID is not consistent.
func InconsistentTables(ctx context.Context, store meta.VerifyStore, runID string, tables []Table) ([]Table, error) {
	res, _, err := store.ListVerifyTables(ctx, meta.VerifyTableFilter{RunID: runID})
	if err != nil {
		return nil, err
	}
	bad := map[string]bool{}
	for _, r := range res {
		bad[r.Table] = !IsConsistent(r.Result)
	}
	var out []Table
	for _, t := range tables {
		if b, ok := bad[t.Key()]; b || !ok {
			out = append(out, t)
		}
	}
	return out, nil
}
