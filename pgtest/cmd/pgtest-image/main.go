// Command pgtest-image builds a PostgreSQL Docker image from this machine's
// PostgreSQL installation, for machines whose Docker engine cannot pull the
// official postgres image (no registry, no network). The image behaves like
// postgres:<major>: same environment variables (POSTGRES_PASSWORD,
// POSTGRES_USER, POSTGRES_DB, POSTGRES_INITDB_ARGS, ...), same PGDATA, port
// and init scripts. It is rebuilt only when the installation or the builder
// changed, so running the command again is cheap.
//
// Usage, from inside the pgmoon module (or one that requires it):
//
//	go run ./pgtest/cmd/pgtest-image [-bindir DIR] [-repository R] [-tag T] [-force] [-v]
//
// The engine is the one DOCKER_HOST names (default: the local socket).
// The image is pgmoon-local/postgres:<major> unless -repository and -tag
// say otherwise.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ory/dockertest/v3"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgimage"
)

func main() {
	var o pgimage.Options
	var verbose bool
	flag.StringVar(&o.BinDir, "bindir", "", "bin directory of the PostgreSQL installation (default: found like pgtest does)")
	flag.StringVar(&o.Repository, "repository", pgimage.DefaultRepository, "image repository")
	flag.StringVar(&o.Tag, "tag", "", "image tag (default: the major version, e.g. 15)")
	flag.BoolVar(&o.Force, "force", false, "build even if the image is up to date")
	flag.BoolVar(&verbose, "v", false, "print progress and the engine's build output")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: pgtest-image [-bindir DIR] [-repository R] [-tag T] [-force] [-v]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if verbose {
		o.Log = os.Stderr
	} else {
		o.Log = io.Discard
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest-image: %v\n", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, o pgimage.Options) error {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Client.PingWithContext(pctx); err != nil {
		return fmt.Errorf("docker engine unreachable (DOCKER_HOST=%q): %w", os.Getenv("DOCKER_HOST"), err)
	}
	res, err := pgimage.Ensure(ctx, pool.Client, o)
	if err != nil {
		return err
	}
	took := res.Took.Round(100 * time.Millisecond).Seconds()
	if res.Built {
		fmt.Printf("pgtest-image: built %s in %.1fs\n", res.Image, took)
	} else {
		fmt.Printf("pgtest-image: %s is up to date (%.1fs)\n", res.Image, took)
	}
	return nil
}
