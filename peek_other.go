//go:build !unix

package pgmoon

import "net"

// socketPeeker cannot look at a socket without blocking here; callers
// fall back to their time-based checks.
type socketPeeker struct{}

func newSocketPeeker(net.Conn) *socketPeeker { return nil }

func (*socketPeeker) readable() bool { return false }
