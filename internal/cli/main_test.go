package cli

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/internal/leakcheck"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// One throwaway server for the package's tests; once it has stopped, no
// goroutine may be left running (see internal/leakcheck).
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	code = leakcheck.After(code)
	os.Exit(code)
}
