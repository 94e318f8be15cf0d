package cli

import (
	"context"

	"github.com/pgmoon-go/pgmoon"
)

// QueryFunc runs one catalog query (simple protocol) and returns its result.
type QueryFunc func(ctx context.Context, sql string) (*pgmoon.Result, error)

// isDescribe reports whether a meta-command name (without the backslash, with
// its modifiers such as "dt+" or "dS") is handled by Describe.
// PLACEHOLDER.
func isDescribe(cmd string) bool { return false }

// Describe runs a \d-family command: cmd is its name with modifiers ("d",
// "dt+", "dfS"...), args its arguments (patterns). serverVersion is
// server_version_num. It returns the tables to print in order. A user-facing
// failure (such as `Did not find any relation named "x".`) is an error whose
// text is printed as it is.
// PLACEHOLDER.
func Describe(ctx context.Context, q QueryFunc, serverVersion int, cmd string, args []string) ([]*Table, error) {
	return nil, nil
}

// DescribeMessage is a describe command's message printed instead of a
// table, such as "Did not find any relations.". PLACEHOLDER.
type DescribeMessage struct {
	Text   string
	Stderr bool // printed on standard error with the script prefix
	Failed bool // the command counts as failed (ON_ERROR_STOP)
}

func (m *DescribeMessage) Error() string { return m.Text }
