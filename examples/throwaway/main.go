// Command throwaway starts a throwaway PostgreSQL server with pgtest, runs
// SQL on it with pgmoon's SimpleQuery, prints each result the way psql does,
// and removes the server again.
//
// Usage:
//
//	go run ./examples/throwaway [-c SQL] [-trace]
//
// It needs PostgreSQL's server binaries (initdb, postgres) on this machine,
// for example from Debian's postgresql package, or PGMOON_TEST_DSN naming an
// existing server.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

func main() {
	sql := flag.String("c", "select version(); select 'hello from pgmoon' as greeting, 42 as answer", "SQL to run (several statements may be separated by ;)")
	trace := flag.Bool("trace", false, "print every protocol message to stderr")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: throwaway [-c SQL] [-trace]")
		flag.PrintDefaults()
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *sql, *trace); err != nil {
		fmt.Fprintln(os.Stderr, "throwaway:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, sql string, trace bool) error {
	srv, err := pgtest.Start(ctx)
	if err != nil {
		return err
	}
	defer srv.Close()

	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		return err
	}
	if trace {
		cfg.Tracer = protocol.NewTracer(os.Stderr)
	}
	conn, err := pgmoon.Connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())

	results, err := conn.SimpleQuery(ctx, sql)
	for _, r := range results {
		printResult(out, r)
	}
	return err
}

// printResult prints a result as an aligned table followed by "(N rows)", or
// the command tag for statements that return no rows.
func printResult(w io.Writer, r *pgmoon.Result) {
	for _, n := range r.Notices {
		fmt.Fprintln(w, n.String())
	}
	if r.Err != nil {
		return
	}
	if r.Fields == nil {
		fmt.Fprintln(w, r.CommandTag.String())
		return
	}
	widths := make([]int, len(r.Fields))
	for i, f := range r.Fields {
		widths[i] = len(f.Name)
	}
	for _, row := range r.Rows {
		for i, v := range row {
			widths[i] = max(widths[i], len(v))
		}
	}
	cells := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		pad := widths[i] - len(f.Name)
		cells[i] = strings.Repeat(" ", pad/2) + f.Name + strings.Repeat(" ", pad-pad/2)
	}
	fmt.Fprintln(w, " "+strings.Join(cells, " | "))
	for i := range cells {
		cells[i] = strings.Repeat("-", widths[i]+2)
	}
	fmt.Fprintln(w, strings.Join(cells, "+"))
	for _, row := range r.Rows {
		for i, v := range row {
			cells[i] = string(v) + strings.Repeat(" ", widths[i]-len(v))
		}
		fmt.Fprintln(w, " "+strings.Join(cells, " | "))
	}
	if n := len(r.Rows); n == 1 {
		fmt.Fprintln(w, "(1 row)")
	} else {
		fmt.Fprintf(w, "(%d rows)\n", n)
	}
	fmt.Fprintln(w)
}
