package pgtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// A Script is what a [FakeBackend] does on one connection: its steps, in
// order. When the last step has passed, the fake closes the connection.
//
//	pgtest.Script{
//		pgtest.Handshake(),
//		pgtest.Expect(&protocol.Query{SQL: "select 1"}),
//		pgtest.SendRaw([]byte{'Z', 0, 0, 0, 4}), // ReadyForQuery without its status byte
//		pgtest.ExpectClose(),
//	}
type Script []Step

// A Step is one action of a Script: read and check a message from the
// client, send something, wait, hang up. Build steps with the functions of
// this package; the zero Step fails when it runs.
type Step struct {
	name string
	run  func(*fakeConn) error
}

// String returns the step as failure reports name it, e.g. "Expect(Query)".
func (s Step) String() string { return s.name }

// FakeProcessID is the process ID the BackendKeyData of [Handshake]
// carries, for ExpectCancelRequest.
const FakeProcessID uint32 = 4242

// FakeSecretKey returns the secret key the BackendKeyData of [Handshake]
// carries: 1, 2, 3, 4.
func FakeSecretKey() []byte { return []byte{1, 2, 3, 4} }

// Handshake is the session start of a server that trusts every client: it
// expects a StartupMessage, then sends AuthenticationOk, BackendKeyData
// ([FakeProcessID], [FakeSecretKey]), ParameterStatus for server_version
// 15.0, client_encoding UTF8 and standard_conforming_strings on, and
// ReadyForQuery (idle). Each of params, a name and a value, replaces the
// default of that name or is sent after the defaults.
func Handshake(params ...[2]string) Step {
	status := []protocol.ParameterStatus{
		{Name: "server_version", Value: "15.0"},
		{Name: "client_encoding", Value: "UTF8"},
		{Name: "standard_conforming_strings", Value: "on"},
	}
next:
	for _, p := range params {
		for i := range status {
			if status[i].Name == p[0] {
				status[i].Value = p[1]
				continue next
			}
		}
		status = append(status, protocol.ParameterStatus{Name: p[0], Value: p[1]})
	}
	msgs := []protocol.BackendMessage{
		&protocol.AuthenticationOk{},
		&protocol.BackendKeyData{ProcessID: FakeProcessID, SecretKey: FakeSecretKey()},
	}
	for i := range status {
		msgs = append(msgs, &status[i])
	}
	msgs = append(msgs, &protocol.ReadyForQuery{TxStatus: protocol.TxIdle})
	return Group("Handshake", ExpectStartup(), Send(msgs...))
}

// Group makes one step of several, run in order, so that a convenience such
// as Handshake fits in a Script literal. A failure names the group and the
// step inside it.
func Group(name string, steps ...Step) Step {
	return Step{name: name, run: func(c *fakeConn) error {
		j, err := runSteps(c, steps, nil)
		if err == nil || err == errCutShort {
			return err
		}
		return fmt.Errorf("%s: %w", steps[j], err)
	}}
}

// ExpectStartup reads a StartupMessage; anything else fails. Each of want
// must be among its parameters with that value; other parameters, their
// order and the protocol version are not checked (Expect checks a whole
// message).
func ExpectStartup(want ...protocol.StartupParameter) Step {
	return Step{name: "ExpectStartup", run: func(c *fakeConn) error {
		msg, err := c.next(true)
		if err != nil {
			return err
		}
		m, ok := msg.(*protocol.StartupMessage)
		if !ok {
			return fmt.Errorf("got %s, want StartupMessage", describe(msg))
		}
	check:
		for _, w := range want {
			for _, p := range m.Parameters {
				if p.Name == w.Name {
					if p.Value != w.Value {
						return fmt.Errorf("startup parameter %s = %q, want %q", w.Name, p.Value, w.Value)
					}
					continue check
				}
			}
			return fmt.Errorf("no startup parameter %s in %s", w.Name, describe(m))
		}
		return nil
	}}
}

// ExpectSSLRequest reads an SSLRequest; anything else fails. The server's
// answer is one byte: follow with SendRaw([]byte{'N'}) to refuse TLS.
func ExpectSSLRequest() Step {
	return ExpectType(&protocol.SSLRequest{})
}

