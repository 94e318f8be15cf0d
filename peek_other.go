//go:build !unix

package pgmoon

import "net"

// socketReadable cannot look at a socket without blocking here; known is
// false, and callers fall back to their time-based checks.
func socketReadable(net.Conn) (readable, known bool) { return false, false }
