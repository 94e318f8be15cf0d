package pgmoon

import (
	"syscall"
	"time"
)

// tcpUserTimeout is TCP_USER_TIMEOUT from linux/tcp.h, which the syscall
// package does not name.
const tcpUserTimeout = 0x12

// tcpUserTimeoutControl sets TCP_USER_TIMEOUT on the sockets a net.Dialer
// makes: how long sent data may remain unacknowledged before the kernel
// drops the connection (libpq's tcp_user_timeout).
func tcpUserTimeoutControl(d time.Duration) func(network, address string, rc syscall.RawConn) error {
	ms := int(d / time.Millisecond)
	return func(network, _ string, rc syscall.RawConn) error {
		if network != "tcp" && network != "tcp4" && network != "tcp6" {
			return nil
		}
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, ms)
		}); err != nil {
			return err
		}
		return serr
	}
}
