// Command benchrun runs the bench/ workloads for pgmoon, pgx and lib/pq
// against one server and prints medians and ratios to pgx; see package
// harness and the bench package documentation.
//
//	cd bench && go run ./cmd/benchrun -out results.md -svg ratios.svg
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/pgmoon-go/pgmoon/bench/harness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := harness.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
