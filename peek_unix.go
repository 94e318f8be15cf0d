//go:build unix

package pgmoon

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// socketReadable reports, without blocking and without consuming
// anything, whether nc's socket has bytes to read or has reached its end
// (or failed): one recv with MSG_PEEK|MSG_DONTWAIT. known is false when nc
// is not a socket this can look at (a net.Pipe, a custom Dialer's
// connection), which tells nothing. Under TLS it looks at the socket below,
// whose bytes (even a close_notify) call for a check just the same.
func socketReadable(nc net.Conn) (readable, known bool) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false
	}
	var (
		buf  [1]byte
		rerr error
	)
	err = rc.Read(func(fd uintptr) bool {
		_, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait: the answer is wanted now
	})
	if err != nil {
		return true, true // closed or failed: let the check say why
	}
	if errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK) {
		return false, true
	}
	return true, true // bytes, the end of stream (0 bytes), or an error
}
