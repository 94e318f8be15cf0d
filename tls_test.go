package pgmoon_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/auth"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

var (
	tlsServerOnce sync.Once
	tlsServer     *pgtest.Server
	tlsServerErr  error
)

// startTLSServer returns a server with TLS (pgtest.WithTLS) shared by the
// tests of this file, stopped when the test binary ends (pgtest's cleanup
// of leftovers covers a killed binary).
func startTLSServer(t *testing.T) *pgtest.Server {
	t.Helper()
	tlsServerOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		tlsServer, tlsServerErr = pgtest.Start(ctx, pgtest.WithTLS())
		if tlsServerErr == nil {
			closeAtExit = append(closeAtExit, tlsServer)
		}
	})
	if tlsServerErr != nil {
		t.Fatal(tlsServerErr)
	}
	return tlsServer
}

// hostDialer connects every address to one TCP address, so that a Config
// can name a host the certificate does not know while reaching the server.
type hostDialer struct{ addr string }

func (d hostDialer) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", d.addr)
}

// TestSSLModeMatrix connects with every sslmode to a server with and
// without TLS, with no root certificate, the right one and a wrong one,
// with a host name the server's certificate names or does not, and as a
// trusted user without a client certificate or as the certificate-only
// user with none, the right one or one from another authority, and checks
// the outcome against libpq's documented behaviour:
//
//   - disable never uses TLS; allow only after the server refused a
//     plain-text connection (as it does the certificate-only user);
//   - prefer uses TLS when offered, verifies the chain only with a root file,
//     and settles for plain text when the handshake fails;
//   - require needs TLS, and acts as verify-ca when a root file is given;
//   - verify-ca needs a root file and a chain to it;
//   - verify-full also needs the host name in the certificate;
//   - the certificate-only user (hostssl, cert) gets in only over TLS with
//     a client certificate from the server's authority.
func TestSSLModeMatrix(t *testing.T) {
	defer pgmoon.SetPostgresqlDir(t.TempDir())() // no ~/.postgresql defaults
	withTLS := startTLSServer(t)
	plain := pgtest.Default(t)
	otherCA, _ := pgmoon.WriteSelfSigned(t, t.TempDir(), "other-ca", "other CA") // signed nothing the server has
	goodCert, goodKey, err := withTLS.ClientCert("pgmoon_cert")
	if err != nil {
		t.Fatal(err)
	}
	wrongCert, wrongKey := pgmoon.WriteSelfSigned(t, t.TempDir(), "wrong", "pgmoon_cert")
	certUser, err := withTLS.User(pgtest.MethodCert)
	if err != nil {
		t.Fatal(err)
	}

	type outcome int
	const (
		refused outcome = iota
		plainText
		encrypted
	)
	names := map[outcome]string{refused: "refused", plainText: "plain text", encrypted: "TLS"}

	for _, server := range []struct {
		name string
		srv  *pgtest.Server
		tls  bool
	}{{"server TLS on", withTLS, true}, {"server TLS off", plain, false}} {
		clients := []string{"trusted user"}
		if server.tls {
			clients = append(clients, "cert user/no cert", "cert user/good cert", "cert user/wrong cert")
		}
		for _, client := range clients {
			for _, root := range []string{"none", "good", "wrong"} {
				for _, host := range []string{"localhost", "127.0.0.1", "wrong.example"} {
					for _, mode := range []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"} {
						// What libpq does.
						rootFile := map[string]string{"none": "", "good": withTLS.CAFile(), "wrong": otherCA}[root]
						var want outcome
						switch {
						case mode == "disable" || mode == "allow":
							want = plainText
						case (mode == "verify-ca" || mode == "verify-full") && root == "none":
							want = refused // no root certificate file
						case !server.tls:
							want = map[bool]outcome{true: plainText, false: refused}[mode == "prefer"]
						case root == "wrong":
							want = map[bool]outcome{true: plainText, false: refused}[mode == "prefer"]
						case mode == "verify-full" && host == "wrong.example":
							want = refused
						default:
							want = encrypted
						}
						if client != "trusted user" {
							// pg_hba.conf refuses the cert user without TLS;
							// allow then tries again with TLS.
							viaTLS := want == encrypted || mode == "allow" && root != "wrong"
							want = refused
							if viaTLS && client == "cert user/good cert" {
								want = encrypted
							}
						}

						name := fmt.Sprintf("%s/%s/root %s/%s/%s", server.name, client, root, host, mode)
						t.Run(name, func(t *testing.T) {
							cfg, err := pgmoon.ParseConfig(server.srv.DSN())
							if err != nil {
								t.Fatal(err)
							}
							cfg.SSLMode = mode
							cfg.SSLRootCert = rootFile
							cfg.Dialer = hostDialer{net.JoinHostPort(server.srv.Host(), strconv.Itoa(server.srv.Port()))}
							cfg.Host = host
							switch client {
							case "cert user/no cert":
								cfg.User, cfg.Password = certUser.Name, ""
							case "cert user/good cert":
								cfg.User, cfg.Password, cfg.SSLCert, cfg.SSLKey = certUser.Name, "", goodCert, goodKey
							case "cert user/wrong cert":
								cfg.User, cfg.Password, cfg.SSLCert, cfg.SSLKey = certUser.Name, "", wrongCert, wrongKey
							}
							ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
							defer cancel()
							conn, err := pgmoon.Connect(ctx, cfg)
							got := refused
							if err == nil {
								got = plainText
								if conn.UsesTLS() {
									got = encrypted
								}
								conn.Close(ctx)
							}
							if got != want {
								t.Errorf("%s, want %s (err: %v)", names[got], names[want], err)
							}
						})
					}
				}
			}
		}
	}
}

