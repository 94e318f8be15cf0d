package pgmoon_test

import (
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// sockopt reads an integer socket option of a connection's TCP socket.
func sockopt(t *testing.T, c net.Conn, level, opt int) int {
	t.Helper()
	tc, ok := c.(*net.TCPConn)
	if !ok {
		t.Fatalf("socket is a %T, not TCP", c)
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

func systemInt(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The default dialer applies libpq's TCP settings to the socket.
func TestTCPSocketOptions(t *testing.T) {
	const tcpUserTimeout = 0x12
	base := serverConfig(t)
	base.Host = "127.0.0.1"
	t.Run("defaults: keepalives on with the system's timings", func(t *testing.T) {
		nc := pgmoon.NetConn(connectConfig(t, base))
		if sockopt(t, nc, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) != 1 {
			t.Error("SO_KEEPALIVE off")
		}
		if got, want := sockopt(t, nc, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE), systemInt(t, "/proc/sys/net/ipv4/tcp_keepalive_time"); got != want {
			t.Errorf("TCP_KEEPIDLE = %d, want the system's %d", got, want)
		}
		if got := sockopt(t, nc, syscall.IPPROTO_TCP, tcpUserTimeout); got != 0 {
			t.Errorf("TCP_USER_TIMEOUT = %d, want 0", got)
		}
	})
	t.Run("set", func(t *testing.T) {
		cfg := base.Copy()
		cfg.KeepAlivesIdle, cfg.KeepAlivesInterval, cfg.KeepAlivesCount = 7*time.Second, 3*time.Second, 4
		cfg.TCPUserTimeout = 9500 * time.Millisecond
		nc := pgmoon.NetConn(connectConfig(t, cfg))
		for _, o := range []struct {
			name       string
			level, opt int
			want       int
		}{
			{"SO_KEEPALIVE", syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
			{"TCP_KEEPIDLE", syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 7},
			{"TCP_KEEPINTVL", syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, 3},
			{"TCP_KEEPCNT", syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, 4},
			{"TCP_USER_TIMEOUT", syscall.IPPROTO_TCP, tcpUserTimeout, 9500},
		} {
			if got := sockopt(t, nc, o.level, o.opt); got != o.want {
				t.Errorf("%s = %d, want %d", o.name, got, o.want)
			}
		}
	})
	t.Run("keepalives=0", func(t *testing.T) {
		cfg := base.Copy()
		cfg.DisableKeepAlives = true
		if got := sockopt(t, pgmoon.NetConn(connectConfig(t, cfg)), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE); got != 0 {
			t.Errorf("SO_KEEPALIVE = %d, want 0", got)
		}
	})
}
