//go:build unix

package pgtest

import (
	"os"
	"os/signal"
	"syscall"
)

// handleSignals runs cleanup when the process gets SIGINT, SIGTERM or SIGHUP,
// then raises the signal again with this handler gone, so that the process
// ends as it would have (or whoever else listens gets it). It returns a
// function that removes the handler.
func handleSignals(cleanup func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cleanup()
			signal.Stop(ch)
			_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
