package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// Direction selects the bytes a fault applies to.
type Direction int

const (
	ToServer Direction = 1 << iota // bytes the client sends
	ToClient                       // bytes the server sends

	// BothWays is ToServer and ToClient.
	BothWays = ToServer | ToClient
)

// String names the direction: "to server", "to client" or "both ways".
func (d Direction) String() string {
	switch d {
	case ToServer:
		return "to server"
	case ToClient:
		return "to client"
	case BothWays:
		return "both ways"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// Faults says what the proxy does to the bytes going one way. The zero value
// forwards them unchanged.
type Faults struct {
	Latency        time.Duration // delay each forwarded chunk by this much
	Jitter         time.Duration // plus a random extra delay in [0, Jitter)
	BytesPerSecond int           // bandwidth limit; 0 means unlimited
	SliceSize      int           // forward in writes of at most this many bytes (1: one byte per write); 0: as read
	BlackHole      bool          // forward nothing and close nothing; reads stop too (TCP back-pressure) until cleared
	CloseAfter     int64         // once this many bytes have passed this way on a connection, close both sides; 0: never
	CorruptAt      int64         // invert the byte at this 1-based offset of this direction's stream on each connection; 0: never
	Reset          bool          // reset (RST, SO_LINGER 0) both sides of every live connection now, and each new one at accept
}

// proxyReadSize is the most a proxy reads from one side at a time.
const proxyReadSize = 32 << 10

// proxyDialTimeout bounds the proxy's connection to its target.
const proxyDialTimeout = 10 * time.Second

// A Proxy is a TCP proxy between clients and a server (a real one or a
// [FakeBackend]) that injects faults into the bytes each way: latency with
// jitter, a bandwidth limit, slicing into small writes, a silent black hole,
// a close after N bytes, a corrupted byte at offset N, and resets. Faults
// can be changed at any time with [Proxy.SetFaults]; live connections see
// the change from their next bytes on.
//
// Each accepted connection gets its own connection to the target, made when
// it is accepted. The offsets of [Faults.CloseAfter] and [Faults.CorruptAt]
// count the bytes forwarded one way on one connection, from 1. When one side
// ends its stream (FIN), the proxy forwards the end to the other side after
// the bytes before it; the connection is gone once both ways have ended, or
// at once after an error, a fault that closes it, [Proxy.CloseAll],
// [Proxy.ResetAll] or [Proxy.Close].
//
// Bytes are never reordered: latency delays each chunk relative to the time
// it was read, and chunks leave in the order they came. A Proxy's methods
// are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target string
	ctx    context.Context // ends at Close: stops dials to the target
	stop   context.CancelFunc
	wg     sync.WaitGroup

	accepted atomic.Int64
	bytes    [2]atomic.Int64 // forwarded each way, indexed by dirIndex
	writes   [2]atomic.Int64

	mu      sync.Mutex
	faults  [2]Faults     // indexed by dirIndex
	changed chan struct{} // closed and replaced whenever faults change
	conns   map[*proxyConn]struct{}
	closed  bool
}

// NewProxy starts a proxy on 127.0.0.1 and a free port that forwards every
// connection to target ("host:port"). It fails t at once if it cannot
// listen, and is closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := StartProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return p
}

