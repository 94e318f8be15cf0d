package pgtest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// noLeaks fails t if goroutines started during the test outlive it. It is
// registered first, so it runs after every other cleanup (the proxy's and
// the servers' Close included).
func noLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// echoServer starts a TCP server on loopback that writes back everything it
// reads and ends its side when the client ends its own. It is stopped when
// the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	return tcpServer(t, func(c net.Conn) {
		_, _ = io.Copy(c, c)
		_ = c.(*net.TCPConn).CloseWrite()
	})
}

// sinkServer starts a TCP server that accepts connections and never reads
// from them, so that writes towards it block once the buffers are full.
func sinkServer(t *testing.T) string {
	t.Helper()
	return tcpServer(t, func(net.Conn) {})
}

// tcpServer starts a loopback server that runs serve on each connection
// (and keeps the connection open until the server stops).
func tcpServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// dial connects to addr and closes the connection when the test ends.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.TCPConn)
}

// readN reads exactly n bytes within 10 s.
func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	buf := make([]byte, n)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return buf
}

// readAll reads until the end of the stream (or an error) within 10 s.
func readAll(t *testing.T, c net.Conn) ([]byte, error) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	return io.ReadAll(c)
}

// expectNothing checks that nothing arrives on c for d.
func expectNothing(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	var b [1]byte
	n, err := c.Read(b[:])
	var ne net.Error
	if n != 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read %d bytes (err %v), want nothing until the deadline", n, err)
	}
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// TestProxyForwards checks that a proxy without faults forwards bytes both
// ways unchanged, counts them, and forwards the end of each stream.
func TestProxyForwards(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	if p.Addr() != net.JoinHostPort(p.Host(), strconv.Itoa(p.Port())) || p.Host() != "127.0.0.1" {
		t.Errorf("Addr %q, Host %q, Port %d disagree", p.Addr(), p.Host(), p.Port())
	}
	c := dial(t, p.Addr())
	want := payload(1 << 20)
	go func() { _, _ = c.Write(want) }()
	if got := readN(t, c, len(want)); !bytes.Equal(got, want) {
		t.Fatal("echoed bytes differ")
	}
	if p.Conns() != 1 || p.Accepted() != 1 {
		t.Errorf("Conns %d, Accepted %d, want 1, 1", p.Conns(), p.Accepted())
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := readAll(t, c); err != nil || len(rest) != 0 {
		t.Fatalf("after the client's FIN: read %d bytes, %v; want the echo's FIN", len(rest), err)
	}
	eventually(t, "the connection to go", func() bool { return p.Conns() == 0 })
	if got := p.Forwarded(pgtest.ToServer); got != int64(len(want)) {
		t.Errorf("Forwarded(ToServer) = %d, want %d", got, len(want))
	}
	if got := p.Forwarded(pgtest.BothWays); got != 2*int64(len(want)) {
		t.Errorf("Forwarded(BothWays) = %d, want %d", got, 2*len(want))
	}
}

// TestProxyLatency checks that latency delays bytes by at least its amount
// and that jitter never reorders them.
func TestProxyLatency(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	p.SetFaults(pgtest.ToServer, pgtest.Faults{Latency: 100 * time.Millisecond})
	c := dial(t, p.Addr())
	start := time.Now()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	readN(t, c, 4)
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("round trip took %v with 100ms latency", took)
	}

	// Many small writes with a large jitter, each way: the bytes must come
	// back in order.
	p.SetFaults(pgtest.BothWays, pgtest.Faults{Latency: time.Millisecond, Jitter: 20 * time.Millisecond})
	want := payload(2000)
	go func() {
		for i := 0; i < len(want); i += 10 {
			if _, err := c.Write(want[i : i+10]); err != nil {
				return
			}
		}
	}()
	if got := readN(t, c, len(want)); !bytes.Equal(got, want) {
		t.Fatal("bytes reordered or changed under jitter")
	}

	// Cleared latency applies at once, to the same connection.
	p.ClearFaults()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	readN(t, c, 1)
}

