//go:build unix

package pgmoon

import (
	"crypto/tls"
	"net"
	"syscall"
)

// socketPeeker looks at a connection's socket without blocking and
// without consuming anything: one recv with MSG_PEEK|MSG_DONTWAIT. It is
// made once per connection, so that a look allocates nothing.
type socketPeeker struct {
	rc  syscall.RawConn
	fn  func(fd uintptr) bool // p.recv, bound once
	buf [1]byte
	err error
}

// newSocketPeeker returns a peeker for nc's socket, or nil when nc is not
// a socket it can look at (a net.Pipe, a custom Dialer's connection).
// Under TLS it looks at the socket below, whose bytes (a TLS record, even
// a close_notify) call for a check just the same.
func newSocketPeeker(nc net.Conn) *socketPeeker {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	p := &socketPeeker{rc: rc}
	p.fn = p.recv
	return p
}

func (p *socketPeeker) recv(fd uintptr) bool {
	_, _, p.err = syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return true // never wait: the answer is wanted now
}

// readable reports whether the socket has bytes to read or has reached
// its end (or failed).
func (p *socketPeeker) readable() bool {
	if err := p.rc.Read(p.fn); err != nil {
		return true // closed or failed: let the check say why
	}
	return p.err != syscall.EAGAIN && p.err != syscall.EWOULDBLOCK
}
