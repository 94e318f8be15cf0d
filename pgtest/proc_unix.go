//go:build unix

package pgtest

import (
	"errors"
	"os"
	"syscall"
)

// signalAlive reports whether a process with this id exists, zombies
// included.
func signalAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// interrupt asks postgres for a fast shutdown.
func interrupt(p *os.Process) error {
	return p.Signal(syscall.SIGINT)
}