// TestProxyBandwidth checks that a bandwidth limit slows a transfer down to
// about the given rate.
func TestProxyBandwidth(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	p.SetFaults(pgtest.ToClient, pgtest.Faults{BytesPerSecond: 100_000})
	c := dial(t, p.Addr())
	want := payload(30_000)
	start := time.Now()
	go func() { _, _ = c.Write(want) }()
	if got := readN(t, c, len(want)); !bytes.Equal(got, want) {
		t.Fatal("bytes changed")
	}
	// 30 kB at 100 kB/s: 0.3 s less the first piece's burst.
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("30000 bytes at 100000 B/s took %v", took)
	}
	// (The count moves after each write returns, maybe after the read.)
	eventually(t, "pieces of at most 5000 bytes", func() bool { return p.Writes(pgtest.ToClient) >= 30_000/5_000 })
}

// TestProxySliceSize checks that the proxy writes at most SliceSize bytes at
// a time.
func TestProxySliceSize(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	p.SetFaults(pgtest.ToServer, pgtest.Faults{SliceSize: 1})
	p.SetFaults(pgtest.ToClient, pgtest.Faults{SliceSize: 7})
	c := dial(t, p.Addr())
	want := payload(700)
	if _, err := c.Write(want); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, c, len(want)); !bytes.Equal(got, want) {
		t.Fatal("bytes changed")
	}
	// (The counts move after each write returns, maybe after the read.)
	eventually(t, "700 writes to the server", func() bool { return p.Writes(pgtest.ToServer) == 700 })
	eventually(t, "100 writes to the client", func() bool { return p.Writes(pgtest.ToClient) >= 100 })
	if w := p.Writes(pgtest.ToServer); w != 700 {
		t.Errorf("Writes(ToServer) = %d, want one per byte (700)", w)
	}
}

// TestProxyBlackHole checks that a black hole forwards nothing and closes
// nothing, pushes back on the sender, and that clearing it delivers what was
// held, in order, on the same connection.
func TestProxyBlackHole(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	c := dial(t, p.Addr())
	if _, err := c.Write([]byte("before")); err != nil {
		t.Fatal(err)
	}
	readN(t, c, 6)

	p.SetFaults(pgtest.ToClient, pgtest.Faults{BlackHole: true}) // mid-stream
	if _, err := c.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	expectNothing(t, c, 200*time.Millisecond)
	if p.Conns() != 1 {
		t.Fatalf("Conns = %d under a black hole, want 1", p.Conns())
	}
	p.ClearFaults()
	if got := readN(t, c, 4); string(got) != "held" {
		t.Fatalf("after clearing: %q, want %q", got, "held")
	}

	// Back-pressure: the proxy stops reading, so a large write blocks
	// until its deadline.
	p.SetFaults(pgtest.ToServer, pgtest.Faults{BlackHole: true})
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	n, err := c.Write(make([]byte, 256<<20))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("a 256 MiB write into a black hole: %d bytes, %v; want a timeout", n, err)
	}
	_ = c.SetWriteDeadline(time.Time{})
	p.ClearFaults()
	if got := readN(t, c, n); !bytes.Equal(got, make([]byte, n)) {
		t.Fatal("held bytes changed")
	}
}

// TestProxyCloseAfter checks that a connection is closed, both sides, once
// CloseAfter bytes have passed, on every connection, counted per
// connection.
func TestProxyCloseAfter(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	p.SetFaults(pgtest.ToServer, pgtest.Faults{CloseAfter: 10})
	for i := range 2 {
		c := dial(t, p.Addr())
		_, _ = c.Write(payload(25))
		got, err := readAll(t, c)
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("connection %d: %v", i, err)
		}
		if len(got) > 10 || !bytes.Equal(got, payload(25)[:len(got)]) {
			t.Fatalf("connection %d: read %d bytes %x, want at most the first 10", i, len(got), got)
		}
	}
	if got := p.Forwarded(pgtest.ToServer); got != 20 {
		t.Errorf("Forwarded(ToServer) = %d, want 10 per connection", got)
	}
	eventually(t, "connections to go", func() bool { return p.Conns() == 0 })

	// Set on a live connection past the offset: it closes at once.
	p.ClearFaults()
	c := dial(t, p.Addr())
	_, _ = c.Write(payload(50))
	readN(t, c, 50)
	p.SetFaults(pgtest.ToClient, pgtest.Faults{CloseAfter: 20})
	if rest, err := readAll(t, c); len(rest) != 0 || err != nil {
		t.Fatalf("read %d bytes, %v; want the end of the stream", len(rest), err)
	}
}

