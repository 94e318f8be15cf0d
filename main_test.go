package pgmoon_test

import (
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
