package postgres

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// SQL shown with verification differences and the corrections, in PostgreSQL's dialect.
// Tables are catalog-read (PostgreSQL types); values are in the change conventions (the
// source's MySQL forms).

// literal renders v as a PostgreSQL literal for a column of kind cm.
func literal(cm *colMap, v any) (string, error) {
	if v == nil {
		return "NULL", nil
	}
	s, isText := textOf(v)
	switch cm.Kind {
	case kInt2, kInt4, kInt8, kNumeric:
		if !isText {
			if f, ok := v.(float64); ok {
				return strconv.FormatFloat(f, 'f', -1, 64), nil
			}
			return "", fmt.Errorf("column %s: %T is not a number", cm.Name, v)
		}
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return "", fmt.Errorf("column %s: %q is not a number", cm.Name, s)
		}
		return strings.TrimSpace(s), nil
	case kBool:
		switch s {
		case "0":
			return "false", nil
		case "1":
			return "true", nil
		}
		return "", fmt.Errorf("column %s: %q is not a boolean", cm.Name, s)
	case kFloat4, kFloat8:
		var f float64
		bits := 64
		switch x := v.(type) {
		case float32:
			f, bits = float64(x), 32
		case float64:
			f = x
		default:
			var err error
			if f, err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
				return "", fmt.Errorf("column %s: %q is not a float", cm.Name, s)
			}
		}
		typ := "float8"
		if cm.Kind == kFloat4 {
			typ, bits = "float4", 32
		}
		switch {
		case math.IsNaN(f):
			return "'NaN'::" + typ, nil
		case math.IsInf(f, 1):
			return "'Infinity'::" + typ, nil
		case math.IsInf(f, -1):
			return "'-Infinity'::" + typ, nil
		}
		return "'" + strconv.FormatFloat(f, 'g', -1, bits) + "'::" + typ, nil
	case kBytea:
		p, _ := bytesOf(v)
		if p == nil && isText {
			p = []byte(s)
		}
		return "'\\x" + hex.EncodeToString(p) + "'::bytea", nil
	case kBit:
		p, ok := bytesOf(v)
		if !ok {
			return "", fmt.Errorf("column %s: %T is not a bit string", cm.Name, v)
		}
		t, err := bitTextOf(p, cm.Bits)
		if err != nil {
			return "", err
		}
		return "B'" + t + "'", nil
	case kInterval:
		return quoteLiteral(s) + "::interval", nil
	}
	if !isText {
		return "", fmt.Errorf("column %s: %T has no literal", cm.Name, v)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", fmt.Errorf("column %s: the value holds a NUL byte, which PostgreSQL text cannot store", cm.Name)
	}
	return quoteLiteral(s), nil
}

func keyCond(t *schema.Table, key []string, k change.Key) (string, error) {
	kc, err := readCols(t, key)
	if err != nil {
		return "", err
	}
	if len(k) != len(kc) {
		return "", fmt.Errorf("key has %d values for %d columns", len(k), len(kc))
	}
	parts := make([]string, len(kc))
	for i := range kc {
		l, err := literal(&kc[i], k[i])
		if err != nil {
			return "", err
		}
		parts[i] = quoteIdent(kc[i].Name) + " = " + l
	}
	return strings.Join(parts, " AND "), nil
}

// RenderSelect renders the SELECT showing the row with key k.
func (e *Endpoint) RenderSelect(t *schema.Table, cols, key []string, k change.Key) (string, error) {
	w, err := keyCond(t, key, k)
	if err != nil {
		return "", err
	}
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	return "SELECT " + identList(cols) + " FROM " + quoteTable(t.Schema, t.Name) + " WHERE " + w + ";", nil
}

// RenderReplace renders an upsert of row (generated columns left to the server).
func (e *Endpoint) RenderReplace(t *schema.Table, cols []string, row change.Row) (string, error) {
	cms, err := readCols(t, cols)
	if err != nil {
		return "", err
	}
	if len(cols) == 0 {
		cols = t.ColumnNames()
	}
	var names, vals, sets []string
	key := map[string]bool{}
	for _, k := range t.PrimaryKey {
		key[strings.ToLower(k)] = true
	}
	for i := range cms {
		if c := t.Column(cms[i].Name); c != nil && c.Generated != "" {
			continue
		}
		l, err := literal(&cms[i], row[i])
		if err != nil {
			return "", err
		}
		names = append(names, quoteIdent(cms[i].Name))
		vals = append(vals, l)
		if !key[strings.ToLower(cms[i].Name)] {
			sets = append(sets, quoteIdent(cms[i].Name)+" = EXCLUDED."+quoteIdent(cms[i].Name))
		}
	}
	q := "INSERT INTO " + quoteTable(t.Schema, t.Name) + " (" + strings.Join(names, ", ") + ") OVERRIDING SYSTEM VALUE VALUES (" + strings.Join(vals, ", ") + ")"
	if len(t.PrimaryKey) > 0 {
		q += " ON CONFLICT (" + identList(t.PrimaryKey) + ")"
		if len(sets) > 0 {
			q += " DO UPDATE SET " + strings.Join(sets, ", ")
		} else {
			q += " DO NOTHING"
		}
	}
	return q + ";", nil
}

// RenderDelete renders the DELETE of the row with key k.
func (e *Endpoint) RenderDelete(t *schema.Table, key []string, k change.Key) (string, error) {
	w, err := keyCond(t, key, k)
	if err != nil {
		return "", err
	}
	return "DELETE FROM " + quoteTable(t.Schema, t.Name) + " WHERE " + w + ";", nil
}

// ExecStatements runs statements in one transaction and returns the rows they touched.
func (e *Endpoint) ExecStatements(ctx context.Context, stmts []string) (int64, error) {
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return 0, pgErr(errs.CodeVerifyFailed, "beginning a transaction", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var n int64
	for _, s := range stmts {
		tag, err := tx.Exec(ctx, s)
		if err != nil {
			return 0, pgErr(errs.CodeVerifyFailed, "applying a correction ("+clip(s)+")", err)
		}
		n += tag.RowsAffected()
	}
	return n, pgErr(errs.CodeVerifyFailed, "committing corrections", tx.Commit(ctx))
}
