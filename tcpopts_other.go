//go:build !linux

package pgmoon

import (
	"syscall"
	"time"
)

// tcpUserTimeoutControl does nothing where TCP_USER_TIMEOUT does not
// exist; libpq ignores tcp_user_timeout there too.
func tcpUserTimeoutControl(time.Duration) func(network, address string, rc syscall.RawConn) error {
	return nil
}
