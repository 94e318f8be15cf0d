//go:build unix

package pgtest

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// signalAlive reports whether a process with this id exists, zombies
// included.
func signalAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// interrupt asks postgres for a fast shutdown.
func interrupt(p *os.Process) error {
	return p.Signal(syscall.SIGINT)
}

// holdPort binds a TCP socket to 127.0.0.1:port without listening on it,
// so that while a server is stopped no other program is given the port
// (neither bind to port 0 nor an outgoing connection's ephemeral port picks
// a bound one), yet connections to it are refused as they would be with
// nothing there. SO_REUSEADDR lets it bind next to the stopped server's
// connections in TIME_WAIT. Best effort: nil if the port cannot be bound.
// The server must be started only after Close: a listener on the port
// would conflict with it.
func holdPort(port int) io.Closer {
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return nil
	}
	return heldPort(fd)
}

// heldPort is the socket holdPort bound.
type heldPort int

func (h heldPort) Close() error { return syscall.Close(int(h)) }

// terminate asks a process to end at once (SIGTERM): for PgBouncer, an
// immediate shutdown.
func terminate(p *os.Process) error {
	return p.Signal(syscall.SIGTERM)
}
