//go:build !unix

package pgtest_test

import "os"

// processExists reports whether a process with this id exists.
func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
