//go:build unix && !linux

package pgtest

import "syscall"

// holdThreadForChild is false: only Linux has a parent-death signal.
const holdThreadForChild = false

// sysProcAttr runs a child as run when that is non-nil. Without a
// parent-death signal the child stays in the test binary's process group, so
// that a terminal's ^C at least reaches postgres too (a fast shutdown); a
// server left by a test binary killed otherwise keeps running.
func sysProcAttr(run *osUser) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{}
	if run != nil {
		a.Credential = &syscall.Credential{Uid: run.uid, Gid: run.gid}
	}
	return a
}

// killChild ends the child; its own children notice and exit.
func killChild(c *child) error { return c.cmd.Process.Kill() }

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool { return signalAlive(pid) }
