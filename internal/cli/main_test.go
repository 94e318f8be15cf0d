package cli

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