// ExpectCancelRequest reads a CancelRequest for process pid with secret key
// key; anything else fails. A server sends nothing back, so the script
// usually ends here (the fake then closes the connection) or continues with
// ExpectClose.
func ExpectCancelRequest(pid uint32, key []byte) Step {
	key = bytes.Clone(key)
	return Step{name: fmt.Sprintf("ExpectCancelRequest(%d)", pid), run: func(c *fakeConn) error {
		msg, err := c.next(true)
		if err != nil {
			return err
		}
		m, ok := msg.(*protocol.CancelRequest)
		if !ok {
			return fmt.Errorf("got %s, want CancelRequest", describe(msg))
		}
		if m.ProcessID != pid || !bytes.Equal(m.SecretKey, key) {
			return fmt.Errorf("got CancelRequest for process %d key %x, want process %d key %x",
				m.ProcessID, m.SecretKey, pid, key)
		}
		return nil
	}}
}

// Expect reads the next message and fails unless it is want: same type and
// the same encoding on the wire (so a StartupMessage must list the same
// parameters in the same order). Startup-phase messages (StartupMessage,
// SSLRequest, GSSENCRequest, CancelRequest) are read as such; a message of
// type 'p' is decoded as want's type whatever SetAuthType says. The script
// holds want until the step runs.
func Expect(want protocol.FrontendMessage) Step {
	return Step{name: "Expect(" + msgName(want) + ")", run: func(c *fakeConn) error {
		wantEnc, err := want.Encode(nil)
		if err != nil {
			return fmt.Errorf("cannot encode the expected message: %w", err)
		}
		got, err := c.nextLike(want)
		if err != nil {
			return err
		}
		if reflect.TypeOf(got) != reflect.TypeOf(want) {
			return fmt.Errorf("got %s, want %s", describe(got), describe(want))
		}
		gotEnc, err := got.Encode(nil)
		if err != nil {
			return fmt.Errorf("got %s, which does not encode again: %w", describe(got), err)
		}
		if !bytes.Equal(gotEnc, wantEnc) {
			g, w := describe(got), describe(want)
			if g == w {
				// Redacted payloads, or a difference the trace format does
				// not show: say where, not what.
				return fmt.Errorf("got %s, want %s: encodings differ from byte %d", g, w, firstDiff(gotEnc, wantEnc))
			}
			return fmt.Errorf("got %s, want %s", g, w)
		}
		return nil
	}}
}

// ExpectType reads the next message and fails unless it has the type of
// example; its fields are not checked. It reads startup-phase messages and
// 'p' messages as Expect does.
func ExpectType(example protocol.FrontendMessage) Step {
	return Step{name: "ExpectType(" + msgName(example) + ")", run: func(c *fakeConn) error {
		got, err := c.nextLike(example)
		if err != nil {
			return err
		}
		if reflect.TypeOf(got) != reflect.TypeOf(example) {
			return fmt.Errorf("got %s, want %s", describe(got), msgName(example))
		}
		return nil
	}}
}

// ExpectFunc reads the next message and fails with the error check returns
// for it. Until a StartupMessage has been received on the connection, the
// message is read as a startup-phase message; after, as a typed message,
// with 'p' decoded as SetAuthType says. The message is only valid during
// the call.
func ExpectFunc(check func(protocol.FrontendMessage) error) Step {
	return Step{name: "ExpectFunc", run: func(c *fakeConn) error {
		msg, err := c.next(!c.typed)
		if err != nil {
			return err
		}
		if err := check(msg); err != nil {
			return fmt.Errorf("got %s: %w", describe(msg), err)
		}
		return nil
	}}
}

// SetAuthType sets how ExpectFunc and ExpectClose decode the messages of
// type 'p' that follow on the connection (default protocol.AuthPassword);
// see protocol.Backend.SetAuthType. Expect and ExpectType do not need it.
func SetAuthType(kind protocol.AuthKind) Step {
	return Step{name: "SetAuthType(" + authKindName(kind) + ")", run: func(c *fakeConn) error {
		c.auth = kind
		c.be.SetAuthType(kind)
		return nil
	}}
}

