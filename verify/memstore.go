package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
)

// MemStore is an in-memory meta.VerifyStore for verifications without a metadata store
// (the standalone CLI). It holds every stored difference, so callers bound them with
// Options.MaxStoredDiffs. Safe for concurrent use.
type MemStore struct {
	mu     sync.Mutex
	runs   map[string]meta.VerifyRun
	tables map[string]map[string]meta.VerifyTable // run → table
	chunks map[string][]meta.VerifyChunk          // run+"\x00"+table
	diffs  []meta.VerifyDiff
	nextID int64
}

var _ meta.VerifyStore = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{runs: map[string]meta.VerifyRun{}, tables: map[string]map[string]meta.VerifyTable{},
		chunks: map[string][]meta.VerifyChunk{}}
}

func notFound(id string) error {
	return errs.New(errs.KindNotFound, errs.CodeVerifyFailed, fmt.Sprintf("verification run %s does not exist", id), "")
}

func (m *MemStore) CreateVerifyRun(_ context.Context, r *meta.VerifyRun) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.runs[r.ID]; ok {
		return errs.New(errs.KindConflict, errs.CodeVerifyFailed, "verification run "+r.ID+" already exists", "")
	}
	m.runs[r.ID] = *r
	return nil
}

func (m *MemStore) UpdateVerifyRun(_ context.Context, r *meta.VerifyRun) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.runs[r.ID]; !ok {
		return notFound(r.ID)
	}
	m.runs[r.ID] = *r
	return nil
}

func (m *MemStore) GetVerifyRun(_ context.Context, id string) (*meta.VerifyRun, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return nil, notFound(id)
	}
	return &r, nil
}

func (m *MemStore) ListVerifyRuns(_ context.Context, projectID string, pg, size int) ([]meta.VerifyRun, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []meta.VerifyRun
	for _, r := range m.runs {
		if r.ProjectID == projectID {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	return paged(out, pg, size), int64(len(out)), nil
}

func paged[T any](s []T, pg, size int) []T {
	if size <= 0 {
		return s
	}
	pg = max(pg, 1)
	from := min(len(s), (pg-1)*size)
	return s[from:min(len(s), from+size)]
}

func (m *MemStore) SaveVerifyChunks(_ context.Context, runID, table string, chunks []meta.VerifyChunk) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := make([]meta.VerifyChunk, len(chunks))
	for i, c := range chunks {
		c.RunID, c.Table = runID, table
		if c.Status == "" {
			c.Status = meta.ChunkPending
		}
		cs[i] = c
	}
	m.chunks[runID+"\x00"+table] = cs
	return nil
}

func (m *MemStore) ListVerifyChunks(_ context.Context, runID, table string) ([]meta.VerifyChunk, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]meta.VerifyChunk{}, m.chunks[runID+"\x00"+table]...), nil
}

func (m *MemStore) FinishVerifyChunk(_ context.Context, c meta.VerifyChunk, diffs []meta.VerifyDiff) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.chunks[c.RunID+"\x00"+c.Table]
	found := false
	for i := range cs {
		if cs[i].Seq == c.Seq {
			c.Lower, c.Upper, c.Status = cs[i].Lower, cs[i].Upper, meta.ChunkDone
			cs[i], found = c, true
		}
	}
	if !found {
		return errs.New(errs.KindNotFound, errs.CodeVerifyFailed, "chunk not in the plan", "")
	}
	kept := m.diffs[:0]
	for _, d := range m.diffs {
		if !(d.RunID == c.RunID && d.Table == c.Table && d.Chunk == c.Seq) {
			kept = append(kept, d)
		}
	}
	m.diffs = kept
	m.addLocked(diffs)
	return nil
}

func (m *MemStore) addLocked(diffs []meta.VerifyDiff) {
	for _, d := range diffs {
		m.nextID++
		d.ID = m.nextID
		m.diffs = append(m.diffs, d)
	}
}

func (m *MemStore) AddVerifyDiffs(_ context.Context, diffs []meta.VerifyDiff) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLocked(diffs)
	return nil
}

func (m *MemStore) PutVerifyTable(_ context.Context, t *meta.VerifyTable) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.runs[t.RunID]; !ok {
		return notFound(t.RunID)
	}
	if m.tables[t.RunID] == nil {
		m.tables[t.RunID] = map[string]meta.VerifyTable{}
	}
	m.tables[t.RunID][t.Table] = *t
	return nil
}

func (m *MemStore) ListVerifyTables(_ context.Context, f meta.VerifyTableFilter) ([]meta.VerifyTable, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []meta.VerifyTable
	for _, t := range m.tables[f.RunID] {
		if matchPrefix(t.Table, f.SourceSchemas) && matchPrefix(t.Target, f.DestSchemas) &&
			(len(f.Statuses) == 0 || containsFold(f.Statuses, t.Status)) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return paged(out, f.Page, f.Size), int64(len(out)), nil
}

func matchPrefix(name string, schemas []string) bool {
	if len(schemas) == 0 {
		return true
	}
	for _, s := range schemas {
		if strings.HasPrefix(name, s+".") {
			return true
		}
	}
	return false
}

func (m *MemStore) ListVerifyDiffs(_ context.Context, f meta.VerifyDiffFilter) ([]meta.VerifyDiff, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []meta.VerifyDiff
	for _, d := range m.diffs {
		if d.RunID == f.RunID && (f.Table == "" || d.Table == f.Table) && (f.Kind == "" || d.Kind == f.Kind) {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return paged(out, f.Page, f.Size), int64(len(out)), nil
}

func (m *MemStore) DeleteVerifyRuns(_ context.Context, projectID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.runs {
		if r.ProjectID == projectID {
			delete(m.runs, id)
			delete(m.tables, id)
		}
	}
	return nil
}
