//go:build unix

package pgimage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockName is the lock file in the temp directory.
const lockName = "pgmoon-pgimage.lock"

// lock takes an exclusive lock on a file in the temp directory, waiting
// for other processes (parallel test binaries) that hold it, as long as
// ctx allows. The returned function releases it.
func lock(ctx context.Context) (func(), error) {
	path := filepath.Join(os.TempDir(), lockName)
	// Read-only is enough for flock, and works on a file another user made.
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, context.Cause(ctx)
		case <-tick.C:
		}
	}
}