// Send encodes msgs and writes them in one write. A message that does not
// encode fails the step; SendRaw sends what no message encodes to.
func Send(msgs ...protocol.BackendMessage) Step {
	names := make([]string, 0, len(msgs))
	for i := 0; i < len(msgs); {
		n := 1
		for i+n < len(msgs) && reflect.TypeOf(msgs[i+n]) == reflect.TypeOf(msgs[i]) {
			n++
		}
		name := msgName(msgs[i])
		if n > 1 {
			name += " x" + strconv.Itoa(n)
		}
		names = append(names, name)
		i += n
	}
	return Step{name: "Send(" + strings.Join(names, ", ") + ")", run: func(c *fakeConn) error {
		for _, m := range msgs {
			if err := c.be.Send(m); err != nil {
				return fmt.Errorf("encode %s: %w", msgName(m), err)
			}
		}
		return c.flush()
	}}
}

// SendRaw writes b as it is, in one write: malformed messages, a message
// split in the middle, the one-byte answer to an SSLRequest. b is copied.
func SendRaw(b []byte) Step {
	b = bytes.Clone(b)
	return Step{name: fmt.Sprintf("SendRaw(%d bytes)", len(b)), run: func(c *fakeConn) error {
		if c.trace != nil {
			fmt.Fprintf(c.trace, "B\t%d\t(raw)\t %q\n", len(b), b)
		}
		if err := c.be.SendRaw(b); err != nil {
			return err
		}
		return c.flush()
	}}
}

// Sleep stalls the script for d. When the test ends during the sleep, the
// sleep is cut short and the steps after it are reported as unfinished; a
// Sleep that ends a script is not, so a script can stall "forever" with
// Sleep(time.Hour) as its last step.
func Sleep(d time.Duration) Step {
	return Step{name: "Sleep(" + d.String() + ")", run: func(c *fakeConn) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-c.f.ctx.Done():
			return errCutShort
		}
	}}
}

// ExpectClose fails unless the client closes the connection (or resets it)
// within 5s, or within the FakeBackend's timeout if shorter. A message that
// arrives first fails the step: a client that says goodbye properly needs
// Expect(&protocol.Terminate{}) before ExpectClose.
func ExpectClose() Step {
	return Step{name: "ExpectClose", run: func(c *fakeConn) error {
		timeout := min(expectCloseTimeout, c.f.stepTimeout())
		msg, err := c.receive(!c.typed, timeout)
		switch {
		case err == nil:
			return fmt.Errorf("got %s, want the client to close the connection", describe(msg))
		case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			return fmt.Errorf("client did not close the connection within %v", timeout)
		}
		return c.explain(err, timeout, "")
	}}
}

// CloseConn closes the connection: the server hangs up. Steps after it
// fail, so it usually ends a script.
func CloseConn() Step {
	return Step{name: "CloseConn", run: func(c *fakeConn) error {
		if err := c.conn.Close(); err != nil {
			return c.explain(err, 0, "")
		}
		return nil
	}}
}

// Do runs fn as a step, for what the other steps do not cover, such as
// making one script wait for another (a channel closed by a Do step of the
// script that receives the CancelRequest). ctx ends when the test ends and
// after the FakeBackend's timeout; fn should return when it does.
func Do(name string, fn func(ctx context.Context) error) Step {
	return Step{name: "Do(" + name + ")", run: func(c *fakeConn) error {
		ctx, cancel := context.WithTimeout(c.f.ctx, c.f.stepTimeout())
		defer cancel()
		err := fn(ctx)
		if err != nil && c.f.ctx.Err() != nil {
			return fmt.Errorf("%w: %v", errUnfinished, err)
		}
		return err
	}}
}

// ---- describing messages in failures ----

// maxDescribeLen bounds a message description in a failure report.
const maxDescribeLen = 200

