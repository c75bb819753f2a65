package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// prepared is a Table resolved against both catalogs.
type prepared struct {
	t          *Table
	src, dst   *schema.Table // real tables
	hsrc, hdst *schema.Table // copies whose Nullable flags agree (for the pushed-down hash)
	cols       []string      // compared source columns
	dcols      []string      // their target names
	key        []string      // source key columns (nil: no key)
	dkey       []string      // target key columns
	keyIdx     []int         // positions of key in cols
	codecs     []codec
	missing    string // non-empty: the target table does not exist (message)
}

// prepare resolves t. A missing target table (or a target object that is not a base
// table, such as a view) is not an error: it is reported as the table's result
// (TARGET_TABLE_NOT_EXIST, which makes the run INCONSISTENT). A missing source table is a
// KindNotFound error, recorded as RUNTIME_EXCEPTION; a catalog that cannot be read is an
// error.
func prepare(ctx context.Context, src, dst endpoint.Endpoint, t *Table) (*prepared, error) {
	p := &prepared{t: t, src: t.Source}
	srd, _ := src.(endpoint.SchemaReader)
	drd, ok := dst.(endpoint.SchemaReader)
	if !ok {
		return nil, errs.New(errs.KindUnsupported, errs.CodeVerifyFailed, "the target cannot read its schema",
			"Verification needs a target that can describe its tables.")
	}
	if p.src == nil {
		if srd == nil {
			return nil, errs.New(errs.KindUnsupported, errs.CodeVerifyFailed, "the source cannot read its schema",
				"Pass the source table definitions.")
		}
		var err error
		if p.src, err = srd.ReadTable(ctx, t.SourceDB, t.SourceName); err != nil {
			if e := errs.As(err); e.Kind == errs.KindNotFound {
				return nil, errs.New(errs.KindNotFound, errs.CodeVerifyFailed,
					"source table "+t.Key()+" does not exist: "+objectText(ctx, src, t.SourceDB, t.SourceName),
					"Check the source table, or remove it from the verification.").With("table", t.Key())
			}
			return nil, err
		}
	}
	names, err := drd.ListTables(ctx, t.TargetDB)
	if err != nil {
		return nil, err
	}
	if !containsFold(names, t.TargetName) {
		p.missing = "target table " + t.TargetKey() + " does not exist: " + objectText(ctx, dst, t.TargetDB, t.TargetName)
		return p, nil
	}
	if p.dst, err = drd.ReadTable(ctx, t.TargetDB, t.TargetName); err != nil {
		return nil, err
	}
	p.cols = t.Columns
	if len(p.cols) == 0 {
		p.cols = p.src.ColumnNames()
	}
	p.hsrc, p.hdst = cloneCols(p.src), cloneCols(p.dst)
	for _, n := range p.cols {
		sc := p.src.Column(n)
		if sc == nil {
			return nil, errs.New(errs.KindInvalid, errs.CodeVerifyFailed,
				fmt.Sprintf("column %s not found in source table %s", n, t.Key()), "Check the compared columns.")
		}
		dn := t.targetCol(sc.Name)
		dc := p.dst.Column(dn)
		if dc == nil {
			p.missing = fmt.Sprintf("column %s of %s has no counterpart %s in target table %s", sc.Name, t.Key(), dn, t.TargetKey())
			return p, nil
		}
		p.dcols = append(p.dcols, dc.Name)
		p.codecs = append(p.codecs, codecFor(sc, dc))
		if sc.Nullable || dc.Nullable {
			p.hsrc.Column(sc.Name).Nullable = true
			p.hdst.Column(dc.Name).Nullable = true
		}
	}
	p.key = p.src.Project(p.cols).KeyColumns()
	for _, k := range p.key {
		p.dkey = append(p.dkey, t.targetCol(k))
		for i, c := range p.cols {
			if strings.EqualFold(c, k) {
				p.keyIdx = append(p.keyIdx, i)
			}
		}
	}
	return p, nil
}

// objectText says what db.name is instead of a base table, for the messages of tables that
// cannot be compared: "it is a VIEW, not a base table", or "no object of that name" when
// the endpoint can tell (endpoint.ObjectInspector), else "no base table of that name".
func objectText(ctx context.Context, ep endpoint.Endpoint, db, name string) string {
	if oi, ok := ep.(endpoint.ObjectInspector); ok {
		if k, err := oi.ObjectKind(ctx, db, name); err == nil {
			if k == endpoint.ObjectAbsent {
				return "no object of that name"
			}
			return "it is a " + string(k) + ", not a base table"
		}
	}
	return "no base table of that name"
}

func cloneCols(t *schema.Table) *schema.Table {
	c := *t
	c.Columns = append([]schema.Column(nil), t.Columns...)
	return &c
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// side is one endpoint (or a snapshot of it) seen from a prepared table.
type side struct {
	ep     endpoint.Endpoint
	t      *schema.Table // real table
	ht     *schema.Table // table for the pushed-down hash
	cols   []string
	key    []string
	where  string
	source bool
}

func (p *prepared) sides(s, d endpoint.Endpoint) (side, side) {
	return side{ep: s, t: p.src, ht: p.hsrc, cols: p.cols, key: p.key, where: p.t.Where, source: true},
		side{ep: d, t: p.dst, ht: p.hdst, cols: p.dcols, key: p.dkey}
}

func (s side) readReq(c change.Chunk) endpoint.ReadRequest {
	return endpoint.ReadRequest{Table: s.t, Columns: s.cols, Key: s.key, Where: s.where, Chunk: c}
}

// encodeKey is the canonical map key of a row's key values.
func (p *prepared) encodeKey(row change.Row) string {
	var b []byte
	for i, ki := range p.keyIdx {
		_ = i
		b = p.codecs[ki].appendValue(b, row[ki])
	}
	return string(b)
}

func (p *prepared) keyOf(row change.Row) change.Key {
	k := make(change.Key, len(p.keyIdx))
	for i, ki := range p.keyIdx {
		k[i] = row[ki]
	}
	return k
}

// keyText renders key values for humans: "id=42, line=3".
func (p *prepared) keyText(k change.Key) string {
	parts := make([]string, len(k))
	for i, v := range k {
		parts[i] = p.key[i] + "=" + valueText(v)
	}
	return strings.Join(parts, ", ")
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		for _, c := range x {
			if c < 0x20 || c == 0x7f {
				return "0x" + fmt.Sprintf("%X", x)
			}
		}
		return string(x)
	}
	return textOf(v)
}
