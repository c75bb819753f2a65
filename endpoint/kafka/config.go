package kafka

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/godwit/godwit/errs"
	"github.com/godwit/godwit/model"
)

// Serializer is commonTransferConfig.mqSerializerType.
type Serializer string

const (
	SerDefault         Serializer = "DEFAULT"
	SerCanal           Serializer = "CANAL"
	SerDebezium        Serializer = "DEBEZIUM"
	SerDebeziumFlatten Serializer = "DEBEZIUMFLATTEN"
)

// PartitionMode is commonTransferConfig.mqPartitionMode.
type PartitionMode string

const (
	PartOne   PartitionMode = "ONE"
	PartHash  PartitionMode = "HASH"
	PartTable PartitionMode = "TABLE"
)

// Decimal handling modes (Debezium's decimal.handling.mode).
const (
	DecimalPrecise = "precise"
	DecimalString  = "string"
	DecimalDouble  = "double"
)

// DefaultTopicPrefix prefixes per-table topics when mqTopicPrefix is empty.
const DefaultTopicPrefix = "godwit"

// connConfig is what a KAFKA data source says about reaching the brokers (the OMS
// connExtraAttributes: endpoint, username, enableSSL, enableSASL, saslMechanism,
// disableIdentificationAlgorithm).
type connConfig struct {
	Brokers   []string
	SSL       bool
	NoHostVer bool // disableIdentificationAlgorithm: certificate chain checked, host name not
	SASL      bool
	Mechanism string // PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
	User      string
	Password  string
}

func optBool(ds model.DataSource, k string) (bool, error) {
	v, ok := ds.Options[k]
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errs.Invalid("options.%s %q must be true or false", k, v)
	}
	return b, nil
}

// parseConn validates a KAFKA data source. Errors are PARAM_ERROR naming the field.
func parseConn(ds model.DataSource) (connConfig, error) {
	var c connConfig
	if ep := strings.TrimSpace(ds.Options["endpoint"]); ep != "" {
		for _, b := range strings.Split(ep, ",") {
			b = strings.TrimSpace(b)
			if b == "" {
				continue
			}
			host, port, err := net.SplitHostPort(b)
			if err != nil || host == "" {
				return c, errs.Invalid("options.endpoint: broker %q must be host:port (several are separated by commas)", b)
			}
			if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
				return c, errs.Invalid("options.endpoint: broker %q has no valid port", b)
			}
			c.Brokers = append(c.Brokers, b)
		}
	}
	if len(c.Brokers) == 0 {
		if strings.TrimSpace(ds.Host) == "" || ds.Port <= 0 {
			return c, errs.Invalid("a KAFKA data source needs options.endpoint (host:port[,host:port…]) or host and port")
		}
		c.Brokers = []string{net.JoinHostPort(ds.Host, strconv.Itoa(ds.Port))}
	}
	var err error
	if c.SSL, err = optBool(ds, "enableSSL"); err != nil {
		return c, err
	}
	if c.NoHostVer, err = optBool(ds, "disableIdentificationAlgorithm"); err != nil {
		return c, err
	}
	if c.NoHostVer && !c.SSL {
		return c, errs.Invalid("options.disableIdentificationAlgorithm is set but options.enableSSL is not: it only applies to TLS connections")
	}
	if c.SASL, err = optBool(ds, "enableSASL"); err != nil {
		return c, err
	}
	c.User = ds.User
	if u := ds.Options["username"]; u != "" {
		if c.User != "" && c.User != u {
			return c, errs.Invalid("user %q and options.username %q differ: set one of them", c.User, u)
		}
		c.User = u
	}
	c.Password = ds.Password
	mech := strings.ToUpper(strings.TrimSpace(ds.Options["saslMechanism"]))
	if !c.SASL {
		switch {
		case mech != "":
			return c, errs.Invalid("options.saslMechanism %q is set but options.enableSASL is not true", mech)
		case c.User != "" || c.Password != "":
			return c, errs.Invalid("a user name or password is set but options.enableSASL is not true: Kafka uses them only for SASL authentication")
		}
		return c, nil
	}
	switch mech {
	case "", "PLAIN":
		c.Mechanism = "PLAIN"
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
		c.Mechanism = mech
	case "KERBEROS", "GSSAPI":
		return c, errs.New(errs.KindInvalid, errs.CodeParam,
			"options.saslMechanism KERBEROS is not supported by godwit",
			"Use SASL PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (over enableSSL for PLAIN) for the godwit user.")
	default:
		return c, errs.Invalid("options.saslMechanism %q must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", mech)
	}
	if c.User == "" {
		return c, errs.Invalid("options.enableSASL is true but no user name is set (user or options.username)")
	}
	return c, nil
}

