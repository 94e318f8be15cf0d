// Command pgmoon-cli is a psql-like PostgreSQL terminal written in pure Go
// on the pgmoon driver: psql's options, meta-commands, prompt and output
// formats, and --ephemeral to query a throwaway server with no set-up.
//
//	go run ./cmd/pgmoon-cli --ephemeral
//	pgmoon-cli -h localhost -U app appdb -c 'select now()'
//
// Run pgmoon-cli --help for the options.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/pgmoon-go/pgmoon/internal/cli"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	interrupts := make(chan struct{}, 1)
	go func() {
		for range sig {
			select {
			case interrupts <- struct{}{}:
			default:
			}
		}
	}()
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdEnv(interrupts)))
}
