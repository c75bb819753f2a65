package steps

import (
	"context"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/schema"
)

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
