// Package leakcheck ends every test binary of this module with a goroutine
// leak check (go.uber.org/goleak). It is imported only from _test.go files,
// so the driver's own import graph never contains goleak.
//
// Each package's TestMain is three lines. A package whose tests use the
// throwaway server of [pgtest.Main] checks after the server has stopped:
//
//	func TestMain(m *testing.M) {
//		code := pgtest.Main(m)
//		code = leakcheck.After(code)
//		os.Exit(code)
//	}
//
// and any other package after its tests:
//
//	func TestMain(m *testing.M) { os.Exit(leakcheck.After(m.Run())) }
//
// # What counts as a leak
//
// Any goroutine still running once every test has returned and every
// server, proxy and pool the tests started has been stopped: a test (or the
// code it calls) started it and nothing stopped it. The goroutines the
// testing and os/signal packages run for themselves are not leaks, and a
// goroutine that is on its way out gets a grace period ([Grace]) to finish.
//
// # Failure
//
// A leak makes the test binary exit 1 even though every test passed, with
// every leaked goroutine's stack on standard error and a line saying how to
// find its creator. When a test has already failed, the check is skipped:
// a failed test often skips its cleanups, and its own message is the one to
// read first.
//
// # Ignores
//
// [After] takes goleak options for goroutines a package knowingly leaves
// running; each must name one function and say why in a comment at the call
// site. None is needed today.
//
// [pgtest.Main]: https://pkg.go.dev/github.com/pgmoon-go/pgmoon/pgtest#Main
package leakcheck

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/goleak"
)

// Grace is how long After waits for goroutines that are still winding down
// (a connection's reader returning after its socket closed, a timer's
// callback) before it calls them leaked.
const Grace = 5 * time.Second

// stderr is where After reports; a variable so the package's own tests can
// read the report.
var stderr io.Writer = os.Stderr

// After checks, once the tests of the binary have run and returned code
// (the result of [testing.M.Run] or pgtest.Main), that no goroutine is
// left running. It returns code unchanged when code is not 0 (the tests
// already failed), when the check finds nothing, and in the worker
// processes of "go test -fuzz" (which the fuzzing coordinator, not the
// tests, stops). Otherwise it prints the leaked goroutines to standard
// error and returns 1.
//
// opts are extra goleak options, for goroutines a package knowingly
// leaves running (see the package documentation).
func After(code int, opts ...goleak.Option) int {
	return after(code, Grace, opts...)
}

// after is After with the grace period as a parameter.
func after(code int, grace time.Duration, opts ...goleak.Option) int {
	if code != 0 || fuzzWorker() {
		return code
	}
	err := find(grace, opts...)
	if err == nil {
		return code
	}
	fmt.Fprintf(stderr, "FAIL: leakcheck: every test passed, but goroutines are still running after the last one: %v\n"+
		"leakcheck: each goroutine above was started by a test or by the code it called and never stopped; "+
		"its \"created by\" line names the function that started it. "+
		"Run a single test (-run) to find which one leaves it behind.\n", err)
	return 1
}

// find runs goleak.Find until it reports nothing or grace has elapsed, and
// returns its last report.
func find(grace time.Duration, opts ...goleak.Option) error {
	deadline := time.Now().Add(grace)
	for {
		err := goleak.Find(opts...) // retries for about half a second itself
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fuzzWorker reports whether this process is a worker process of
// "go test -fuzz", which runs only the fuzz target.
func fuzzWorker() bool {
	f := flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() == "true"
}
