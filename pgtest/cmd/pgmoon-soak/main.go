// Command pgmoon-soak runs pgmoon under faults for a while and checks that
// nothing was lost: a pool of workers does bank transfers in transactions
// while a chaos loop restarts the server, terminates and kills backends
// and flips faults on a proxy between the pool and the server. At the end
// the sum of the balances must be unchanged, every transfer the client saw
// commit must be in the table, the balances must match exactly the
// transfers in the table, no goroutine may be left, and every error must
// have been a typed, documented one. It prints a summary and exits 1 if a
// check failed.
//
// Usage, from inside the pgmoon module:
//
//	go run ./pgtest/cmd/pgmoon-soak [-duration 2m] [-workers 32] [-conns 16] [-accounts 100] [-seed N] [-dsn DSN]
//
// Without -dsn it starts a throwaway server from the local PostgreSQL
// binaries with pgtest (as root, the server runs as the postgres OS user,
// which root may signal). With -dsn it uses that server, in a database of
// its own that it drops afterwards (kept if a check failed), and neither
// restarts the server nor kills backends with SIGKILL.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/soak"
)

func main() {
	var o soak.Options
	flag.DurationVar(&o.Duration, "duration", 0, "how long transfers run (default 2m)")
	flag.IntVar(&o.Workers, "workers", 0, "goroutines doing transfers (default 32)")
	flag.IntVar(&o.Conns, "conns", 0, "the pool's maximum number of connections (default 16)")
	flag.IntVar(&o.Accounts, "accounts", 0, "number of bank accounts (default 100)")
	flag.StringVar(&o.DSN, "dsn", "", "use this existing server instead of starting one")
	flag.Uint64Var(&o.Seed, "seed", 0, "seed of the random choices (default: from the clock; printed in the summary)")
	flag.DurationVar(&o.OpTimeout, "op-timeout", 0, "deadline of one transfer (default 5s)")
	flag.DurationVar(&o.ChaosEvery, "chaos-every", 0, "mean pause between two faults (default 2s)")
	flag.BoolVar(&o.NoProxy, "no-proxy", false, "connect the pool straight to the server, without the fault proxy and its faults")
	quiet := flag.Bool("q", false, "print only the summary, not the progress and each fault")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: pgmoon-soak [-duration D] [-workers N] [-conns N] [-accounts N] [-seed N] [-dsn DSN] [-no-proxy] [-q]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if !*quiet {
		o.Log = os.Stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := soak.Run(ctx, o)
	if rep != nil {
		rep.Print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgmoon-soak: %v\n", err)
		stop()
		os.Exit(1)
	}
	if !rep.OK() {
		stop()
		os.Exit(1)
	}
}
