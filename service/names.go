package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// ValidateProject checks p as CreateProject does, without storing it.
func (s *Service) ValidateProject(ctx context.Context, p model.Project) error {
	return s.validateProject(ctx, &p)
}

// checkDisplayName validates a data-source, project or label name (field names it in the
// error) with model.CheckDisplayName: a PARAM_ERROR naming the field and the rule.
func checkDisplayName(field, name string) error {
	if err := model.CheckDisplayName(name); err != nil {
		return errs.New(errs.KindInvalid, errs.CodeParam, fmt.Sprintf("%s %s %v", field, quoteName(name), err),
			"Use a name of printable characters: no control, line-separator or bidirectional formatting characters, at most 128 bytes.").
			With("field", field)
	}
	return nil
}

// quoteName renders a name for an error message: quoted, non-ASCII escaped (so a
// bidirectional control character cannot reorder the message), at most 80 characters.
func quoteName(s string) string {
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return strconv.QuoteToASCII(s)
}

// nameRules checks identifiers against the rules of the data-source types that will hold
// them, and refuses the system schemas, before anything is stored.
type nameRules struct {
	src, dst   model.DataSourceType
	checkpoint string // the target database of the incremental checkpoints ("" when not reserved)
}

// rulesFor returns the name rules of project p between data sources of types src and dst.
// p's defaults must be applied (the checkpoint schema defaults to "godwit").
func rulesFor(p *model.Project, src, dst model.DataSourceType) nameRules {
	return nameRules{src: src, dst: dst, checkpoint: p.IncrTransferConfig.CheckpointSchema}
}

// ident checks name as an identifier of kind on type t.
func (r nameRules) ident(t model.DataSourceType, side, field string, kind endpoint.NameKind, name string) error {
	err := endpoint.CheckName(t, kind, name)
	if err == nil {
		return nil
	}
	advice := "Use a valid " + string(kind) + " name."
	if n := endpoint.NamingOf(t); n != nil {
		advice = fmt.Sprintf("Use a %s name the %s %s accepts: %s.", kind, side, t, n.Rules())
	}
	return errs.New(errs.KindInvalid, errs.CodeParam,
		fmt.Sprintf("%s %s is not a valid %s %s name: it %v", field, quoteName(name), side, kind, err), advice).
		With("field", field)
}

// system refuses a source or target database that is a system schema of t, or (target)
// the project's checkpoint schema.
func (r nameRules) system(t model.DataSourceType, side, field, db string) error {
	switch {
	case endpoint.SystemSchema(t, db):
		return errs.New(errs.KindInvalid, errs.CodeParam,
			fmt.Sprintf("%s %s is a system database of the %s %s: godwit neither migrates system databases nor writes into them", field, quoteName(db), side, t),
			"Select (or map to) a user database.").With("field", field)
	case side == "target" && r.checkpoint != "" && strings.EqualFold(db, r.checkpoint):
		return errs.New(errs.KindInvalid, errs.CodeParam,
			fmt.Sprintf("%s %s is the project's checkpoint schema (incrTransferConfig.checkpointSchema), which godwit keeps for its own tables", field, quoteName(db)),
			"Map the database to another name, or set incrTransferConfig.checkpointSchema to another database.").With("field", field)
	}
	return nil
}

