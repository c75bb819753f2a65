package drs

import (
	"encoding/json"
	"testing"

	"github.com/godwit/godwit/meta"
	"github.com/godwit/godwit/model"
	"github.com/godwit/godwit/steps"
)

// TestUncomparedTablesAreNeverConsistent renders FULL_VERIFIER table states of a table whose
// target table is missing (0 rows counted on both sides), one that could not be read, one
// consistent table and one from before result types were recorded: the line comparison of
// the uncompared tables shows TARGET_DB_NOT_EXIST / FAILED_TO_COMPARE (never CONSISTENT),
// and the object overview does not count a missing target table as present.
func TestUncomparedTablesAreNeverConsistent(t *testing.T) {
	state := func(table string, x steps.VerifyTableExtra) meta.TableState {
		b, _ := json.Marshal(x)
		return meta.TableState{Table: table, Target: table, Step: model.StepFullVerify, Status: "FINISHED", Extra: string(b)}
	}
	vs := &verifyState{step: &model.Step{Name: model.StepFullVerify, Status: model.StepFinished}}
	vs.tables = verifyTablesOf([]meta.TableState{
		state("d.missing", steps.VerifyTableExtra{Result: "INCONSISTENT", ResultType: "TARGET_TABLE_NOT_EXIST", Message: "target table d.missing does not exist"}),
		state("d.broken", steps.VerifyTableExtra{Result: "INCONSISTENT", ResultType: "RUNTIME_EXCEPTION", Message: "cannot read"}),
		state("d.same", steps.VerifyTableExtra{Result: "CONSISTENT", ResultType: "CONSISTENT", Compared: true, SrcRows: 3, DstRows: 3}),
		{Table: "d.old", Target: "d.old", Extra: `{"result":"CONSISTENT","srcRows":2,"dstRows":2}`},
	})
	want := map[string]string{"missing": "TARGET_DB_NOT_EXIST", "broken": "FAILED_TO_COMPARE", "same": "CONSISTENT", "old": "CONSISTENT"}
	for _, tb := range vs.tables {
		if got := tb.lineStatus(vs); got != want[tb.SrcTable] {
			t.Errorf("%s: line status %s, want %s", tb.SrcTable, got, want[tb.SrcTable])
		}
	}
	if src, dst := vs.tableCounts(); src != 4 || dst != 3 {
		t.Errorf("table counts %d/%d, want 4 source and 3 target tables", src, dst)
	}
	if dbs := databasesOf(vs.tables, vs); len(dbs) != 1 || dbs[0].status != "INCONSISTENT" {
		t.Errorf("database status %+v", dbs)
	}
}