// StartProxy is [NewProxy] for programs: it returns an error instead of
// failing a test, and the caller must call [Proxy.Close].
func StartProxy(target string) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("pgtest: proxy: target %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pgtest: proxy: listen: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	p := &Proxy{
		ln:      ln,
		target:  target,
		ctx:     ctx,
		stop:    stop,
		changed: make(chan struct{}),
		conns:   make(map[*proxyConn]struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr returns the address the proxy listens on, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Host returns the IP address the proxy listens on, "127.0.0.1".
func (p *Proxy) Host() string { return p.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the TCP port the proxy listens on.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Target returns the address the proxy forwards connections to.
func (p *Proxy) Target() string { return p.target }

// DSN returns base, a connection string in URL or keyword/value form, made
// to connect through the proxy: its host and port become the proxy's, and
// any hostaddr or further hosts of a multi-host string are dropped (by
// appending settings, which override the string's own under libpq's rules).
// Everything else (user, password, database, sslmode...) is kept. With TLS,
// the server's certificate must name 127.0.0.1 for sslmode verify-full.
func (p *Proxy) DSN(base string) (string, error) {
	if base == "" {
		return "", errors.New("pgtest: proxy: DSN: empty base connection string")
	}
	dsn := withSettings(base,
		[2]string{"host", p.Host()},
		[2]string{"hostaddr", ""},
		[2]string{"port", strconv.Itoa(p.Port())},
	)
	// The driver's parser checks the result, and that it names the proxy
	// and nothing else.
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		return "", fmt.Errorf("pgtest: proxy: DSN: %w", err)
	}
	if cfg.Host != p.Host() || cfg.HostAddr != "" || int(cfg.Port) != p.Port() || len(cfg.Fallbacks) != 0 {
		return "", fmt.Errorf("pgtest: proxy: DSN: the connection string still names another server (host %q, hostaddr %q, port %d, %d more hosts)",
			cfg.Host, cfg.HostAddr, cfg.Port, len(cfg.Fallbacks))
	}
	return dsn, nil
}

// SetFaults replaces the faults for direction d (ToServer, ToClient or
// BothWays). Live connections apply them from their next bytes on (a
// BlackHole stops forwarding at once, and clearing it resumes); new
// connections start with them. Faults.Reset resets every live connection at
// once, and every new one as it is accepted until the faults are replaced.
func (p *Proxy) SetFaults(d Direction, f Faults) {
	p.mu.Lock()
	for i, dir := range [2]Direction{ToServer, ToClient} {
		if d&dir != 0 {
			p.faults[i] = f
		}
	}
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	if f.Reset && d&BothWays != 0 {
		p.ResetAll()
	}
}

// Faults returns the faults set for one direction (ToServer or ToClient).
func (p *Proxy) Faults(d Direction) Faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d == ToClient {
		return p.faults[1]
	}
	return p.faults[0]
}

// ClearFaults removes every fault: bytes flow unchanged from now on, and
// black-holed bytes move again.
func (p *Proxy) ClearFaults() { p.SetFaults(BothWays, Faults{}) }

// ResetAll resets (RST) both sides of every live connection now.
func (p *Proxy) ResetAll() {
	for _, c := range p.live() {
		c.shutdown(true)
	}
}

// CloseAll closes both sides of every live connection now (FIN), dropping
// bytes not forwarded yet.
func (p *Proxy) CloseAll() {
	for _, c := range p.live() {
		c.shutdown(false)
	}
}

// Conns returns the number of live connections.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Accepted returns the number of connections the proxy has accepted since it
// started, live or gone (those reset at accept included).
func (p *Proxy) Accepted() int { return int(p.accepted.Load()) }

// Forwarded returns the number of bytes forwarded in direction d (ToServer,
// ToClient or BothWays) over every connection since the proxy started. A
// test can run a session once without faults to learn how long each stream
// is, then aim CloseAfter or CorruptAt at every offset.
func (p *Proxy) Forwarded(d Direction) int64 { return sumWays(&p.bytes, d) }

// Writes returns the number of writes the proxy made in direction d over
// every connection since it started (with SliceSize 1, one per byte).
func (p *Proxy) Writes(d Direction) int64 { return sumWays(&p.writes, d) }

// sumWays adds up the counters of the ways d selects.
func sumWays(counters *[2]atomic.Int64, d Direction) int64 {
	var n int64
	if d&ToServer != 0 {
		n += counters[idxToServer].Load()
	}
	if d&ToClient != 0 {
		n += counters[idxToClient].Load()
	}
	return n
}

// Close stops listening, closes every connection and returns once every
// goroutine of the proxy has ended. It does not wait for peers: a write
// blocked on a peer that reads nothing ends with the close. Close may be
// called more than once.
func (p *Proxy) Close() error {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	var err error
	if !already {
		p.stop()
		if cerr := p.ln.Close(); cerr != nil {
			err = fmt.Errorf("pgtest: proxy: close: %w", cerr)
		}
	}
	p.CloseAll()
	p.wg.Wait()
	return err
}

func (p *Proxy) live() []*proxyConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		cs = append(cs, c)
	}
	return cs
}

