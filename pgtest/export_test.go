package pgtest

import (
	"context"
	"time"

	"github.com/ory/dockertest/v3/docker"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgimage"
)

// Internals reached by the external tests in package pgtest_test.

// PostmasterPID returns the process id of a local server's postmaster, or 0.
func PostmasterPID(s *Server) int {
	if s.local == nil || s.local.proc == nil {
		return 0
	}
	return s.local.proc.cmd.Process.Pid
}

// RemoveStaleDirs is removeStaleDirs, which Start runs first.
var RemoveStaleDirs = removeStaleDirs

// Marker returns the name and the content of the file that marks a
// temporary directory as pgtest's, for a directory made by process pid.
func Marker(pid int) (name, content string) {
	return markerFile, markerContent(pid)
}

// SwapDefault replaces the server Default returns and returns the old one.
func SwapDefault(s *Server) *Server { return defaultServer.Swap(s) }

// SetPickPort replaces the function that picks a local server's port and
// returns a function that restores it.
func SetPickPort(f func() (int, error)) (restore func()) {
	old := pickPort
	pickPort = f
	return func() { pickPort = old }
}

// SetFindTool replaces the function that finds pg_basebackup and pg_ctl
// and returns a function that restores it.
func SetFindTool(f func(ctx context.Context, b pgbin.Binaries, name, major string) (string, error)) (restore func()) {
	old := findTool
	findTool = f
	return func() { findTool = old }
}

// LastRecordEnd is lastRecordEnd.
var LastRecordEnd = lastRecordEnd

// FreePort is freePort.
var FreePort = freePort

// SetStopGrace changes how long Close waits after SIGINT and returns a
// function that restores it.
func SetStopGrace(d time.Duration) (restore func()) {
	old := stopGrace
	stopGrace = d
	return func() { stopGrace = old }
}

// EnsureTestImage makes sure the engine has an image the Docker backend can
// run without pulling: if it has no postgres or pgmoon-local/postgres image
// of a major version, it builds pgmoon-local/postgres from the local
// PostgreSQL installation (reused while up to date).
func EnsureTestImage(client *docker.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	vs, err := Versions(ctx, WithDocker(Docker{}))
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return nil
	}
	_, err = pgimage.Ensure(ctx, client, pgimage.Options{})
	return err
}

// PgBouncerPID returns the process id of a PgBouncer, or 0.
func PgBouncerPID(b *PgBouncer) int {
	if b.proc == nil {
		return 0
	}
	return b.proc.cmd.Process.Pid
}

// SetPgBouncerDirs replaces the directories searched for pgbouncer after
// PATH and returns a function that restores them.
func SetPgBouncerDirs(dirs []string) (restore func()) {
	old := bouncerDirs
	bouncerDirs = dirs
	return func() { bouncerDirs = old }
}
