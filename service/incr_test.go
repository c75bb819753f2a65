package service

import (
	"strings"
	"testing"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

func TestValidateIncr(t *testing.T) {
	good := func() model.IncrTransferConfig {
		p := model.Project{EnableIncrTransfer: true}
		p.ApplyDefaults()
		return p.IncrTransferConfig
	}
	c := good()
	c.ConflictPolicy, c.SupportDDLTypes = " Ignore ", []string{"add_column"}
	if err := validateIncr(&c); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	if c.ConflictPolicy != "ignore" || c.SupportDDLTypes[0] != "ADD_COLUMN" {
		t.Errorf("not normalised: %q %v", c.ConflictPolicy, c.SupportDDLTypes)
	}
	for name, mut := range map[string]func(*model.IncrTransferConfig){
		"conflictPolicy":      func(c *model.IncrTransferConfig) { c.ConflictPolicy = "merge" },
		"ddlPolicy":           func(c *model.IncrTransferConfig) { c.DDLPolicy = "ask" },
		"storeFsync":          func(c *model.IncrTransferConfig) { c.StoreFsync = "sometimes" },
		"checkpointSchema":    func(c *model.IncrTransferConfig) { c.CheckpointSchema = "a`b" },
		"supportDDLTypes":     func(c *model.IncrTransferConfig) { c.SupportDDLTypes = []string{"DROP_EVERYTHING"} },
		"recordTypeWhiteList": func(c *model.IncrTransferConfig) { c.RecordTypeWhiteList = []string{"SELECT"} },
		"incrSyncConcurrency": func(c *model.IncrTransferConfig) { c.IncrSyncConcurrency = 1000 },
	} {
		c := good()
		mut(&c)
		err := validateIncr(&c)
		if e := errs.As(err); err == nil || e.Code != errs.CodeParam || !strings.Contains(e.Message, name) {
			t.Errorf("%s: got %v, want a PARAM_ERROR naming the field", name, err)
		}
	}
}
