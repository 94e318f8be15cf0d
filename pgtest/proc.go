package pgtest

import (
	"os/exec"
	"runtime"
)

// An osUser is the account child processes run as when the test binary is
// root, which initdb and postgres refuse to be.
type osUser struct {
	name     string
	uid, gid uint32
}

// A child is a started process whose exit a goroutine waits for.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // cmd.Wait's result; read only after done is closed
}

// startChild starts cmd from a goroutine that waits for it.
//
// On Linux the child gets a parent-death signal (see sysProcAttr), which the
// kernel sends when the OS thread that forked the child ends, not when the
// process does. The Go runtime may retire an idle thread at any time, so the
// goroutine locks itself to its thread before forking and keeps the lock
// until the child has exited; the signal then fires only when the test binary
// itself dies.
func startChild(cmd *exec.Cmd) (*child, error) {
	c := &child{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		if holdThreadForChild {
			runtime.LockOSThread()
			// Never unlocked: when this goroutine returns, the runtime ends
			// the thread, and by then the child has been reaped.
		}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}