// TestProxyCorruptAt checks that the byte at the given offset of each
// connection's stream is inverted, and no other.
func TestProxyCorruptAt(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	p.SetFaults(pgtest.ToClient, pgtest.Faults{CorruptAt: 5, SliceSize: 2})
	for range 2 {
		c := dial(t, p.Addr())
		if _, err := c.Write([]byte("hello world")); err != nil {
			t.Fatal(err)
		}
		got := readN(t, c, 11)
		want := []byte("hello world")
		want[4] ^= 0xFF
		if !bytes.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		if _, err := c.Write([]byte("again")); err != nil {
			t.Fatal(err)
		}
		if got := readN(t, c, 5); string(got) != "again" {
			t.Fatalf("after the offset: %q", got)
		}
	}
	// Inverting the same offset both ways restores the byte.
	p.SetFaults(pgtest.BothWays, pgtest.Faults{CorruptAt: 3})
	c := dial(t, p.Addr())
	if _, err := c.Write([]byte("abcdef")); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, c, 6); string(got) != "abcdef" {
		t.Fatalf("inverted twice: %q", got)
	}
}

// TestProxyReset checks Reset: live connections are reset at once, new
// ones at accept until the faults change; and ResetAll and CloseAll.
func TestProxyReset(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	live := dial(t, p.Addr())
	if _, err := live.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	readN(t, live, 1)

	p.SetFaults(pgtest.ToServer, pgtest.Faults{Reset: true})
	if _, err := readAll(t, live); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("live connection: %v, want a reset", err)
	}
	fresh := dial(t, p.Addr())
	if _, err := readAll(t, fresh); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("new connection: %v, want a reset", err)
	}
	if p.Accepted() != 2 || p.Conns() != 0 {
		t.Errorf("Accepted %d, Conns %d; want 2, 0", p.Accepted(), p.Conns())
	}

	p.ClearFaults()
	c := dial(t, p.Addr())
	if _, err := c.Write([]byte("y")); err != nil {
		t.Fatal(err)
	}
	readN(t, c, 1)
	p.ResetAll()
	if _, err := readAll(t, c); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("after ResetAll: %v, want a reset", err)
	}

	c = dial(t, p.Addr())
	if _, err := c.Write([]byte("z")); err != nil {
		t.Fatal(err)
	}
	readN(t, c, 1)
	p.CloseAll()
	if rest, err := readAll(t, c); err != nil || len(rest) != 0 {
		t.Fatalf("after CloseAll: %d bytes, %v; want the end of the stream", len(rest), err)
	}
}

// TestProxyCloseStuck checks that Close returns, and leaves no goroutine
// behind, while connections are black-holed with bytes held and a write is
// blocked on a peer that reads nothing.
func TestProxyCloseStuck(t *testing.T) {
	noLeaks(t)
	p, err := pgtest.StartProxy(sinkServer(t))
	if err != nil {
		t.Fatal(err)
	}
	// The proxy's write to the sink blocks once its buffers are full.
	blocked := dial(t, p.Addr())
	go func() {
		_ = blocked.SetWriteDeadline(time.Now().Add(20 * time.Second))
		_, _ = blocked.Write(make([]byte, 64<<20))
	}()
	eventually(t, "bytes to move", func() bool { return p.Forwarded(pgtest.ToServer) > 0 })
	// Another held in a black hole.
	p.SetFaults(pgtest.BothWays, pgtest.Faults{BlackHole: true, Latency: time.Hour})
	held := dial(t, p.Addr())
	if _, err := held.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both connections", func() bool { return p.Conns() == 2 })

	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for _, c := range []net.Conn{blocked, held} {
		if _, err := readAll(t, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("after Close: %v, want the end of the stream", err)
		}
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("the proxy still accepts connections after Close")
	}
}

// TestProxyTargetDown checks that a client whose connection the proxy cannot
// forward sees it closed.
func TestProxyTargetDown(t *testing.T) {
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	p := pgtest.NewProxy(t, addr)
	c := dial(t, p.Addr())
	if rest, err := readAll(t, c); len(rest) != 0 || (err != nil && !errors.Is(err, syscall.ECONNRESET)) {
		t.Fatalf("read %d bytes, %v; want the connection closed", len(rest), err)
	}
	if _, err := pgtest.StartProxy("no port"); err == nil {
		t.Fatal("StartProxy accepted a target without a port")
	}
}