// projConfig is what a project says about the messages (commonTransferConfig).
type projConfig struct {
	Serializer  Serializer
	Mode        PartitionMode
	Partition   int32
	Topic       string // single topic; "" = one per table
	Prefix      string
	WithSchema  bool
	DecimalMode string
	PosTopic    string // the positions topic (from incrTransferConfig.checkpointSchema)
}

func defaultProj() projConfig {
	return projConfig{Serializer: SerDefault, Mode: PartHash, Prefix: DefaultTopicPrefix, DecimalMode: DecimalPrecise,
		PosTopic: positionsTopic("")}
}

// positionsTopic is the compacted topic holding streams' acknowledged positions.
func positionsTopic(checkpointSchema string) string {
	if checkpointSchema == "" {
		checkpointSchema = "godwit"
	}
	return sanitizeTopic(checkpointSchema) + ".positions"
}

// parseProject validates a project's message settings. Errors are PARAM_ERROR naming the field.
func parseProject(p *model.Project) (projConfig, error) {
	c := defaultProj()
	if p == nil {
		return c, nil
	}
	ct := p.CommonTransferConfig
	switch s := Serializer(strings.ToUpper(strings.TrimSpace(ct.MqSerializerType))); s {
	case "":
	case SerDefault, SerCanal, SerDebezium, SerDebeziumFlatten:
		c.Serializer = s
	default:
		return c, errs.Invalid("commonTransferConfig.mqSerializerType %q is not supported for a KAFKA target (supported: DEFAULT, CANAL, DEBEZIUM, DEBEZIUMFLATTEN)", ct.MqSerializerType)
	}
	switch m := PartitionMode(strings.ToUpper(strings.TrimSpace(ct.MqPartitionMode))); m {
	case "":
	case PartOne, PartHash, PartTable:
		c.Mode = m
	default:
		return c, errs.Invalid("commonTransferConfig.mqPartitionMode %q must be ONE, HASH or TABLE", ct.MqPartitionMode)
	}
	if ct.MqPartition < 0 || ct.MqPartition > 1<<20 {
		return c, errs.Invalid("commonTransferConfig.mqPartition %d must be a partition number (0 or more)", ct.MqPartition)
	}
	if ct.MqPartition != 0 && c.Mode != PartOne {
		return c, errs.Invalid("commonTransferConfig.mqPartition is set but mqPartitionMode is %s: the partition applies only to mode ONE", c.Mode)
	}
	c.Partition = int32(ct.MqPartition)
	if ct.MqTopic != "" {
		if err := checkTopic(ct.MqTopic); err != nil {
			return c, errs.Invalid("commonTransferConfig.mqTopic %q %s", ct.MqTopic, err)
		}
		c.Topic = ct.MqTopic
	}
	if ct.MqTopicPrefix != "" {
		if c.Topic != "" {
			return c, errs.Invalid("commonTransferConfig.mqTopicPrefix and mqTopic are both set: a single topic has no prefix")
		}
		if err := checkTopic(ct.MqTopicPrefix); err != nil {
			return c, errs.Invalid("commonTransferConfig.mqTopicPrefix %q %s", ct.MqTopicPrefix, err)
		}
		c.Prefix = ct.MqTopicPrefix
	}
	c.WithSchema = ct.MqWithSchema
	if c.WithSchema && c.Serializer != SerDebezium && c.Serializer != SerDebeziumFlatten {
		return c, errs.Invalid("commonTransferConfig.mqWithSchema applies only to mqSerializerType DEBEZIUM or DEBEZIUMFLATTEN")
	}
	switch d := strings.ToLower(strings.TrimSpace(ct.MqDecimalHandlingMode)); d {
	case "":
	case DecimalPrecise, DecimalString, DecimalDouble:
		if c.Serializer != SerDebezium && c.Serializer != SerDebeziumFlatten {
			return c, errs.Invalid("commonTransferConfig.mqDecimalHandlingMode applies only to mqSerializerType DEBEZIUM or DEBEZIUMFLATTEN")
		}
		c.DecimalMode = d
	default:
		return c, errs.Invalid("commonTransferConfig.mqDecimalHandlingMode %q must be precise, string or double", ct.MqDecimalHandlingMode)
	}
	c.PosTopic = positionsTopic(p.IncrTransferConfig.CheckpointSchema)
	return c, nil
}