// current returns the faults for one direction and the channel closed at
// their next change.
func (p *Proxy) current(dir int) (Faults, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults[dir], p.changed
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// A transient accept failure (EMFILE, ECONNABORTED): try again
			// shortly rather than spin.
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		p.accepted.Add(1)
		c := &proxyConn{p: p, client: nc, done: make(chan struct{})}
		p.mu.Lock()
		reset := p.faults[0].Reset || p.faults[1].Reset
		if p.closed || reset {
			p.mu.Unlock()
			if reset {
				setLingerZero(nc)
			}
			_ = nc.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go c.run()
	}
}

// dirIndex values: the index of a direction in Proxy.faults.
const (
	idxToServer = 0
	idxToClient = 1
)

// proxyConn is one client connection and its connection to the target.
type proxyConn struct {
	p      *Proxy
	client net.Conn
	done   chan struct{} // closed by shutdown

	// closing is set before the write that reaches a CloseAfter offset:
	// from then on nothing more is forwarded either way, so that no
	// answer to the last bytes slips through before both sides close.
	closing atomic.Bool

	mu       sync.Mutex
	server   net.Conn // nil until dialled
	shut     bool
	halfDone int // directions whose stream ended cleanly
}

// run dials the target and starts the four goroutines that move the bytes:
// a reader and a writer each way.
func (c *proxyConn) run() {
	defer c.p.wg.Done()
	ctx, cancel := context.WithTimeout(c.p.ctx, proxyDialTimeout)
	var d net.Dialer
	sc, err := d.DialContext(ctx, "tcp", c.p.target)
	cancel()
	if err != nil {
		// The client sees its connection closed, as it would if the
		// server were down.
		c.shutdown(false)
		return
	}
	c.mu.Lock()
	if c.shut {
		c.mu.Unlock()
		_ = sc.Close()
		return
	}
	c.server = sc
	c.mu.Unlock()
	toServer := make(chan chunk, 16)
	toClient := make(chan chunk, 16)
	c.p.wg.Add(4)
	go c.read(c.client, idxToServer, toServer)
	go c.write(sc, idxToServer, toServer)
	go c.read(sc, idxToClient, toClient)
	go c.write(c.client, idxToClient, toClient)
}

// chunk is what one read returned, and when.
type chunk struct {
	data []byte
	at   time.Time
	err  error // set on the last chunk of a stream: io.EOF or the read error
}

// read moves bytes from src to the channel its writer takes them from. It
// stops reading while the direction is black-holed.
func (c *proxyConn) read(src net.Conn, dir int, out chan<- chunk) {
	defer c.p.wg.Done()
	buf := make([]byte, proxyReadSize)
	for {
		for {
			f, changed := c.p.current(dir)
			if !f.BlackHole {
				break
			}
			select {
			case <-changed:
			case <-c.done:
				return
			}
		}
		n, err := src.Read(buf)
		if n > 0 {
			ch := chunk{data: append([]byte(nil), buf[:n]...), at: time.Now()}
			select {
			case out <- ch:
			case <-c.done:
				return
			}
		}
		if err != nil {
			select {
			case out <- chunk{err: err, at: time.Now()}:
			case <-c.done:
			}
			return
		}
	}
}

// write forwards chunks to dst with the direction's faults.
func (c *proxyConn) write(dst net.Conn, dir int, in <-chan chunk) {
	defer c.p.wg.Done()
	w := &dirWriter{c: c, dst: dst, dir: dir}
	for {
		_, changed := c.p.current(dir)
		if w.closeAfterReached() {
			c.shutdown(false)
			return
		}
		select {
		case ch := <-in:
			if !w.forward(ch) {
				return
			}
		case <-changed:
		case <-c.done:
			return
		}
	}
}

// dirWriter is the state of one direction's writer.
type dirWriter struct {
	c        *proxyConn
	dst      net.Conn
	dir      int
	pos      int64     // bytes forwarded so far
	nextSend time.Time // bandwidth limit: when the next write may start
}

func (w *dirWriter) closeAfterReached() bool {
	f, _ := w.c.p.current(w.dir)
	return f.CloseAfter > 0 && w.pos >= f.CloseAfter
}

