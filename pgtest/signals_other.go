//go:build !unix

package pgtest

import (
	"os"
	"os/signal"
)

// handleSignals runs cleanup when the process is interrupted, then exits
// with status 1. It returns a function that removes the handler.
func handleSignals(cleanup func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cleanup()
			os.Exit(1)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