// checkProject is the creation-time check of a project with a KAFKA side.
func checkProject(p *model.Project, sink bool) error {
	if !sink {
		return errs.Invalid("sourceEndpointId: a KAFKA data source can only be a project's sink")
	}
	switch {
	case p.EnableFullVerify:
		return errs.Invalid("enableFullVerify: FULL_VERIFIER cannot run on a KAFKA target (a topic cannot be read back as a table); disable it")
	case p.EnableIncrVerify:
		return errs.Invalid("enableIncrVerify: incremental verification cannot run on a KAFKA target; disable it")
	case p.EnableReverseIncrTransfer:
		return errs.Invalid("enableReverseIncrTransfer: a KAFKA target cannot be the source of a reverse stream; disable it")
	case p.StructTransferConfig.DeferIndexCreation:
		return errs.Invalid("structTransferConfig.deferIndexCreation: a KAFKA target has no indexes; disable it")
	}
	_, err := parseProject(p)
	return err
}

// checkDataSource is the creation-time check of a KAFKA data source.
func checkDataSource(ds model.DataSource) error {
	_, err := parseConn(ds)
	return err
}

// checkTopic validates a Kafka topic name (or prefix) as the broker would.
func checkTopic(s string) error {
	if s == "." || s == ".." {
		return fmt.Errorf("is not a valid topic name")
	}
	if len(s) > 200 {
		return fmt.Errorf("is longer than 200 characters")
	}
	for _, r := range s {
		if !topicChar(r) {
			return fmt.Errorf("has the character %q: topic names use only ASCII letters, digits, '.', '_' and '-'", r)
		}
	}
	return nil
}

func topicChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// sanitizeTopic replaces every character a topic name cannot hold by '_' (as Debezium
// does for database and table names).
func sanitizeTopic(s string) string {
	var b strings.Builder
	for _, r := range s {
		if topicChar(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 249 {
		out = out[:249]
	}
	return out
}

// tableTopic is the topic of a target table: the single topic, or <prefix>.<db>.<table>.
func (c *projConfig) tableTopic(db, table string) string {
	if c.Topic != "" {
		return c.Topic
	}
	return sanitizeTopic(c.Prefix + "." + db + "." + table)
}

// ddlTopic is where DDL messages go: Debezium's schema-change topic is named after the
// prefix; the other formats put a table's DDL in the table's topic.
func (c *projConfig) ddlTopic(db, table string) string {
	if c.Serializer == SerDebezium || c.Serializer == SerDebeziumFlatten {
		if c.Topic != "" {
			return c.Topic
		}
		return sanitizeTopic(c.Prefix)
	}
	return c.tableTopic(db, table)
}
