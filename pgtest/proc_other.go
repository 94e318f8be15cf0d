//go:build !unix

package pgtest

import (
	"io"
	"os"
	"syscall"
)

const holdThreadForChild = false

// sysProcAttr has nothing to add off Unix; run is always nil there, since
// only a Unix process can be root.
func sysProcAttr(run *osUser) *syscall.SysProcAttr { return nil }

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

// interrupt stops the server; there is no SIGINT to send off Unix.
func interrupt(p *os.Process) error {
	return p.Kill()
}

// killChild ends the child.
func killChild(c *child) error { return c.cmd.Process.Kill() }

// holdPort holds nothing off Unix: a stopped server's port is free for
// anyone until it starts again.
func holdPort(port int) io.Closer { return nil }

// terminate ends a process; there is no SIGTERM to send off Unix.
func terminate(p *os.Process) error {
	return p.Kill()
}