// TestSSLRootCertSystem checks that sslrootcert=system verifies against
// the system's roots, which do not include pgtest's throwaway authority.
func TestSSLRootCertSystem(t *testing.T) {
	srv := startTLSServer(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN() + "&sslrootcert=system&sslmode=verify-full")
	if err != nil {
		t.Fatal(err)
	}
	_, err = pgmoon.Connect(testCtx(t), cfg)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("connect with the system's roots: %v, want an unknown-authority error", err)
	}
}

// TestTLSConfigOverride checks that Config.TLSConfig replaces the ssl*
// settings: a config that trusts pgtest's authority and names the server
// connects even with sslmode=require and no root file.
func TestTLSConfigOverride(t *testing.T) {
	srv := startTLSServer(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig = &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost", MinVersion: tls.VersionTLS13}
	conn := connectConfig(t, cfg)
	if !conn.UsesTLS() {
		t.Error("UsesTLS = false")
	}
	cfg.TLSConfig = &tls.Config{ServerName: "localhost"} // system roots: the handshake fails
	if _, err := pgmoon.Connect(testCtx(t), cfg); err == nil {
		t.Error("connected with a TLSConfig that cannot verify the server")
	}
}

// TestTLSProtocolVersions checks ssl_min_protocol_version and
// ssl_max_protocol_version against the server (which accepts TLS 1.2 and
// 1.3).
func TestTLSProtocolVersions(t *testing.T) {
	srv := startTLSServer(t)
	for _, tc := range []struct {
		min, max string
		ok       bool
	}{{"TLSv1.3", "", true}, {"TLSv1.2", "TLSv1.2", true}, {"TLSv1", "TLSv1.1", false}} {
		cfg, err := pgmoon.ParseConfig(srv.DSN() + "&ssl_min_protocol_version=" + tc.min + "&ssl_max_protocol_version=" + tc.max)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := pgmoon.Connect(testCtx(t), cfg)
		if (err == nil) != tc.ok {
			t.Errorf("min %q max %q: %v, want ok=%v", tc.min, tc.max, err, tc.ok)
		}
		if err == nil {
			conn.Close(context.Background())
		}
	}
}

// TestTLSClientCertificateAndSNI runs a TLS listener that plays the
// server's side of SSLRequest and the handshake, and checks that the
// driver sends its client certificate even when the server names other
// authorities, and sends SNI for a host name but not for an IP address or
// with sslsni=0.
func TestTLSClientCertificateAndSNI(t *testing.T) {
	defer pgmoon.SetPostgresqlDir(t.TempDir())()
	dir := t.TempDir()
	serverCert := selfSigned(t, "server", dir, "server")
	clientCertPath, clientKeyPath := pgmoon.WriteSelfSigned(t, dir, "client", "pgmoon-client")
	otherCA := x509.NewCertPool() // the server asks for certificates of an authority the client's is not from

	type seen struct {
		sni    string
		client string
	}
	results := make(chan seen, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			var req [8]byte
			if _, err := io.ReadFull(nc, req[:]); err != nil {
				nc.Close()
				continue
			}
			nc.Write([]byte{'S'})
			var s seen
			ts := tls.Server(nc, &tls.Config{
				Certificates: []tls.Certificate{serverCert},
				ClientAuth:   tls.RequestClientCert,
				ClientCAs:    otherCA,
				GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
					s.sni = hello.ServerName
					return nil, nil
				},
			})
			if err := ts.Handshake(); err == nil {
				if certs := ts.ConnectionState().PeerCertificates; len(certs) > 0 {
					s.client = certs[0].Subject.CommonName
				}
			}
			results <- s
			ts.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port

	for _, tc := range []struct {
		host, extra string
		wantSNI     string
	}{
		{"localhost", "", "localhost"},
		{"127.0.0.1", "", ""},
		{"localhost", " sslsni=0", ""},
	} {
		cfg, err := pgmoon.ParseConfig(fmt.Sprintf("host=%s port=%d user=u sslmode=require sslcert=%s sslkey=%s%s",
			tc.host, port, clientCertPath, clientKeyPath, tc.extra))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Dialer = hostDialer{ln.Addr().String()}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		pgmoon.Connect(ctx, cfg) // fails after the handshake: the listener is no server
		cancel()
		select {
		case s := <-results:
			if s.sni != tc.wantSNI || s.client != "pgmoon-client" {
				t.Errorf("host %s%s: server saw SNI %q and client certificate %q; want %q and pgmoon-client", tc.host, tc.extra, s.sni, s.client, tc.wantSNI)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("host %s%s: no handshake", tc.host, tc.extra)
		}
	}
}

// selfSigned makes a self-signed certificate for cn and returns it loaded.
func selfSigned(t *testing.T, cn, dir, name string) tls.Certificate {
	t.Helper()
	certPath, keyPath := pgmoon.WriteSelfSigned(t, dir, name, cn)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestSSLNegotiationDirect connects with sslnegotiation=direct: TLS at once,
// with ALPN "postgresql". PostgreSQL 17 and later accept it; older servers
// expect a startup packet and the handshake fails. (The Docker pass of .ci/run
// runs this against PostgreSQL 17, the local pass against 15.)
func TestSSLNegotiationDirect(t *testing.T) {
	srv := startTLSServer(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN() + "&sslnegotiation=direct&sslmode=verify-full&sslrootcert=" + srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = "localhost"
	conn, err := pgmoon.Connect(testCtx(t), cfg)
	if srv.MajorVersion() >= 17 {
		if err != nil {
			t.Fatalf("PostgreSQL %d: %v", srv.MajorVersion(), err)
		}
		if !conn.UsesTLS() {
			t.Error("UsesTLS = false")
		}
		conn.Close(context.Background())
		return
	}
	if err == nil {
		conn.Close(context.Background())
		t.Fatalf("PostgreSQL %d accepted a direct TLS connection", srv.MajorVersion())
	}
}

// TestSSLNegotiationDirectALPN plays a TLS server that does not select the
// "postgresql" protocol: the driver must refuse it, since it may be another
// service behind the port.
func TestSSLNegotiationDirectALPN(t *testing.T) {
	dir := t.TempDir()
	serverCert := selfSigned(t, "server", dir, "server")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{serverCert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	offered := make(chan []string, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		tc := nc.(*tls.Conn)
		tc.Handshake()
		offered <- nil
		tc.Close()
	}()
	cfg, err := pgmoon.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d user=u sslmode=require sslnegotiation=direct", ln.Addr().(*net.TCPAddr).Port))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pgmoon.Connect(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), `"postgresql" ALPN`) {
		t.Errorf("connect to a TLS server without ALPN: %v, want a refusal naming ALPN", err)
	}
	<-offered
}

// TestClientCertificateMatrix connects as the server's certificate-only
// role with no client certificate, the right one, one from another
// authority and an expired one, and checks the hostssl and hostnossl roles
// with and without TLS, against the real server.
func TestClientCertificateMatrix(t *testing.T) {
	defer pgmoon.SetPostgresqlDir(t.TempDir())()
	srv := startTLSServer(t)
	goodCert, goodKey, err := srv.ClientCert("pgmoon_cert")
	if err != nil {
		t.Fatal(err)
	}
	expiredCert, expiredKey, err := srv.ExpiredClientCert("pgmoon_cert")
	if err != nil {
		t.Fatal(err)
	}
	otherCert, otherKey := pgmoon.WriteSelfSigned(t, t.TempDir(), "other", "pgmoon_cert")
	otherCN, otherCNKey, err := srv.ClientCert("somebody_else")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, method, sslmode, cert, key string
		ok                               bool
	}{
		{"cert role, no certificate", pgtest.MethodCert, "verify-full", "", "", false},
		{"cert role, good certificate", pgtest.MethodCert, "verify-full", goodCert, goodKey, true},
		{"cert role, good certificate, require", pgtest.MethodCert, "require", goodCert, goodKey, true},
		{"cert role, other authority", pgtest.MethodCert, "verify-full", otherCert, otherKey, false},
		{"cert role, expired", pgtest.MethodCert, "verify-full", expiredCert, expiredKey, false},
		{"cert role, certificate of another role", pgtest.MethodCert, "verify-full", otherCN, otherCNKey, false},
		{"cert role, plain TCP", pgtest.MethodCert, "disable", goodCert, goodKey, false},
		{"hostssl role, TLS", pgtest.MethodHostSSL, "verify-full", "", "", true},
		{"hostssl role, plain TCP", pgtest.MethodHostSSL, "disable", "", "", false},
		{"hostnossl role, TLS", pgtest.MethodHostNoSSL, "require", "", "", false},
		{"hostnossl role, plain TCP", pgtest.MethodHostNoSSL, "disable", "", "", true},
		{"scram role with a certificate it does not need", pgtest.MethodSCRAMSHA256, "verify-full", goodCert, goodKey, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := srv.User(tc.method)
			if err != nil {
				t.Fatal(err)
			}
			cfg := userConfig(t, srv, u, "tcp")
			cfg.Host = "localhost"
			cfg.Dialer = hostDialer{net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port()))}
			cfg.SSLMode = tc.sslmode
			cfg.SSLRootCert = srv.CAFile()
			cfg.SSLCert, cfg.SSLKey = tc.cert, tc.key
			conn, err := pgmoon.Connect(testCtx(t), cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("Connect = %v, want ok=%v", err, tc.ok)
			}
			if err == nil {
				if got := scalar(t, conn, "select current_user"); got != u.Name {
					t.Errorf("current_user = %q", got)
				}
				conn.Close(context.Background())
			}
		})
	}
}

