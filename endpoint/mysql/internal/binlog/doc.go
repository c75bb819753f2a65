// Package binlog is change capture from a MySQL-family binary log: positions ("file:pos",
// Pos, ParsePos, ordering by file sequence), dump connections with a heartbeat-based
// silence watchdog (Conn), decoding of row events with the table map's own metadata
// (binlog_row_metadata=FULL: names, signedness, ENUM/SET members, charsets — never today's
// catalog), and the assembly of events into whole committed transactions (change.Txn, each
// with the position just past its commit). Source implements endpoint.ChangeReader; package
// mysql's Endpoint delegates to it. Decoding never panics on malformed events: a bad event
// is an error (see FuzzDecodeEvent). It depends on packages change, endpoint, errs, model,
// myerr and sqlval, and on go-mysql's replication parser.
package binlog
