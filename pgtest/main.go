package pgtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// mainStartTimeout bounds Start in Main, where there is no caller context.
const mainStartTimeout = 2 * time.Minute

var defaultServer atomic.Pointer[Server]

// Main starts one server for the test binary, runs the tests and stops the
// server, returning the exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// Tests reach the server with [Default]. If the server cannot start, Main
// prints why (and what to install) to standard error and returns 1 without
// running any test: a missing server fails the tests, it never skips them.
//
// In the worker processes of "go test -fuzz", which run only fuzz targets,
// Main starts no server.
//
// On Linux a local server dies with the test binary even if the binary is
// killed or panics; its temporary directory is then removed by the next Start.
func Main(m *testing.M, opts ...Option) int {
	if fuzzWorker() {
		// A worker process of "go test -fuzz" runs only the fuzz target,
		// never a test: a server per worker would only slow fuzzing.
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), mainStartTimeout)
	s, err := Start(ctx, opts...)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		fmt.Fprintln(os.Stderr, "FAIL: pgtest.Main could not start a PostgreSQL server; no tests were run")
		return 1
	}
	defaultServer.Store(s)
	defer func() {
		defaultServer.Store(nil)
		if err := s.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "%v\n", err)
		}
	}()
	return m.Run()
}

// Default returns the server [Main] started. It fails t at once if the test
// binary's TestMain does not call pgtest.Main.
func Default(t testing.TB) *Server {
	t.Helper()
	s := defaultServer.Load()
	if s == nil {
		t.Fatal("pgtest: Default: no server; the package's TestMain must call pgtest.Main:\n" +
			"\tfunc TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }")
	}
	return s
}

// fuzzWorker reports whether this test binary is a worker process of
// "go test -fuzz".
func fuzzWorker() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	f := flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() == "true"
}
