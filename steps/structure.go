package steps

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/godwit/godwit/copier"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/plan"
	"github.com/godwit/godwit/schema"
)

// Struct runs STRUCT_TRANSFER: creates the target databases, tables (secondary indexes deferred
// when structTransferConfig.deferIndexCreation is set) and views, under their mapped names.
// Tables that already exist are kept (precheck has judged them), so a rerun after a crash
// simply continues. A mapped target that exists as anything but a base table (a view for a
// mapped view), or lies in a system or checkpoint schema, fails the step before any DDL
// (errs.CodeTargetObject), whether or not precheck saw it.
func Struct(ctx context.Context, env *Env) error {
	if sl, ok := env.Sink.(endpoint.Schemaless); ok {
		env.Logf(ctx, "INFO", "the target has no schema to create: %s", sl.SchemaNote())
		return nil
	}
	objs, err := loadPlan(ctx, env)
	if err != nil {
		return err
	}
	sw, err := need[endpoint.SchemaWriter](env.Sink, "target", "create tables")
	if err != nil {
		return err
	}
	// Refuse before any DDL: a mapped target that is a view (or a system schema) must not be
	// kept as if it were the table, nor a table replaced by a view.
	g := newTargetGuard(env)
	for _, t := range objs.Tables {
		if _, err := g.Check(ctx, string(model.StepStruct), t.Dst.Schema, t.Dst.Name, false); err != nil {
			return err
		}
	}
	for _, v := range objs.Views {
		if _, err := g.Check(ctx, string(model.StepStruct), v.DstDB, v.Dst, true); err != nil {
			return err
		}
	}
	defer_ := env.Project.StructTransferConfig.DeferIndexCreation
	created := map[string]bool{}
	total := len(objs.Tables) + len(objs.Views)
	done := 0
	for _, t := range objs.Tables {
		if !created[t.Dst.Schema] {
			if err := sw.CreateDatabase(ctx, t.Dst.Schema, t.Src.Charset, t.Src.Collation); err != nil {
				return err
			}
			created[t.Dst.Schema] = true
		}
		exists, _, err := sw.TableExists(ctx, t.Dst.Schema, t.Dst.Name)
		if err != nil {
			return err
		}
		if exists {
			env.Logf(ctx, "INFO", "target table %s exists; kept as is", t.TargetKey())
		} else if err := sw.CreateTable(ctx, t.Dst, defer_); err != nil {
			var e *errs.Error
			if !(errors.As(err, &e) && e.Kind == errs.KindConflict) {
				return err
			}
		} else {
			env.Logf(ctx, "INFO", "created table %s", t.TargetKey())
			if n, ok := sw.(endpoint.SchemaNoter); ok {
				for _, note := range n.TableNotes(t.Dst) {
					env.Logf(ctx, "WARN", "table %s: %s", t.TargetKey(), note)
				}
			}
			if err := createUniquesForIncr(ctx, env, sw, t.Dst, defer_); err != nil {
				return err
			}
		}
		done++
		env.Report(ctx, done*100/max(total, 1), nil, false)
	}
	for _, v := range objs.Views {
		if !created[v.DstDB] {
			if err := sw.CreateDatabase(ctx, v.DstDB, "", ""); err != nil {
				return err
			}
			created[v.DstDB] = true
		}
		nv := *v.Src
		nv.Schema, nv.Name = v.DstDB, v.Dst
		def, err := rewriteView(env.Source, v, objs)
		if err != nil {
			return err
		}
		nv.Definition = def
		if err := sw.CreateView(ctx, &nv); err != nil {
			if errors.Is(err, endpoint.ErrUntranslatable) {
				env.Logf(ctx, "WARN", "view %s.%s not created: %v", v.DstDB, v.Dst, err)
				done++
				continue
			}
			return err
		}
		env.Logf(ctx, "INFO", "created view %s.%s", v.DstDB, v.Dst)
		done++
		env.Report(ctx, done*100/max(total, 1), nil, false)
	}
	return nil
}

