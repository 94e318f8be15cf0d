//go:build unix

package pgmoon

import (
	"fmt"
	"os"
	"syscall"
)

// checkKeyFileMode refuses a key file that others may read, as libpq does:
// it must belong to this process's user or to root, with permissions u=rw
// (0600) or less if it is the user's, or u=rw,g=r (0640) or less if it is
// root's.
func checkKeyFileMode(path string, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return nil
	}
	uid, euid := int(st.Uid), os.Geteuid()
	perm := fi.Mode().Perm()
	switch {
	case uid != euid && uid != 0:
		return fmt.Errorf("private key file %q must be owned by the current user or root", path)
	case uid == euid && perm&0o077 != 0:
		return fmt.Errorf("private key file %q has group or world access; it must have permissions u=rw (0600) or less if owned by the current user", path)
	case uid == 0 && perm&0o037 != 0:
		return fmt.Errorf("private key file %q has group or world access; it must have permissions u=rw,g=r (0640) or less if owned by root", path)
	}
	return nil
}