// forward writes one chunk, piece by piece, applying the faults in force
// before each piece. A chunk that ends the stream is passed on after the
// same delays. It returns false once the connection is gone.
func (w *dirWriter) forward(ch chunk) bool {
	data := ch.data
	jitter := time.Duration(-1) // drawn once per chunk, when first needed
	for {
		f, changed := w.c.p.current(w.dir)
		if f.BlackHole {
			if !w.c.wait(changed, nil) {
				return false
			}
			continue
		}
		if f.CloseAfter > 0 && w.pos >= f.CloseAfter {
			w.c.shutdown(false)
			return false
		}
		if jitter < 0 && f.Jitter > 0 {
			jitter = rand.N(f.Jitter)
		}
		if delay := f.Latency + max(jitter, 0); delay > 0 {
			if wait := time.Until(ch.at.Add(delay)); wait > 0 {
				if !w.c.sleep(wait, changed) {
					return false
				}
				continue // the faults may have changed meanwhile
			}
		}
		if len(data) == 0 {
			if ch.err != nil {
				w.c.endStream(w.dst, ch.err)
				return false
			}
			return true
		}
		n := len(data)
		if f.SliceSize > 0 {
			n = min(n, f.SliceSize)
		}
		if f.CloseAfter > 0 {
			n = int(min(int64(n), f.CloseAfter-w.pos))
		}
		if f.BytesPerSecond > 0 {
			// Pieces of about 1/20 s each keep the rate smooth.
			n = min(n, max(1, f.BytesPerSecond/20))
			if wait := time.Until(w.nextSend); wait > 0 {
				if !w.c.sleep(wait, changed) {
					return false
				}
				continue
			}
		}
		if w.c.closing.Load() {
			return false // the other way reached its CloseAfter
		}
		if f.CloseAfter > 0 && w.pos+int64(n) >= f.CloseAfter {
			w.c.closing.Store(true)
		}
		piece := data[:n]
		if f.CorruptAt > w.pos && f.CorruptAt <= w.pos+int64(n) {
			piece[f.CorruptAt-w.pos-1] ^= 0xFF
		}
		if _, err := w.dst.Write(piece); err != nil {
			w.c.shutdown(false)
			return false
		}
		w.pos += int64(n)
		w.c.p.bytes[w.dir].Add(int64(n))
		w.c.p.writes[w.dir].Add(1)
		data = data[n:]
		if f.BytesPerSecond > 0 {
			now := time.Now()
			if w.nextSend.Before(now) {
				w.nextSend = now
			}
			w.nextSend = w.nextSend.Add(time.Duration(int64(n) * int64(time.Second) / int64(f.BytesPerSecond)))
		}
		if f.CloseAfter > 0 && w.pos >= f.CloseAfter {
			w.c.shutdown(false)
			return false
		}
	}
}

// wait waits until changed is closed (true) or the connection is gone
// (false); timer, when not nil, also ends the wait (true).
func (c *proxyConn) wait(changed <-chan struct{}, timer <-chan time.Time) bool {
	select {
	case <-changed:
		return true
	case <-timer:
		return true
	case <-c.done:
		return false
	}
}

// sleep waits for d, or until the faults change (true), or until the
// connection is gone (false).
func (c *proxyConn) sleep(d time.Duration, changed <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	return c.wait(changed, t.C)
}

// endStream passes the end of one direction's stream on to dst: a clean end
// (EOF) as a FIN, after which the other direction may go on; a read error
// (a reset, say) by closing the connection.
func (c *proxyConn) endStream(dst net.Conn, err error) {
	if !errors.Is(err, io.EOF) {
		c.shutdown(false)
		return
	}
	cw, ok := dst.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		c.shutdown(false)
		return
	}
	c.mu.Lock()
	c.halfDone++
	both := c.halfDone == 2
	c.mu.Unlock()
	if both {
		c.shutdown(false)
	}
}

// shutdown closes both sides of the connection, with a reset when rst is
// set, and ends its goroutines (closing unblocks their reads and writes).
func (c *proxyConn) shutdown(rst bool) {
	c.mu.Lock()
	if c.shut {
		c.mu.Unlock()
		return
	}
	c.shut = true
	sc := c.server
	close(c.done)
	c.mu.Unlock()
	for _, nc := range []net.Conn{c.client, sc} {
		if nc == nil {
			continue
		}
		if rst {
			setLingerZero(nc)
		}
		_ = nc.Close()
	}
	c.p.mu.Lock()
	delete(c.p.conns, c)
	c.p.mu.Unlock()
}

// setLingerZero makes the next Close of nc send a reset (RST) instead of a
// FIN.
func setLingerZero(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}
