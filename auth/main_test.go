package auth

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon/internal/leakcheck"
)

// No goroutine may outlive the tests (see internal/leakcheck).
func TestMain(m *testing.M) { os.Exit(leakcheck.After(m.Run())) }