// createUniquesForIncr creates a table's unique indexes right away when secondary indexes
// are deferred but incremental sync runs: during the copy the source keeps changing unique
// values, so stale copies of rows can collide with newer ones until the incremental replay
// reaches them. With the unique indexes in place the copy's REPLACE removes the stale row
// (and the replay restores the right one); built afterwards, they would fail on the
// temporary duplicates. Non-unique indexes stay deferred to INDEX_TRANSFER.
func createUniquesForIncr(ctx context.Context, env *Env, sw endpoint.SchemaWriter, t *schema.Table, deferred bool) error {
	if !deferred || !env.Project.EnableIncrTransfer {
		return nil
	}
	u := *t
	u.Indexes = nil
	for _, ix := range t.Indexes {
		if ix.Unique {
			u.Indexes = append(u.Indexes, ix)
		}
	}
	if len(u.Indexes) == 0 {
		return nil
	}
	return sw.CreateIndexes(ctx, &u)
}

// rewriteView makes a source view definition name its tables' targets, through the source
// endpoint's dialect (endpoint.ViewRenamer). A source that cannot rewrite is refused when
// something was renamed; otherwise the definition is kept as it is.
func rewriteView(src endpoint.Endpoint, v plan.View, objs *plan.Plan) (string, error) {
	table := func(db, name string) (string, string, bool) {
		r, ok := objs.Renames[strings.ToLower(db+"."+name)]
		return r[0], r[1], ok
	}
	database := func(db string) (string, bool) {
		r, ok := objs.Databases[strings.ToLower(db)]
		return r, ok
	}
	if vr, ok := src.(endpoint.ViewRenamer); ok {
		return vr.RenameViewRefs(v.Src.Definition, table, database), nil
	}
	renamed := len(objs.Renames) > 0
	for k, v := range objs.Databases {
		renamed = renamed || k != strings.ToLower(v)
	}
	if renamed {
		return "", errs.New(errs.KindUnsupported, errs.CodeSchemaCreate,
			fmt.Sprintf("view %s.%s cannot be created under renamed tables: the source cannot rewrite view definitions", v.Src.Schema, v.Src.Name),
			"Leave the view out of the mapping, or create it on the target yourself.")
	}
	return v.Src.Definition, nil
}

// Index runs INDEX_TRANSFER: creates the secondary indexes deferred by STRUCT_TRANSFER,
// several tables at once (min(writeWorkerNum, 4) concurrent ALTER TABLEs: each is mostly a
// sort on one core plus I/O, so a few in parallel overlap well). Progress is weighted by
// the tables' data sizes and each table's state is persisted (INDEX_TRANSFER table rows:
// PLANNED → FINISHED). CreateIndexes skips indexes that already exist, so the step is
// resumable: a restart re-issues only what is missing.
func Index(ctx context.Context, env *Env) error {
	if sl, ok := env.Sink.(endpoint.Schemaless); ok {
		env.Logf(ctx, "INFO", "the target has no indexes to create: %s", sl.SchemaNote())
		return nil
	}
	objs, err := loadPlan(ctx, env)
	if err != nil {
		return err
	}
	sw, err := need[endpoint.SchemaWriter](env.Sink, "target", "create indexes")
	if err != nil {
		return err
	}
	var todo []*plan.Table
	var total int64
	for i := range objs.Tables {
		if t := &objs.Tables[i]; len(t.Dst.Indexes) > 0 {
			todo = append(todo, t)
			total += copier.TableWeight(t)
		}
	}
	// Largest first, so the longest build does not start last.
	sort.SliceStable(todo, func(i, j int) bool { return copier.TableWeight(todo[i]) > copier.TableWeight(todo[j]) })
	var mu sync.Mutex
	var done int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(min(4, max(1, env.Project.FullTransferConfig.WriteWorkerNum)))
	for _, t := range todo {
		g.Go(func() error {
			st := meta.TableState{ProjectID: env.Project.ID, Step: model.StepIndex, Table: t.Key, Target: t.TargetKey(),
				Status: "RUNNING", Capacity: int64(len(t.Dst.Indexes)), Updated: env.Now()}
			if err := env.Store.PutTable(gctx, &st); err != nil {
				return err
			}
			t0 := time.Now()
			if err := sw.CreateIndexes(gctx, t.Dst); err != nil {
				return err
			}
			st.Status, st.Done, st.Updated = tableFinished, st.Capacity, env.Now()
			if err := env.Store.PutTable(gctx, &st); err != nil {
				return err
			}
			env.Logf(gctx, "INFO", "created %d indexes on %s in %.1fs", len(t.Dst.Indexes), t.TargetKey(), time.Since(t0).Seconds())
			mu.Lock()
			done += copier.TableWeight(t)
			p := int(done * 100 / max(total, 1))
			mu.Unlock()
			env.Report(gctx, p, nil, false)
			return nil
		})
	}
	return g.Wait()
}
