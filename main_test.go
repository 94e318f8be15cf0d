package pgmoon_test

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/pgtest"
)

// One throwaway server for the whole test binary; every integration test
// reaches it through pgtest.Default.
func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}
