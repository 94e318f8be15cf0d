package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// Time limits of a FakeBackend.
const (
	defaultFakeTimeout = 10 * time.Second // each read and write; see SetTimeout
	expectCloseTimeout = 5 * time.Second  // ExpectClose, unless SetTimeout is shorter
	fakeCleanupGrace   = time.Second      // running scripts may finish during cleanup
)

// Errors a ScriptError carries besides those of the connection.
var (
	errUnfinished = errors.New("unfinished when the test ended")
	errNoConn     = errors.New("unfinished: no client connected for this script")
	errNoScript   = errors.New("unexpected connection")
	errCutShort   = errors.New("sleep cut short") // internal: a Sleep ended by cleanup
)

// FakeBackend is a scripted PostgreSQL server for protocol cases a real
// server will not produce: malformed bytes, stalls, impossible message
// orders, authentication exchanges that misbehave. It listens on a loopback
// port and runs scripts[i] on the i-th connection it accepts (counting from
// 0), so a test of query cancellation gives it two scripts: one for the
// session and one for the connection that carries the CancelRequest.
//
// A script runs on its own goroutine. Its steps run in order; the first
// that fails ends the script, and when the last step has passed the fake
// closes the connection. Every read and write of a step has a time limit
// ([FakeBackend.SetTimeout], default 10s), so a client that stalls fails the
// test instead of hanging it.
//
// When the test ends, the FakeBackend stops listening, cuts Sleep steps
// short, gives running scripts a second to finish, then closes every
// connection and waits for its goroutines. It reports each failure with
// t.Errorf: a step that failed, a script left unfinished or never
// connected, a connection beyond the scripts.
//
//	f := pgtest.NewFakeBackend(t, pgtest.Script{
//		pgtest.Handshake(),
//		pgtest.Expect(&protocol.Query{SQL: "select 1"}),
//		pgtest.Sleep(time.Second), // longer than the client's deadline
//		pgtest.ExpectClose(),
//	})
//	conn, err := pgmoon.ConnectString(ctx, f.DSN())
//	...
//	if err := f.Wait(ctx); err != nil {
//		t.Fatal(err)
//	}
type FakeBackend struct {
	t       testing.TB
	ln      net.Listener
	scripts []Script
	ctx     context.Context // done when cleanup begins
	stop    context.CancelFunc
	traceMu sync.Mutex // serializes trace output from all connections

	mu       sync.Mutex
	timeout  time.Duration
	grace    time.Duration // how long cleanup lets running scripts finish
	traceW   io.Writer
	conns    map[net.Conn]struct{} // open connections
	live     int                   // running goroutines: accept loop, connections
	at       []int                 // step each script is at; -1 before it starts
	ended    int                   // scripts that ended, passed or failed
	failures []*ScriptError        // in the order they happened
	forced   bool                  // cleanup closed the connections
	changed  chan struct{}         // closed and replaced on every change above
}

// NewFakeBackend starts a FakeBackend listening on 127.0.0.1 and a free
// port; scripts[i] runs on the i-th accepted connection. A connection beyond
// the scripts is closed at once and reported as a failure. t.Cleanup stops
// the FakeBackend and reports what went wrong.
func NewFakeBackend(t testing.TB, scripts ...Script) *FakeBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: fake backend: listen: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	f := &FakeBackend{
		t:       t,
		ln:      ln,
		scripts: scripts,
		ctx:     ctx,
		stop:    stop,
		timeout: defaultFakeTimeout,
		grace:   fakeCleanupGrace,
		conns:   make(map[net.Conn]struct{}),
		live:    1,
		at:      make([]int, len(scripts)),
		changed: make(chan struct{}),
	}
	for i := range f.at {
		f.at[i] = -1
	}
	t.Cleanup(f.close)
	go f.accept()
	return f
}

// Host returns the address the FakeBackend listens on, "127.0.0.1".
func (f *FakeBackend) Host() string { return "127.0.0.1" }

// Port returns the TCP port the FakeBackend listens on.
func (f *FakeBackend) Port() int { return f.ln.Addr().(*net.TCPAddr).Port }

// Addr returns host:port, for net.Dial.
func (f *FakeBackend) Addr() string { return f.ln.Addr().String() }

// DSN returns a keyword/value connection string for the FakeBackend, with
// user and database "fake" and TLS off.
func (f *FakeBackend) DSN() string {
	return "host=" + f.Host() + " port=" + strconv.Itoa(f.Port()) + " user=fake dbname=fake sslmode=disable"
}

// SetTimeout bounds each read and write of the steps that run after it
// (default 10s); d <= 0 restores the default. ExpectClose waits 5s, or d if
// shorter.
func (f *FakeBackend) SetTimeout(d time.Duration) {
	if d <= 0 {
		d = defaultFakeTimeout
	}
	f.mu.Lock()
	f.timeout = d
	f.mu.Unlock()
}

// Trace writes the fake's side of the wire to w with a [protocol.Tracer]
// (F for what the client sent, B for what the fake sent), for connections
// accepted after the call; nil turns tracing off. Bytes sent by SendRaw are
// traced as one "(raw)" line. With more than one script, each line starts
// with "conn N" and a tab. Calls to w are serialized.
func (f *FakeBackend) Trace(w io.Writer) {
	f.mu.Lock()
	f.traceW = w
	f.mu.Unlock()
}

