package service

import (
	"strings"
	"testing"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// TestMQSettingsRefusedOnDatabaseTargets: a message-queue setting on a MariaDB target is a
// PARAM_ERROR naming the field, not a setting silently ignored; on a Kafka target it passes.
func TestMQSettingsRefusedOnDatabaseTargets(t *testing.T) {
	p := &model.Project{CommonTransferConfig: model.CommonTransferConfig{MqSerializerType: "CANAL"}}
	err := mqSettingsOnlyForMQ(p, model.TypeMariaDB)
	if e := errs.As(err); e == nil || e.Code != errs.CodeParam || !strings.Contains(e.Message, "mqSerializerType") {
		t.Fatalf("got %v", err)
	}
	if err := mqSettingsOnlyForMQ(p, model.TypeKafka); err != nil {
		t.Fatalf("Kafka target: %v", err)
	}
	if err := mqSettingsOnlyForMQ(&model.Project{}, model.TypeMariaDB); err != nil {
		t.Fatalf("no MQ settings: %v", err)
	}
}