// mapping checks the names of a transfer mapping (prefix is the field path of dbs, e.g.
// "transferMapping.databases"): source names against the source's rules, target names
// (mappedName, or the source name when it is not renamed) against the target's, filter
// columns as source column names; source and target databases must not be system schemas.
// Database names with wildcards (* ? [) are patterns resolved against the source catalog
// (system databases are never listed there) and are not checked as names.
func (r nameRules) mapping(prefix string, dbs []model.DbObject) error {
	for i, d := range dbs {
		f := fmt.Sprintf("%s[%d]", prefix, i)
		pattern := strings.ContainsAny(d.Name, "*?[")
		if !pattern {
			if err := r.ident(r.src, "source", f+".name", endpoint.NameDatabase, d.Name); err != nil {
				return err
			}
			if err := r.system(r.src, "source", f+".name", d.Name); err != nil {
				return err
			}
		}
		if d.MappedName != "" || !pattern {
			tf := f + ".name"
			if d.MappedName != "" {
				tf = f + ".mappedName"
			}
			tdb := model.TargetName(d.Name, d.MappedName)
			if err := r.ident(r.dst, "target", tf, endpoint.NameDatabase, tdb); err != nil {
				return err
			}
			if err := r.system(r.dst, "target", tf, tdb); err != nil {
				return err
			}
		}
		for _, list := range []struct {
			name string
			objs []model.TableObject
		}{{"tables", d.Tables}, {"views", d.Views}} {
			for j, t := range list.objs {
				tf := fmt.Sprintf("%s.%s[%d]", f, list.name, j)
				if err := r.ident(r.src, "source", tf+".name", endpoint.NameTable, t.Name); err != nil {
					return err
				}
				mf := tf + ".name"
				if t.MappedName != "" {
					mf = tf + ".mappedName"
				}
				if err := r.ident(r.dst, "target", mf, endpoint.NameTable, model.TargetName(t.Name, t.MappedName)); err != nil {
					return err
				}
				for k, c := range t.FilterColumns {
					if err := r.ident(r.src, "source", fmt.Sprintf("%s.filterColumns[%d]", tf, k), endpoint.NameColumn, c); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// checkpointSchema checks the checkpoint schema of a project with incremental sync: a
// valid target database name that is not a system schema.
func (r nameRules) checkpointSchema(p *model.Project) error {
	if !p.EnableIncrTransfer {
		return nil
	}
	const f = "incrTransferConfig.checkpointSchema"
	cs := p.IncrTransferConfig.CheckpointSchema
	if err := r.ident(r.dst, "target", f, endpoint.NameDatabase, cs); err != nil {
		return err
	}
	return nameRules{dst: r.dst}.system(r.dst, "target", f, cs)
}

// collisions refuses mappings that would make two source objects share one target object,
// or copy an object onto itself. Target names are compared case-insensitively (a target with
// lower_case_table_names folds them). Only explicit names are compared here; databases whose
// tables are all selected are compared as whole databases, which is what they select.
// sameServer says source and target are the same server (same host and port): mapping a
// database onto itself there would copy rows onto themselves and, with incremental sync,
// replay the applier's own writes forever.
func collisions(prefix string, dbs []model.DbObject, sameServer bool) error {
	type origin struct{ field, src string }
	wholeDB := map[string]origin{} // target db → the source db selecting all its tables
	objs := map[string]origin{}    // target db.object → the source object
	for i, d := range dbs {
		if strings.ContainsAny(d.Name, "*?[") {
			continue
		}
		f := fmt.Sprintf("%s[%d]", prefix, i)
		tdb := strings.ToLower(model.TargetName(d.Name, d.MappedName))
		if sameServer && strings.EqualFold(tdb, d.Name) {
			return errs.New(errs.KindInvalid, errs.CodeParam,
				fmt.Sprintf("%s %s maps onto itself: source and target are the same server", f, quoteName(d.Name)),
				"Map the database to another name (mappedName), or choose another target data source.").With("field", f)
		}
		if len(d.Tables) == 0 && len(d.Views) == 0 {
			if o, ok := wholeDB[tdb]; ok && !strings.EqualFold(o.src, d.Name) {
				return dupTarget(f, d.Name, o.field, o.src, tdb)
			}
			wholeDB[tdb] = origin{f, d.Name}
			continue
		}
		for _, list := range []struct {
			name string
			objs []model.TableObject
		}{{"tables", d.Tables}, {"views", d.Views}} {
			for j, t := range list.objs {
				tf := fmt.Sprintf("%s.%s[%d]", f, list.name, j)
				key := tdb + "." + strings.ToLower(model.TargetName(t.Name, t.MappedName))
				src := d.Name + "." + t.Name
				if o, ok := objs[key]; ok && !strings.EqualFold(o.src, src) {
					return dupTarget(tf, src, o.field, o.src, key)
				}
				objs[key] = origin{tf, src}
			}
		}
	}
	for i, d := range dbs { // a database selected whole and, elsewhere, some of its target tables
		tdb := strings.ToLower(model.TargetName(d.Name, d.MappedName))
		if o, ok := wholeDB[tdb]; ok && (len(d.Tables) > 0 || len(d.Views) > 0) && !strings.EqualFold(o.src, d.Name) {
			return dupTarget(fmt.Sprintf("%s[%d]", prefix, i), d.Name, o.field, o.src, tdb)
		}
	}
	return nil
}

func dupTarget(field, src, otherField, otherSrc, target string) error {
	return errs.New(errs.KindInvalid, errs.CodeParam,
		fmt.Sprintf("%s (%s) and %s (%s) map to the same target %s: their rows would mix and overwrite each other",
			field, quoteName(src), otherField, quoteName(otherSrc), quoteName(target)),
		"Give each source object its own target name (mappedName).").With("field", field)
}