// Wait waits until every script has run to its end and returns nil, or
// until a step fails and returns that failure, a *ScriptError. If ctx ends
// first it returns an error wrapping ctx.Err() that says where the scripts
// are.
func (f *FakeBackend) Wait(ctx context.Context) error {
	for {
		f.mu.Lock()
		if len(f.failures) > 0 {
			err := f.failures[0]
			f.mu.Unlock()
			return err
		}
		if f.ended >= len(f.scripts) {
			f.mu.Unlock()
			return nil
		}
		changed := f.changed
		f.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("pgtest: fake backend: wait: %w (%s)", ctx.Err(), f.progress())
		}
	}
}

// progress describes where the unfinished scripts are.
func (f *FakeBackend) progress() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := ""
	for i, j := range f.at {
		switch {
		case j == -1:
			s += fmt.Sprintf("; script %d has no connection yet", i)
		case j < len(f.scripts[i]):
			s += fmt.Sprintf("; script %d is at step %d %s", i, j, f.scripts[i][j])
		}
	}
	if s == "" {
		return "every script has ended"
	}
	return s[2:]
}

// ScriptError reports a step of a FakeBackend script that failed or did not
// run, or a connection the FakeBackend had no script for.
type ScriptError struct {
	Conn int    // index of the connection, and of its script, from 0
	Step int    // index of the step in the script, from 0; -1 for a connection without a script
	Name string // the step, as Step.String gives it
	Err  error
}

func (e *ScriptError) Error() string {
	if e.Step < 0 {
		return fmt.Sprintf("pgtest: fake backend: connection %d: %v", e.Conn, e.Err)
	}
	return fmt.Sprintf("pgtest: fake backend: script %d, step %d %s: %v", e.Conn, e.Step, e.Name, e.Err)
}

func (e *ScriptError) Unwrap() error { return e.Err }

// changedLocked wakes Wait and cleanup; f.mu must be held.
func (f *FakeBackend) changedLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *FakeBackend) fail(e *ScriptError) {
	f.mu.Lock()
	f.failures = append(f.failures, e)
	f.changedLocked()
	f.mu.Unlock()
}

func (f *FakeBackend) goroutineDone() {
	f.mu.Lock()
	f.live--
	f.changedLocked()
	f.mu.Unlock()
}

func (f *FakeBackend) stepTimeout() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.timeout
}

func (f *FakeBackend) isForced() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.forced
}

func (f *FakeBackend) accept() {
	defer f.goroutineDone()
	for i := 0; ; i++ {
		conn, err := f.ln.Accept()
		if err != nil {
			if f.ctx.Err() == nil {
				f.fail(&ScriptError{Conn: i, Step: -1, Err: fmt.Errorf("accept: %w", err)})
			}
			return
		}
		f.mu.Lock()
		if f.forced {
			f.mu.Unlock()
			conn.Close()
			return
		}
		f.conns[conn] = struct{}{}
		f.live++
		var tw *traceWriter
		if f.traceW != nil {
			tw = &traceWriter{f: f, w: f.traceW}
			if len(f.scripts) > 1 {
				tw.prefix = "conn " + strconv.Itoa(i) + "\t"
			}
		}
		f.mu.Unlock()
		go f.serve(i, conn, tw)
	}
}

// serve runs script i on conn.
func (f *FakeBackend) serve(i int, conn net.Conn, tw *traceWriter) {
	defer f.goroutineDone()
	defer func() {
		conn.Close()
		f.mu.Lock()
		delete(f.conns, conn)
		f.mu.Unlock()
	}()
	if i >= len(f.scripts) {
		f.fail(&ScriptError{Conn: i, Step: -1,
			Err: fmt.Errorf("%w: the fake backend has %d scripts", errNoScript, len(f.scripts))})
		return
	}
	c := &fakeConn{f: f, conn: conn, be: protocol.NewBackend(conn, conn)}
	if tw != nil {
		c.trace = tw
		c.be.Trace(protocol.NewTracer(tw))
	}
	script := f.scripts[i]
	j, err := runSteps(c, script, func(j int) {
		f.mu.Lock()
		f.at[i] = j
		f.mu.Unlock()
	})
	f.mu.Lock()
	f.at[i] = len(script)
	f.ended++
	if err != nil && err != errCutShort {
		f.failures = append(f.failures, &ScriptError{Conn: i, Step: j, Name: script[j].String(), Err: err})
	}
	f.changedLocked()
	f.mu.Unlock()
}

// runSteps runs steps in order, calling onStep (if not nil) before each. It
// returns the index and the error of the step that failed. A Sleep cut short
// by cleanup stops the steps: it returns errCutShort if that Sleep was the
// last step, which is not a failure, and otherwise errUnfinished for the
// next step.
func runSteps(c *fakeConn, steps []Step, onStep func(int)) (int, error) {
	for j, s := range steps {
		if onStep != nil {
			onStep(j)
		}
		if s.run == nil {
			return j, errors.New("zero Step value; build steps with the pgtest functions")
		}
		err := s.run(c)
		switch {
		case err == nil:
			continue
		case err == errCutShort && j < len(steps)-1:
			return j + 1, errUnfinished
		}
		return j, err
	}
	return -1, nil
}

