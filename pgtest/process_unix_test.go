//go:build unix

package pgtest_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/pgtest"
)

// processExists reports whether a process with this id exists.
func processExists(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

func TestCloseKillsStuckServer(t *testing.T) {
	clearBackendEnv(t)
	defer pgtest.SetStopGrace(500 * time.Millisecond)()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pid := pgtest.PostmasterPID(s)
	// A stopped postmaster cannot act on SIGINT.
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	err = s.Close()
	if err == nil || !strings.Contains(err.Error(), "killed it") {
		t.Errorf("Close = %v, want an error saying the server was killed", err)
	}
	if processExists(pid) {
		t.Errorf("postmaster %d still exists after Close", pid)
	}
	if _, err := os.Stat(s.SocketDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s still there after Close (%v)", s.SocketDir(), err)
	}
}
