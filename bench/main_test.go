package bench

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/pgtest"
)

// One throwaway server for every benchmark.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
