package types_test

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/pgtest"
)

// One throwaway server for the package's round-trip tests.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
