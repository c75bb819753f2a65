package mysql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/godwit/godwit/endpoint"
	"github.com/godwit/godwit/endpoint/mysql/internal/apply"
	"github.com/godwit/godwit/endpoint/mysql/internal/myerr"
	"github.com/godwit/godwit/endpoint/mysql/internal/sqlval"
	"github.com/godwit/godwit/errs"
)

var _ endpoint.ChangeApplier = (*Endpoint)(nil)

// checkpointTable is the name of godwit's checkpoint table inside the checkpoint schema.
const checkpointTable = "checkpoint"

// LoadCheckpoints implements endpoint.ChangeApplier.
func (e *Endpoint) LoadCheckpoints(ctx context.Context, schemaName, stream string) ([]endpoint.Checkpoint, error) {
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS " + sqlval.QuoteIdent(schemaName),
		"CREATE TABLE IF NOT EXISTS " + sqlval.QuoteTable(schemaName, checkpointTable) + ` (
  stream VARCHAR(64) NOT NULL,
  worker INT NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  pos VARCHAR(512) NOT NULL,
  ts BIGINT NOT NULL,
  updated TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (stream, worker)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='godwit incremental apply checkpoints; one row per apply worker'`,
	} {
		if _, err := e.db.ExecContext(ctx, q); err != nil {
			return nil, apply.Err("creating the checkpoint table", err)
		}
	}
	rows, err := e.db.QueryContext(ctx, "SELECT worker, seq, pos, ts FROM "+sqlval.QuoteTable(schemaName, checkpointTable)+
		" WHERE stream = ? ORDER BY worker", stream)
	if err != nil {
		return nil, apply.Err("reading checkpoints", err)
	}
	defer rows.Close()
	var out []endpoint.Checkpoint
	for rows.Next() {
		var c endpoint.Checkpoint
		if err := rows.Scan(&c.Worker, &c.Seq, &c.Pos, &c.Time); err != nil {
			return nil, apply.Err("reading checkpoints", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, apply.Err("reading checkpoints", err)
	}
	return out, nil
}

// SaveCheckpoints implements endpoint.ChangeApplier.
func (e *Endpoint) SaveCheckpoints(ctx context.Context, schemaName, stream string, cps []endpoint.Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	q := checkpointUpsert(schemaName, stream, cps...)
	if _, err := e.db.ExecContext(ctx, q); err != nil {
		return apply.Err("saving checkpoints", err)
	}
	return nil
}

// DropCheckpoints implements endpoint.ChangeApplier.
func (e *Endpoint) DropCheckpoints(ctx context.Context, schemaName, stream string) error {
	_, err := e.db.ExecContext(ctx, "DELETE FROM "+sqlval.QuoteTable(schemaName, checkpointTable)+" WHERE stream = ?", stream)
	var me *gomysql.MySQLError
	if errors.As(err, &me) && (me.Number == 1146 || me.Number == 1049) { // no table / no database
		return nil
	}
	if err != nil {
		return apply.Err("dropping checkpoints", err)
	}
	return nil
}

func checkpointUpsert(schemaName, stream string, cps ...endpoint.Checkpoint) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(sqlval.QuoteTable(schemaName, checkpointTable))
	b.WriteString(" (stream, worker, seq, pos, ts) VALUES ")
	for i, c := range cps {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "(%s,%d,%d,%s,%d)", sqlval.QuoteString(stream), c.Worker, c.Seq, sqlval.QuoteString(c.Pos), c.Time)
	}
	b.WriteString(" ON DUPLICATE KEY UPDATE seq=VALUES(seq), pos=VALUES(pos), ts=VALUES(ts)")
	return b.String()
}

// Apply implements endpoint.ChangeApplier: the batch's statements and its checkpoint row
// in one transaction.
func (e *Endpoint) Apply(ctx context.Context, b *endpoint.ApplyBatch) (endpoint.ApplyResult, error) {
	var res endpoint.ApplyResult
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return res, apply.Err("connecting", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0"); err != nil {
		return res, apply.Err("preparing the session", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, apply.Err("beginning a transaction", err)
	}
	defer tx.Rollback()
	// The checkpoint row comes first: it is the marker by which the other stream's capture
	// recognises this transaction as godwit's (no loops), and a capture that receives a large
	// transaction in parts must see the marker in the first part.
	if _, err := tx.ExecContext(ctx, checkpointUpsert(b.Schema, b.Stream, b.CP)); err != nil {
		return res, apply.Err("saving the checkpoint", err)
	}
	if b.Safe || b.Policy == "overwrite" || b.Policy == "" {
		err = apply.Upserts(ctx, tx, b.Changes)
	} else {
		res.Conflicts, err = apply.Strict(ctx, tx, b.Changes, b.Policy)
	}
	if err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, apply.Err("committing", err)
	}
	return res, nil
}

// ExecDDL implements endpoint.ChangeApplier. Errors meaning "already done" (duplicate
// column, duplicate key name, table exists, unknown column/key on drop) count as success,
// so a DDL re-run after a crash before its checkpoint converges.
func (e *Endpoint) ExecDDL(ctx context.Context, stmt string) error {
	_, err := e.db.ExecContext(ctx, stmt)
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1050, // table exists
			1060, // duplicate column name
			1061, // duplicate key name
			1091, // can't DROP; check that column/key exists
			1007, // database exists
			1008, // database doesn't exist (drop)
			1051: // unknown table (drop)
			return nil
		}
	}
	if err != nil {
		return errs.As(myerr.DataPath(errs.CodeIncrDDL, "applying DDL on the target failed: "+err.Error(),
			"Check the statement against the target; fix the target table by hand and resume, or drop the DDL type from supportDDLTypes.", err)).
			With("statement", truncate(stmt, 300))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
