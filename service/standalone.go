package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/verify"
)

// StandaloneVerifyRequest describes a verification of two data sources without a server,
// a project or a metadata store (`godwit verify`).
type StandaloneVerifyRequest struct {
	Source, Target model.DataSource // with their passwords
	// Selection is the transfer mapping the plan is resolved from (package plan, the one
	// table selector): which databases and tables, and their mapped names.
	Selection model.TransferMapping
	// ColumnMaps renames columns: source "db.table" (lower case) → source column (lower
	// case) → target column. Tables the plan does not select are ignored.
	ColumnMaps map[string]map[string]string
	// MaxConns bounds the connections opened to each side; 0 = the endpoint's default.
	MaxConns int
	Options  VerifyOptions
}

// StandaloneVerifier runs a standalone verification: it owns both endpoints and an in-memory
// result store for its lifetime. Not safe for concurrent use; Close releases it.
type StandaloneVerifier struct {
	src, dst endpoint.Endpoint
	tables   []verify.Table
	store    *verify.MemStore
	v        *verify.Verifier
}

// NewStandaloneVerifier opens both data sources and resolves req.Selection into the plan of
// tables to compare. An empty plan is not an error (Tables reports 0).
func NewStandaloneVerifier(ctx context.Context, req StandaloneVerifyRequest) (_ *StandaloneVerifier, err error) {
	s := &StandaloneVerifier{store: verify.NewMemStore()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	opt := endpoint.Options{MaxConns: req.MaxConns}
	if s.src, err = endpoint.Open(ctx, req.Source, opt); err != nil {
		return nil, err
	}
	if s.dst, err = endpoint.Open(ctx, req.Target, opt); err != nil {
		return nil, err
	}
	if len(req.Selection.Databases) > 0 {
		rd, ok := s.src.(endpoint.SchemaReader)
		if !ok {
			return nil, fmt.Errorf("the source cannot list its tables")
		}
		pl, err := plan.Resolve(ctx, rd, plan.Request{Mapping: req.Selection})
		if err != nil {
			return nil, err
		}
		for i := range pl.Tables {
			pl.Tables[i].ColumnMap = req.ColumnMaps[strings.ToLower(pl.Tables[i].Key)]
		}
		s.tables = verify.TablesOf(pl)
	}
	if s.v, err = verify.New(s.src, s.dst, s.store, req.Options); err != nil {
		return nil, err
	}
	return s, nil
}

// Tables is how many tables the plan selected.
func (s *StandaloneVerifier) Tables() int { return len(s.tables) }

// Run compares every selected table (run id "cli", kind FULL).
func (s *StandaloneVerifier) Run(ctx context.Context) (*VerifyRun, error) {
	return s.v.Run(ctx, "cli", "", "FULL", s.tables)
}

// WriteCorrections streams the correction script of runID to w, one statement per call.
func (s *StandaloneVerifier) WriteCorrections(ctx context.Context, runID string, w func(stmt string) error) error {
	return verify.WriteCorrections(ctx, s.store, runID, w)
}

// ApplyAndRecheck applies runID's corrections on the target and re-checks the tables that
// were not consistent (run id "cli-recheck", kind RECHECK). It returns how many statements
// ran and the re-check run.
func (s *StandaloneVerifier) ApplyAndRecheck(ctx context.Context, runID string) (int, *VerifyRun, error) {
	n, err := verify.ApplyCorrections(ctx, s.dst, s.store, runID)
	if err != nil {
		return n, nil, err
	}
	again, err := verify.InconsistentTables(ctx, s.store, runID, s.tables)
	if err != nil {
		return n, nil, err
	}
	run, err := s.v.Run(ctx, "cli-recheck", "", "RECHECK", again)
	return n, run, err
}

// Results lists every table result and every stored difference of runID.
func (s *StandaloneVerifier) Results(ctx context.Context, runID string) ([]VerifyTable, []VerifyDiff, error) {
	ts, _, err := s.store.ListVerifyTables(ctx, VerifyTableFilter{RunID: runID})
	if err != nil {
		return nil, nil, err
	}
	ds, _, err := s.store.ListVerifyDiffs(ctx, VerifyDiffFilter{RunID: runID})
	return ts, ds, err
}

// Close closes both endpoints.
func (s *StandaloneVerifier) Close() {
	if s.dst != nil {
		s.dst.Close()
	}
	if s.src != nil {
		s.src.Close()
	}
}
