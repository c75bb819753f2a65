package service

import (
	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// mqSettingsOnlyForMQ refuses commonTransferConfig's message-queue settings on a project
// whose target is not a message queue: they would be accepted and ignored.
func mqSettingsOnlyForMQ(p *model.Project, dst model.DataSourceType) error {
	if dst == model.TypeKafka {
		return nil
	}
	c := p.CommonTransferConfig
	field := ""
	switch {
	case c.MqSerializerType != "":
		field = "mqSerializerType"
	case c.MqPartitionMode != "":
		field = "mqPartitionMode"
	case c.MqPartition != 0:
		field = "mqPartition"
	case c.MqTopic != "":
		field = "mqTopic"
	case c.MqTopicPrefix != "":
		field = "mqTopicPrefix"
	case c.MqWithSchema:
		field = "mqWithSchema"
	case c.MqDecimalHandlingMode != "":
		field = "mqDecimalHandlingMode"
	}
	if field == "" {
		return nil
	}
	return errs.Invalid("commonTransferConfig.%s applies only to a KAFKA target; the target is %s", field, dst)
}