// recordingDialer dials one address and keeps the first bytes each
// connection writes.
type recordingDialer struct {
	addr  string
	mu    sync.Mutex
	first [][]byte
}

func (d *recordingDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.first = append(d.first, nil)
	return &recordingConn{Conn: nc, d: d, i: len(d.first) - 1}, nil
}

type recordingConn struct {
	net.Conn
	d *recordingDialer
	i int
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.d.mu.Lock()
	if len(c.d.first[c.i]) < 8 {
		c.d.first[c.i] = append(c.d.first[c.i], p[:min(len(p), 8-len(c.d.first[c.i]))]...)
	}
	c.d.mu.Unlock()
	return c.Conn.Write(p)
}

// TestCancelRequestOverTLS cancels a query on a TLS connection and checks
// that the server cancelled it and that the CancelRequest went over TLS too:
// the cancel connection, like the main one, starts with SSLRequest, not
// with a plain-text CancelRequest.
func TestCancelRequestOverTLS(t *testing.T) {
	srv := startTLSServer(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	d := &recordingDialer{addr: net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port()))}
	cfg.Dialer = d
	conn := connectConfig(t, cfg)
	if !conn.UsesTLS() {
		t.Fatal("UsesTLS = false")
	}
	if err := cancelRunningQuery(t, conn, srv.DSN()); !errors.Is(err, &pgmoon.PgError{Code: "57014"}) {
		t.Fatalf("err = %v, want the server's query_canceled (57014)", err)
	}
	sslRequest := []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.first) != 2 {
		t.Fatalf("%d connections dialled, want 2 (main and cancel)", len(d.first))
	}
	for i, b := range d.first {
		if !bytes.Equal(b, sslRequest) {
			t.Errorf("connection %d began with % x, want SSLRequest", i, b)
		}
	}
}

// TestSSLModeIgnoredOnUnixSocket checks libpq's rule that sslmode does not
// apply to unix-domain sockets: verify-full connects there, in plain text,
// without asking for TLS (the server never offers it on a socket).
func TestSSLModeIgnoredOnUnixSocket(t *testing.T) {
	srv := startTLSServer(t)
	if srv.SocketDSN() == "" {
		t.Fatalf("the %s server has no unix socket here", srv.Backend())
	}
	cfg, err := pgmoon.ParseConfig(srv.SocketDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.SSLMode = pgmoon.SSLVerifyFull
	cfg.SSLRootCert = srv.CAFile()
	conn := connectConfig(t, cfg)
	if conn.UsesTLS() {
		t.Error("UsesTLS = true over a unix socket")
	}
	// channel_binding=require cannot be met without TLS.
	cfg.ChannelBinding = "require"
	u, err := srv.User(pgtest.MethodSCRAMSHA256)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Password = u.Name, u.Password
	if _, err := pgmoon.Connect(testCtx(t), cfg); !errors.Is(err, auth.ErrChannelBindingRequired) {
		t.Errorf("channel_binding=require over a unix socket: %v", err)
	}
}
