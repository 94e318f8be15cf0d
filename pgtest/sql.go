package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// withConn connects to dsn, calls f, and closes the connection.
func withConn(ctx context.Context, dsn string, f func(*pgmoon.Conn) error) (err error) {
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if cerr := conn.Close(closeCtx); err == nil && cerr != nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	return f(conn)
}

// runSQL runs each statement in its own simple query, in order, on one
// connection, so session settings carry from one statement to the next.
func runSQL(ctx context.Context, dsn string, stmts ...string) error {
	return withConn(ctx, dsn, func(conn *pgmoon.Conn) error {
		for _, q := range stmts {
			if _, err := conn.SimpleQuery(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

// queryValue runs a query returning one value and returns it as text.
func queryValue(ctx context.Context, dsn, query string) (string, error) {
	row, err := queryRow(ctx, dsn, query)
	if err != nil {
		return "", err
	}
	if len(row) != 1 {
		return "", fmt.Errorf("%q: want one value, got %d", query, len(row))
	}
	return row[0], nil
}

// queryRow runs a query returning one row of non-null values and returns
// them as text.
func queryRow(ctx context.Context, dsn, query string) (row []string, err error) {
	err = withConn(ctx, dsn, func(conn *pgmoon.Conn) error {
		res, err := conn.SimpleQuery(ctx, query)
		if err != nil {
			return err
		}
		if len(res) != 1 || len(res[0].Rows) != 1 {
			return fmt.Errorf("%q: want one row", query)
		}
		for _, v := range res[0].Rows[0] {
			if v == nil {
				return fmt.Errorf("%q: want non-null values", query)
			}
			row = append(row, string(v))
		}
		return nil
	})
	return row, err
}

// ping connects and runs select 1.
func ping(ctx context.Context, dsn string) error {
	return runSQL(ctx, dsn, "select 1")
}

// sqlState returns the SQLSTATE of a server error, "" for any other error.
func sqlState(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// quoteIdent double-quotes a name pgtest generated. Such names are made of
// [a-z0-9_] only; anything else is a bug in pgtest, not input to escape.
func quoteIdent(name string) string {
	if name == "" || len(name) > 63 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		panic(fmt.Sprintf("pgtest: bad generated identifier %q", name))
	}
	return `"` + name + `"`
}

// quoteLiteral quotes s as a standard-conforming SQL string literal.
func quoteLiteral(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		panic("pgtest: NUL in SQL literal")
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// randomHex returns n random bytes as 2n lower-case hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
