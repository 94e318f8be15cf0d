package pgmoon

import (
	"fmt"
	"strconv"

	"github.com/pgmoon-go/pgmoon/types"
)

// QueryExecMode says how Query, QueryRow, Exec and SendBatch run a
// statement. Set it for a connection with Config.DefaultExecMode (or
// default_query_exec_mode in the connection string), or for one call by
// passing it as the first argument after the SQL, before any parameter:
//
//	conn.Query(ctx, sql, pgmoon.ExecModeSimpleProtocol, arg1, arg2)
//
// Every extended-protocol mode sends the statement and its parameters
// separately; only ExecModeSimpleProtocol puts values into the SQL text,
// quoted by the driver.
type QueryExecMode int

const (
	// ExecModeCacheStatement (the default) prepares each distinct SQL text
	// as a named statement the first time the connection runs it, which
	// takes one extra round trip, and keeps it in a least-recently-used
	// cache of Config.StatementCacheCapacity statements. Every later run is
	// one round trip (Bind, Execute, Sync) with parameters encoded for the
	// types the server described, in binary where the type allows.
	//
	// A cached statement the server no longer accepts (its result type
	// changed after ALTER TABLE, SQLSTATE 0A000, or it was removed by
	// DISCARD ALL or DEALLOCATE, 26000) is dropped and the call prepared
	// again and retried once, when the connection was outside a
	// transaction block and no row had been returned. Inside a transaction
	// the error is returned (the transaction has failed anyway), and the
	// statement is prepared afresh on its next use.
	ExecModeCacheStatement QueryExecMode = iota

	// ExecModeCacheDescribe uses only the unnamed statement, so nothing
	// outlives a Sync on the server: this is the mode to use behind a
	// pooler in transaction mode (PgBouncer before 1.21, or with
	// max_prepared_statements = 0). The description of each SQL text (its
	// parameter and result types) is cached, in an LRU of
	// Config.DescriptionCacheCapacity entries, after one describe round
	// trip; later runs are one round trip (Parse, Bind, Describe, Execute,
	// Sync). The result columns the server reports on each run are checked
	// against the cached ones, so a changed table is noticed: rows are
	// decoded by what the server sent, and the cached description is
	// dropped, to be described again on the next run.
	ExecModeCacheDescribe

	// ExecModeDescribeExec describes every statement before running it,
	// with the unnamed statement and no cache: two round trips per call,
	// always up to date, and safe behind any pooler.
	ExecModeDescribeExec

	// ExecModeExec runs the unnamed statement in one round trip without a
	// describe step, as libpq's PQexecParams does: the server infers every
	// parameter's type from the statement, and each argument is sent as
	// text, rendered from its Go value (nil, bool, integers, floats,
	// strings, time.Time, driver.Valuer; []byte is sent as bytea). Results
	// arrive in text. Argument count mistakes are reported by the server.
	ExecModeExec

	// ExecModeSimpleProtocol sends the statement with the simple query
	// protocol. Arguments, if any, are rendered as SQL literals by the
	// driver (see QuoteLiteral) and put in place of $1, $2, … by a lexer
	// that skips strings, quoted identifiers, dollar quotes and comments;
	// each value is set off by spaces (and, when negative or quoted, put
	// in parentheses) so that it cannot join the text around it. The SQL may hold several statements; their rows come one
	// result after another. Results arrive in text. Use it for servers or
	// proxies that do not speak the extended protocol.
	ExecModeSimpleProtocol
)

var execModeNames = [...]string{
	ExecModeCacheStatement: "cache_statement",
	ExecModeCacheDescribe:  "cache_describe",
	ExecModeDescribeExec:   "describe_exec",
	ExecModeExec:           "exec",
	ExecModeSimpleProtocol: "simple_protocol",
}

// String returns the mode's name as default_query_exec_mode spells it.
func (m QueryExecMode) String() string {
	if m >= 0 && int(m) < len(execModeNames) {
		return execModeNames[m]
	}
	return "QueryExecMode(" + strconv.Itoa(int(m)) + ")"
}

func (m QueryExecMode) valid() bool { return m >= 0 && int(m) < len(execModeNames) }

// parseExecMode reads a default_query_exec_mode value.
func parseExecMode(s string) (QueryExecMode, error) {
	for m, name := range execModeNames {
		if s == name {
			return QueryExecMode(m), nil
		}
	}
	return 0, fmt.Errorf("invalid default_query_exec_mode %q: want cache_statement, cache_describe, describe_exec, exec or simple_protocol", s)
}

// callOptions are what the leading option arguments of a query set.
type callOptions struct {
	mode          QueryExecMode
	resultFormats QueryResultFormats
	sqlValues     bool // the results become database/sql values: see sqlResultFormat
}

// splitOptions takes the leading QueryExecMode and QueryResultFormats
// values off args.
func (c *Conn) splitOptions(args []any) (callOptions, []any, error) {
	o := callOptions{mode: c.cfg.DefaultExecMode}
	for len(args) > 0 {
		switch v := args[0].(type) {
		case QueryExecMode:
			if !v.valid() {
				return o, nil, fmt.Errorf("invalid %v", v)
			}
			o.mode = v
		case QueryResultFormats:
			for _, f := range v {
				if f != types.TextFormat && f != types.BinaryFormat {
					return o, nil, fmt.Errorf("QueryResultFormats: invalid format %d", f)
				}
			}
			o.resultFormats = v
		default:
			return o, args, nil
		}
		args = args[1:]
	}
	return o, args, nil
}
