package pgtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
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
// Main starts no server. When the binary runs no test at all (-list, or
// -fuzz with -run '^$'), Main starts the server only if a fuzz target asks
// [Default] for it, and stops it after the run.
//
// On Linux a local server dies with the test binary even if the binary is
// killed or panics; its temporary directory is then removed by the next Start.
func Main(m *testing.M, opts ...Option) int {
	if fuzzWorker() {
		// A worker process of "go test -fuzz" runs only the fuzz target,
		// never a test: a server per worker would only slow fuzzing.
		return m.Run()
	}
	if runsNoTest() {
		// Most fuzz targets need no server: start it on first use.
		l := &lazyServer{opts: opts}
		lazy.Store(l)
		defer func() {
			lazy.Store(nil)
			defaultServer.Store(nil)
			if l.srv != nil {
				if err := l.srv.Close(); err != nil {
					fmt.Fprintf(os.Stderr, "%v\n", err)
				}
			}
		}()
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

// lazyServer is the server Main starts on first use when the binary runs
// no test.
type lazyServer struct {
	opts []Option
	once sync.Once
	srv  *Server
	err  error
}

var lazy atomic.Pointer[lazyServer]

// Default returns the server [Main] started. It fails t at once if the test
// binary's TestMain does not call pgtest.Main.
func Default(t testing.TB) *Server {
	t.Helper()
	s := defaultServer.Load()
	if s == nil {
		if l := lazy.Load(); l != nil {
			l.once.Do(func() {
				ctx, cancel := context.WithTimeout(context.Background(), mainStartTimeout)
				defer cancel()
				l.srv, l.err = Start(ctx, l.opts...)
				if l.err == nil {
					defaultServer.Store(l.srv)
				}
			})
			if l.err != nil {
				t.Fatalf("pgtest: Default: %v", l.err)
			}
			return l.srv
		}
		t.Fatal("pgtest: Default: no server; the package's TestMain must call pgtest.Main:\n" +
			"\tfunc TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }")
	}
	return s
}

// runsNoTest reports whether this test binary runs no test and no
// benchmark, and so needs no server: it only lists them ("go test -list"),
// or only fuzzes ("go test -run '^$' -fuzz Name", as .ci/fuzz does).
func runsNoTest() bool {
	flagValue := func(name string) string {
		if f := flag.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	if flagValue("test.list") != "" {
		return true
	}
	return flagValue("test.fuzz") != "" && flagValue("test.run") == "^$" && flagValue("test.bench") == ""
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