// TestProxyDSN checks that DSN points URL and keyword/value connection
// strings, with one host or several and with hostaddr, at the proxy and
// keeps everything else.
func TestProxyDSN(t *testing.T) {
	noLeaks(t)
	p := pgtest.NewProxy(t, echoServer(t))
	for _, base := range []string{
		"postgres://alice:secret@db.example:6543/app?sslmode=disable&application_name=x",
		"postgresql://alice:secret@h1:1,h2:2,[::1]:3/app?sslmode=disable&application_name=x&target_session_attrs=any",
		"postgres://alice:secret@/app?host=/tmp&sslmode=disable&application_name=x",
		"host=db.example port=6543 user=alice password=secret dbname=app sslmode=disable application_name=x",
		"host=h1,h2 hostaddr=10.0.0.1,10.0.0.2 port=1,2 user=alice password='secret' dbname=app sslmode=disable application_name=x",
	} {
		dsn, err := p.DSN(base)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		cfg, err := pgmoon.ParseConfig(dsn)
		if err != nil {
			t.Errorf("%s: DSN %s: %v", base, dsn, err)
			continue
		}
		if cfg.Host != "127.0.0.1" || int(cfg.Port) != p.Port() || cfg.HostAddr != "" || len(cfg.Fallbacks) != 0 {
			t.Errorf("%s: DSN %s connects to host %q hostaddr %q port %d (+%d hosts), want only the proxy",
				base, dsn, cfg.Host, cfg.HostAddr, cfg.Port, len(cfg.Fallbacks))
		}
		if cfg.User != "alice" || cfg.Password != "secret" || cfg.Database != "app" || cfg.SSLMode != "disable" || cfg.ApplicationName != "x" {
			t.Errorf("%s: DSN %s lost settings: user %q db %q sslmode %q app %q", base, dsn, cfg.User, cfg.Database, cfg.SSLMode, cfg.ApplicationName)
		}
	}
	if _, err := p.DSN(""); err == nil {
		t.Error("DSN accepted an empty connection string")
	}
	if _, err := p.DSN("host=x user='unterminated"); err == nil {
		t.Error("DSN accepted a malformed connection string")
	}
}

// TestProxyRealServer runs sessions through the proxy to the shared server:
// as a SCRAM user with 1-byte writes and latency both ways, and with faults
// changed while a session is live.
func TestProxyRealServer(t *testing.T) {
	noLeaks(t)
	srv := pgtest.Default(t)
	u, err := srv.User(pgtest.MethodSCRAMSHA256)
	if err != nil {
		t.Fatal(err)
	}
	p := pgtest.NewProxy(t, net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port())))
	dsn, err := p.DSN(srv.URL(u.Name, u.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	p.SetFaults(pgtest.BothWays, pgtest.Faults{SliceSize: 1, Latency: time.Millisecond, Jitter: time.Millisecond})
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	var s string
	rows, err := conn.Query(ctx, "select count(*), string_agg(g::text, ',') from generate_series(1, $1::int) g", 300)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		if err := rows.Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 300 || !strings.HasSuffix(s, ",299,300") {
		t.Fatalf("got %d, %q", n, s)
	}
	if w, b := p.Writes(pgtest.BothWays), p.Forwarded(pgtest.BothWays); w != b {
		t.Errorf("%d writes for %d bytes with SliceSize 1", w, b)
	}

	// A black hole on the live session, then cleared: the query waits,
	// then completes.
	p.SetFaults(pgtest.BothWays, pgtest.Faults{})
	p.SetFaults(pgtest.ToClient, pgtest.Faults{BlackHole: true})
	res := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "select 1")
		res <- err
	}()
	select {
	case err := <-res:
		t.Fatalf("a query answered through a black hole: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	p.ClearFaults()
	if err := <-res; err != nil {
		t.Fatal(err)
	}

	// A reset ends the session with a closed connection.
	p.ResetAll()
	if _, err := conn.Exec(ctx, "select 1"); err == nil {
		t.Fatal("a query succeeded on a reset connection")
	}
	if !conn.IsClosed() {
		t.Fatal("the connection is not closed after a reset")
	}
}
