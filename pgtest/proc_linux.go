package pgtest

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// holdThreadForChild: Pdeathsig is tied to the forking thread; see startChild.
const holdThreadForChild = true

// sysProcAttr puts a child in its own process group (so a terminal's ^C
// reaches only the test binary, which decides what to stop), has the kernel
// kill it if the test binary dies, and runs it as run when that is non-nil.
// Go sets the credentials before the parent-death signal, which a change of
// credentials would otherwise clear.
func sysProcAttr(run *osUser) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if run != nil {
		a.Credential = &syscall.Credential{Uid: run.uid, Gid: run.gid}
	}
	return a
}

// killChild ends the child and, since it leads its own process group, whatever
// it started (for postgres: the backends).
func killChild(c *child) error {
	pid := c.cmd.Process.Pid
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		return c.cmd.Process.Kill()
	}
	return nil
}

// processAlive reports whether a process with this id exists and is not a
// zombie: in a container whose init does not reap orphans, a killed
// postmaster can linger as one.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		if _, serr := os.Stat("/proc/self/stat"); serr != nil {
			return signalAlive(pid) // no /proc
		}
		return false
	}
	// "pid (comm) S ...": the state follows the last parenthesis.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		state := b[i+2]
		return state != 'Z' && state != 'X'
	}
	return true
}
