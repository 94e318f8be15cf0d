package workload

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/pgtest"
)

// One throwaway server for the tests of the wire floor.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
