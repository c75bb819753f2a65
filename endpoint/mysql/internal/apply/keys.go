package apply

import (
	"errors"
	"strings"

	"github.com/godwit/godwit/change"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/schema"
)

// Err classifies an apply failure with the data path's rules (myerr.DataPath): connection
// losses, deadlocks and lock timeouts are KindUnavailable and retried by the caller.
func Err(what string, err error) error {
	var ee *errs.Error
	if errors.As(err, &ee) {
		return err
	}
	return myerr.DataPath(errs.CodeIncrApply, "target: "+what+": "+err.Error(),
		"Check the target table matches the source (columns, types, constraints); transient failures are retried.", err)
}

// colKinds returns the literal kinds of cols in t (unknown columns render as text).
func colKinds(t *schema.Table, cols []string) []sqlval.Kind {
	out := make([]sqlval.Kind, len(cols))
	for i, c := range cols {
		out[i] = sqlval.KindOf(t.Column(c))
	}
	return out
}

// keyIndexes returns the positions of key within cols (-1 for a missing one).
func keyIndexes(cols, key []string) []int {
	idx := make([]int, len(key))
	for i, k := range key {
		idx[i] = -1
		for j, c := range cols {
			if strings.EqualFold(c, k) {
				idx[i] = j
				break
			}
		}
	}
	return idx
}

var errNoKeyCol = errors.New("a key column is missing from the change")

func keyOf(r change.Row, idx []int) (change.Key, error) {
	k := make(change.Key, len(idx))
	for i, j := range idx {
		if j < 0 || j >= len(r) {
			return nil, errNoKeyCol
		}
		k[i] = r[j]
	}
	return k, nil
}
