//go:build unix

package soak

import "syscall"

// canKill reports whether this system can send SIGKILL to a backend.
const canKill = true

// killBackend sends SIGKILL to a server process. As root the soak may
// signal the postgres OS user's processes; otherwise the server runs as
// this process's user.
func killBackend(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
