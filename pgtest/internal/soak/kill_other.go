//go:build !unix

package soak

import "errors"

// canKill reports whether this system can send SIGKILL to a backend.
const canKill = false

func killBackend(pid int) error { return errors.New("no SIGKILL on this system") }
