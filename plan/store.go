package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// StateKey is the project state key holding the plan (JSON).
const StateKey = "plan"

// StateStore is the part of the metadata store the plan is persisted in (meta.Store
// implements it).
type StateStore interface {
	GetState(ctx context.Context, projectID, key string) ([]byte, error)
	PutState(ctx context.Context, projectID, key string, value []byte) error
}

// Load returns the project's persisted plan, or nil when none is stored. A plan written by
// a newer format than this binary reads is an error, never a silent re-resolution.
func Load(ctx context.Context, st StateStore, projectID string) (*Plan, error) {
	b, err := st.GetState(ctx, projectID, StateKey)
	if err != nil || b == nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errs.New(errs.KindInternal, errs.CodeInternal, fmt.Sprintf("the stored plan of project %s cannot be read: %v", projectID, err),
			"Modify the project's configuration to resolve its plan again.")
	}
	if p.Format > Format {
		return nil, errs.New(errs.KindState, errs.CodeInternal,
			fmt.Sprintf("the stored plan of project %s has format %d; this godwit reads up to %d", projectID, p.Format, Format),
			"Run the godwit version that created the plan, or a newer one.")
	}
	if p.Databases == nil {
		p.Databases = map[string]string{}
	}
	if p.Renames == nil {
		p.Renames = map[string][2]string{}
	}
	return &p, nil
}

// Save persists p as the project's plan (the caller sets its version).
func Save(ctx context.Context, st StateStore, projectID string, p *Plan) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return st.PutState(context.WithoutCancel(ctx), projectID, StateKey, b)
}

// Ensure returns the project's plan: the stored one, or — when none is stored or it was
// marked stale — a new version made by resolve and persisted before it is returned.
func Ensure(ctx context.Context, st StateStore, projectID string, resolve func(context.Context) (*Plan, error)) (*Plan, error) {
	old, err := Load(ctx, st, projectID)
	if err != nil {
		return nil, err
	}
	if old != nil && !old.Stale {
		return old, nil
	}
	reason := "resolved"
	if old != nil {
		reason = old.StaleReason
	}
	return replace(ctx, st, projectID, old, resolve, reason, true)
}

// Reresolve resolves the project's plan again for an explicit event (reason) and persists
// it as a new version when it differs from the stored one; it returns the current plan.
func Reresolve(ctx context.Context, st StateStore, projectID, reason string, resolve func(context.Context) (*Plan, error)) (*Plan, error) {
	old, err := Load(ctx, st, projectID)
	if err != nil {
		return nil, err
	}
	return replace(ctx, st, projectID, old, resolve, reason, old == nil || old.Stale)
}

func replace(ctx context.Context, st StateStore, projectID string, old *Plan, resolve func(context.Context) (*Plan, error), reason string, force bool) (*Plan, error) {
	p, err := resolve(ctx)
	if err != nil {
		return nil, err
	}
	if old != nil && !force && old.sameContent(p) {
		return old, nil
	}
	p.Format, p.Version, p.Reason = Format, 1, reason
	if old != nil {
		p.Version = old.Version + 1
	}
	return p, Save(ctx, st, projectID, p)
}

// sameContent compares two plans ignoring their version bookkeeping.
func (p *Plan) sameContent(q *Plan) bool {
	a, b := *p, *q
	a.Version, a.Reason, a.Stale, a.StaleReason, a.Format = 0, "", false, "", 0
	b.Version, b.Reason, b.Stale, b.StaleReason, b.Format = 0, "", false, "", 0
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return reflect.DeepEqual(x, y)
}

// MarkStale records that the project's configuration changed (reason, e.g. "modify"): the
// next Ensure re-resolves the plan. A project without a stored plan is left alone.
func MarkStale(ctx context.Context, st StateStore, projectID, reason string) error {
	p, err := Load(ctx, st, projectID)
	if err != nil || p == nil {
		return err
	}
	p.Stale, p.StaleReason = true, reason
	return Save(ctx, st, projectID, p)
}

// Refresh re-resolves the given source tables (those a DDL touched) against the catalog and
// persists the result as a new version: a selected table is (re)read, one the catalog no
// longer has is dropped from the plan. It returns the new plan (p itself is not changed).
func (p *Plan) Refresh(ctx context.Context, st StateStore, projectID string, rd endpoint.SchemaReader, req Request,
	tables []endpoint.TableName, reason string) (*Plan, error) {
	sel := p.Selector(req.Mapping)
	np := p.clone()
	for _, tn := range tables {
		s, ok := sel.Table(tn.Schema, tn.Name)
		if !ok {
			continue
		}
		np.drop(tn.Schema, tn.Name)
		t, err := resolveTable(ctx, rd, req, tn.Schema, tn.Name, s)
		if err != nil {
			if errs.As(err).Kind == errs.KindNotFound {
				continue // dropped or renamed away
			}
			return nil, err
		}
		np.Tables = append(np.Tables, *t)
		np.Renames[lowerKey(tn.Schema, tn.Name)] = [2]string{t.Dst.Schema, t.Dst.Name}
	}
	np.sort()
	np.Format, np.Version, np.Reason, np.Stale, np.StaleReason = Format, p.Version+1, reason, false, ""
	return np, Save(ctx, st, projectID, np)
}

func (p *Plan) clone() *Plan {
	b, _ := json.Marshal(p)
	var c Plan
	_ = json.Unmarshal(b, &c)
	if c.Renames == nil {
		c.Renames = map[string][2]string{}
	}
	if c.Databases == nil {
		c.Databases = map[string]string{}
	}
	return &c
}

func (p *Plan) drop(db, name string) {
	k := lowerKey(db, name)
	out := p.Tables[:0]
	for _, t := range p.Tables {
		if lowerKey(t.Src.Schema, t.Src.Name) != k {
			out = append(out, t)
		}
	}
	p.Tables = out
	delete(p.Renames, k)
}

// OfProject returns project p's plan (Ensure), resolving it from src when needed.
func OfProject(ctx context.Context, st StateStore, p *model.Project, src endpoint.Endpoint) (*Plan, error) {
	return Ensure(ctx, st, p.ID, func(ctx context.Context) (*Plan, error) { return ResolveProject(ctx, p, src) })
}

// ResolveProject resolves project p's plan from src without persisting it.
func ResolveProject(ctx context.Context, p *model.Project, src endpoint.Endpoint) (*Plan, error) {
	rd, ok := src.(endpoint.SchemaReader)
	if !ok {
		return nil, errs.New(errs.KindUnsupported, errs.CodeStepNotSupported, "the source data source cannot read its schema",
			"Choose a data source type that supports this step, or disable the step.")
	}
	return Resolve(ctx, rd, ForProject(p, src))
}