// close is the FakeBackend's t.Cleanup.
func (f *FakeBackend) close() {
	// Reports then point at the test's call of NewFakeBackend.
	f.t.Helper()
	f.stop()
	f.ln.Close()
	f.mu.Lock()
	grace := time.NewTimer(f.grace)
	f.mu.Unlock()
	defer grace.Stop()
	f.waitGoroutines(grace.C)

	f.mu.Lock()
	f.forced = true
	for conn := range f.conns {
		conn.Close()
	}
	f.mu.Unlock()
	f.waitGoroutines(nil)

	f.mu.Lock()
	for i, j := range f.at {
		if j == -1 {
			name := "(empty script)"
			if len(f.scripts[i]) > 0 {
				name = f.scripts[i][0].String()
			}
			f.failures = append(f.failures, &ScriptError{Conn: i, Step: 0, Name: name, Err: errNoConn})
			f.at[i] = len(f.scripts[i])
			f.ended++
		}
	}
	failures := f.failures
	f.changedLocked()
	f.mu.Unlock()
	for _, e := range failures {
		f.t.Errorf("%v", e)
	}
}

// waitGoroutines waits until the accept loop and every connection's
// goroutine have ended, or until timeout delivers.
func (f *FakeBackend) waitGoroutines(timeout <-chan time.Time) {
	for {
		f.mu.Lock()
		live, changed := f.live, f.changed
		f.mu.Unlock()
		if live == 0 {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			return
		}
	}
}

// traceWriter serializes trace lines from the connections of a FakeBackend
// and prefixes them with the connection when there are several.
type traceWriter struct {
	f      *FakeBackend
	w      io.Writer
	prefix string
}

func (tw *traceWriter) Write(p []byte) (int, error) {
	tw.f.traceMu.Lock()
	defer tw.f.traceMu.Unlock()
	if tw.prefix != "" {
		if _, err := io.WriteString(tw.w, tw.prefix); err != nil {
			return 0, err
		}
	}
	return tw.w.Write(p)
}

// fakeConn is the state of one connection of a FakeBackend; only the
// goroutine running its script uses it.
type fakeConn struct {
	f     *FakeBackend
	conn  net.Conn
	be    *protocol.Backend
	trace io.Writer         // nil unless tracing
	typed bool              // a StartupMessage was received: messages now have a type byte
	auth  protocol.AuthKind // as SetAuthType set it
}

// receive reads one message: a startup-phase one if untyped, else a typed
// one. Errors are those of protocol.Backend.
func (c *fakeConn) receive(untyped bool, timeout time.Duration) (protocol.FrontendMessage, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	var msg protocol.FrontendMessage
	var err error
	if untyped {
		msg, err = c.be.ReceiveStartupMessage()
	} else {
		msg, err = c.be.Receive()
	}
	if err != nil {
		return nil, err
	}
	if _, ok := msg.(*protocol.StartupMessage); ok {
		c.typed = true
	}
	return msg, nil
}

// next is receive for a step that expects a message, with errors explained.
func (c *fakeConn) next(untyped bool) (protocol.FrontendMessage, error) {
	timeout := c.f.stepTimeout()
	msg, err := c.receive(untyped, timeout)
	if err != nil {
		return nil, c.explain(err, timeout, "nothing from the client")
	}
	return msg, nil
}

// nextLike receives a message of the kind example is: a startup-phase
// message, or a typed one, with a 'p' message decoded as example's type.
func (c *fakeConn) nextLike(example protocol.FrontendMessage) (protocol.FrontendMessage, error) {
	untyped := isUntyped(example)
	if kind, ok := authKindOf(example); ok && !untyped {
		c.be.SetAuthType(kind)
		defer c.be.SetAuthType(c.auth)
	}
	return c.next(untyped)
}

// flush writes the pending batch within the time limit.
func (c *fakeConn) flush() error {
	timeout := c.f.stepTimeout()
	_ = c.conn.SetWriteDeadline(time.Now().Add(timeout))
	if err := c.be.Flush(); err != nil {
		return c.explain(err, timeout, "the client did not read")
	}
	return nil
}

// explain turns a read or write error into what it means for the script;
// stalled says what a timeout means.
func (c *fakeConn) explain(err error, timeout time.Duration, stalled string) error {
	var pe *protocol.ProtocolError
	switch {
	case errors.Is(err, net.ErrClosed) && c.f.isForced():
		return errUnfinished
	case errors.Is(err, io.EOF), errors.Is(err, syscall.EPIPE):
		return fmt.Errorf("client closed the connection: %w", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("client closed the connection inside a message: %w", err)
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("client reset the connection: %w", err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%s within %v: %w", stalled, timeout, os.ErrDeadlineExceeded)
	case errors.As(err, &pe):
		return fmt.Errorf("client sent a malformed message: %w", err)
	}
	return err
}
