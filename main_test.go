package pgmoon_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/internal/leakcheck"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// closeAtExit holds further servers that tests started once for the whole
// binary (such as the TLS server); TestMain closes them after the tests.
var closeAtExit []*pgtest.Server

// One throwaway server for the whole test binary; every integration test
// reaches it through pgtest.Default.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	for _, s := range closeAtExit {
		if err := s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	code = leakcheck.After(code) // no goroutine outlives the servers (see internal/leakcheck)
	os.Exit(code)
}

// ownServer starts a server for one test alone (one that restarts, stops
// or kills it, which would disturb the others on the shared one); it is
// closed when the test ends.
func ownServer(ctx context.Context, t *testing.T, opts ...pgtest.Option) *pgtest.Server {
	t.Helper()
	srv, err := pgtest.Start(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// primaryAndStandby starts a local primary and its streaming standby for
// one test; both are closed when it ends.
func primaryAndStandby(ctx context.Context, t *testing.T) (primary, standby *pgtest.Server) {
	t.Helper()
	primary = ownServer(ctx, t, pgtest.WithLocal())
	standby, err := pgtest.StartStandby(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := standby.Close(); err != nil {
			t.Error(err)
		}
	})
	return primary, standby
}