// msgName returns the name of a message type, e.g. "Query".
func msgName(m protocol.Message) string {
	if m == nil {
		return "nil"
	}
	t := reflect.TypeOf(m)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// describe renders a frontend message as a protocol.Tracer line without its
// direction and length, e.g. `Query "select 1"`; credentials stay redacted.
func describe(m protocol.FrontendMessage) string {
	name := msgName(m)
	if m == nil {
		return name
	}
	enc, err := m.Encode(nil)
	if err != nil {
		return name + " (which does not encode: " + err.Error() + ")"
	}
	var out bytes.Buffer
	be := protocol.NewBackend(bytes.NewReader(enc), io.Discard)
	be.Trace(protocol.NewTracer(&out))
	if kind, ok := authKindOf(m); ok {
		be.SetAuthType(kind)
	}
	if isUntyped(m) {
		_, err = be.ReceiveStartupMessage()
	} else {
		_, err = be.Receive()
	}
	if err != nil || out.Len() == 0 {
		return name
	}
	// "F\t13\tQuery\t \"select 1\"\n" -> `Query "select 1"`
	line := strings.TrimSuffix(out.String(), "\n")
	if parts := strings.SplitN(line, "\t", 3); len(parts) == 3 {
		line = parts[2]
	}
	line = strings.ReplaceAll(line, "\t", "")
	if len(line) > maxDescribeLen {
		line = line[:maxDescribeLen] + "..."
	}
	return line
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// isUntyped reports whether m is a startup-phase message, which has no type
// byte.
func isUntyped(m protocol.FrontendMessage) bool {
	switch m.(type) {
	case *protocol.StartupMessage, *protocol.SSLRequest, *protocol.GSSENCRequest, *protocol.CancelRequest:
		return true
	}
	return false
}

// authKindOf returns how a Backend must decode 'p' to get a message of m's
// type, if m is one of the 'p' messages.
func authKindOf(m protocol.FrontendMessage) (protocol.AuthKind, bool) {
	switch m.(type) {
	case *protocol.PasswordMessage:
		return protocol.AuthPassword, true
	case *protocol.SASLInitialResponse:
		return protocol.AuthSASLInitial, true
	case *protocol.SASLResponse:
		return protocol.AuthSASLResponse, true
	case *protocol.GSSResponse:
		return protocol.AuthGSS, true
	}
	return 0, false
}

func authKindName(k protocol.AuthKind) string {
	switch k {
	case protocol.AuthPassword:
		return "AuthPassword"
	case protocol.AuthSASLInitial:
		return "AuthSASLInitial"
	case protocol.AuthSASLResponse:
		return "AuthSASLResponse"
	case protocol.AuthGSS:
		return "AuthGSS"
	}
	return "AuthKind(" + strconv.Itoa(int(k)) + ")"
}

// StartTLS answers an SSLRequest the client sent (read it with
// ExpectSSLRequest first) with 'S' and runs the server side of the TLS
// handshake with conf; the steps after it speak over TLS. conf needs a
// certificate (see [NewTestCertificate]). Under sslnegotiation=direct, where
// the client starts TLS at once, use StartDirectTLS instead.
func StartTLS(conf *tls.Config) Step {
	return Step{name: "StartTLS", run: func(c *fakeConn) error {
		if _, err := c.conn.Write([]byte{'S'}); err != nil {
			return c.explain(err, 0, "")
		}
		return c.startTLS(conf)
	}}
}

// StartDirectTLS runs the server side of the TLS handshake at once, as a
// PostgreSQL 17 server does for a client using sslnegotiation=direct. To
// accept the client, conf.NextProtos should hold "postgresql".
func StartDirectTLS(conf *tls.Config) Step {
	return Step{name: "StartDirectTLS", run: func(c *fakeConn) error { return c.startTLS(conf) }}
}

// startTLS replaces the connection with a TLS server connection over it.
func (c *fakeConn) startTLS(conf *tls.Config) error {
	tc := tls.Server(c.conn, conf)
	timeout := c.f.stepTimeout()
	_ = tc.SetDeadline(time.Now().Add(timeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	_ = tc.SetDeadline(time.Time{})
	c.conn = tc
	c.be = protocol.NewBackend(tc, tc)
	c.be.SetAuthType(c.auth)
	if c.trace != nil {
		c.be.Trace(protocol.NewTracer(c.trace))
	}
	return nil
}

// NewTestCertificate returns a self-signed certificate and key for a fake
// backend's TLS, valid for an hour for the given DNS names and IP
// addresses, signed with ECDSA P-256 and SHA-256 (or, with keyType
// "ed25519", with Ed25519, for which tls-server-end-point channel binding
// defines no hash).
func NewTestCertificate(keyType string, names ...string) (tls.Certificate, error) {
	if keyType == "" {
		keyType = "ecdsa"
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "pgtest fake backend"},
		NotBefore:   time.Now().Add(-time.Minute),
		NotAfter:    time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	cert, key, err := newCert(tmpl, nil, nil, keyType)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pgtest: NewTestCertificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, nil
}

// SendFunc sends the messages fn returns when the step runs, in one write,
// for an answer that depends on what the client sent earlier (a SCRAM
// server-first-message must echo the client's nonce, which an ExpectFunc
// step before it can keep). An error from fn fails the step.
func SendFunc(name string, fn func() ([]protocol.BackendMessage, error)) Step {
	return Step{name: "SendFunc(" + name + ")", run: func(c *fakeConn) error {
		msgs, err := fn()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := c.be.Send(m); err != nil {
				return fmt.Errorf("encode %s: %w", msgName(m), err)
			}
		}
		return c.flush()
	}}
}

// ExpectTLSClientHello reads one TLS handshake record from the client (its
// ClientHello) and does not answer it, so that a fake can play a broken TLS
// server: answer SSLRequest with SendRaw([]byte{'S'}), read the ClientHello
// with ExpectTLSClientHello, then send garbage, or nothing (a TLS stall).
// Anything but a TLS handshake record fails the step. It reads the socket
// directly, which is safe after an SSLRequest: the client sends nothing
// more until it has the answer.
// See https://www.rfc-editor.org/rfc/rfc8446#section-5.1
func ExpectTLSClientHello() Step {
	return Step{name: "ExpectTLSClientHello", run: func(c *fakeConn) error {
		timeout := c.f.stepTimeout()
		_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
		var hdr [5]byte // content type, legacy version, length
		if _, err := io.ReadFull(c.conn, hdr[:]); err != nil {
			return c.explain(err, timeout, "no ClientHello from the client")
		}
		if hdr[0] != 0x16 { // handshake
			return fmt.Errorf("got % x, want the header of a TLS handshake record", hdr)
		}
		n := int(hdr[3])<<8 | int(hdr[4])
		if _, err := io.ReadFull(c.conn, make([]byte, n)); err != nil {
			return c.explain(err, timeout, "the client stopped inside its ClientHello")
		}
		if c.trace != nil {
			fmt.Fprintf(c.trace, "F\t%d\t(TLS ClientHello record)\n", 5+n)
		}
		return nil
	}}
}

// ExpectTLSRefused answers an SSLRequest (read it with ExpectSSLRequest
// first) with 'S' and runs the server side of a TLS handshake with conf
// that the client must abort, as it does when it rejects the server's
// certificate (an unknown authority, a host name that does not match).
// The step fails if the handshake completes. Follow it with ExpectClose to
// check that the client then hangs up without sending anything.
func ExpectTLSRefused(conf *tls.Config) Step {
	return Step{name: "ExpectTLSRefused", run: func(c *fakeConn) error {
		if _, err := c.conn.Write([]byte{'S'}); err != nil {
			return c.explain(err, 0, "")
		}
		tc := tls.Server(c.conn, conf)
		_ = tc.SetDeadline(time.Now().Add(c.f.stepTimeout()))
		err := tc.Handshake()
		_ = c.conn.SetDeadline(time.Time{})
		if err == nil {
			return errors.New("the client completed the TLS handshake; want it to refuse the server")
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("TLS handshake: the client neither finished nor aborted it: %w", err)
		}
		return nil
	}}
}
