package pgmoon_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/auth"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

// fakeTLS is a fake backend's TLS configuration with a throwaway
// certificate of keyType ("ecdsa" or "ed25519").
func fakeTLS(t *testing.T, keyType string) *tls.Config {
	t.Helper()
	cert, err := pgtest.NewTestCertificate(keyType, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// tlsSteps are the steps a fake backend runs before the startup message:
// none for a plain connection, SSLRequest and the TLS handshake otherwise.
func tlsSteps(conf *tls.Config) []pgtest.Step {
	if conf == nil {
		return nil
	}
	return []pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.StartTLS(conf)}
}

// TestChannelBindingRequireSendsNoCredential plays servers that ask for
// authentication that cannot be bound to the TLS channel, or that skip
// authentication, while the client has channel_binding=require. The client
// must refuse before sending any credential: the fake backend's script ends
// with ExpectClose right after the request, so a PasswordMessage or
// SASLInitialResponse fails it.
//
// CVE-2025-49146 (pgjdbc) is this class: channel_binding=require let
// authentication methods without channel binding (cleartext password, MD5,
// trust) through.
func TestChannelBindingRequireSendsNoCredential(t *testing.T) {
	ecdsaTLS := fakeTLS(t, "ecdsa")
	ed25519TLS := fakeTLS(t, "ed25519")
	for _, tc := range []struct {
		name    string
		tls     *tls.Config // nil: plain TCP
		request protocol.BackendMessage
	}{
		{"TLS, cleartext password", ecdsaTLS, &protocol.AuthenticationCleartextPassword{}},
		{"TLS, MD5", ecdsaTLS, &protocol.AuthenticationMD5Password{Salt: [4]byte{1, 2, 3, 4}}},
		{"TLS, trust", ecdsaTLS, &protocol.AuthenticationOk{}},
		{"TLS, SCRAM without PLUS", ecdsaTLS, &protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}}},
		{"TLS, Ed25519 certificate", ed25519TLS, &protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}}},
		{"TLS, GSSAPI", ecdsaTLS, &protocol.AuthenticationGSS{}},
		{"plain TCP, SCRAM with PLUS offered", nil, &protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}}},
		{"plain TCP, MD5", nil, &protocol.AuthenticationMD5Password{}},
		{"plain TCP, cleartext password", nil, &protocol.AuthenticationCleartextPassword{}},
		{"plain TCP, trust", nil, &protocol.AuthenticationOk{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := append(tlsSteps(tc.tls),
				pgtest.ExpectStartup(),
				pgtest.Send(tc.request),
				pgtest.ExpectClose(), // nothing, not even a password
			)
			f := pgtest.NewFakeBackend(t, pgtest.Script(steps))
			cfg := fakeConfig(t, f)
			cfg.Password = "secret-password"
			cfg.ChannelBinding = "require"
			cfg.SSLMode = map[bool]string{true: "require", false: "disable"}[tc.tls != nil]
			_, err := pgmoon.Connect(testCtx(t), cfg)
			if !errors.Is(err, auth.ErrChannelBindingRequired) {
				t.Errorf("Connect = %v, want a channel binding refusal", err)
			}
			if err != nil && strings.Contains(err.Error(), cfg.Password) {
				t.Errorf("error shows the password: %v", err)
			}
			waitFake(t, f)
		})
	}
}

// TestSCRAMGS2Flags checks what the client puts in SASLInitialResponse over
// TLS: SCRAM-SHA-256-PLUS bound to the certificate when offered, and
// SCRAM-SHA-256 with the "y" flag when not, so that a server that did offer
// PLUS (and whose offer a man in the middle removed) notices.
func TestSCRAMGS2Flags(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		offered      []string
		mech, gs2    string
	}{
		{"PLUS offered", "prefer", []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,"},
		{"PLUS not offered", "prefer", []string{"SCRAM-SHA-256"}, "SCRAM-SHA-256", "y,,"},
		{"channel_binding=disable", "disable", []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, "SCRAM-SHA-256", "n,,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := append(tlsSteps(fakeTLS(t, "ecdsa")),
				pgtest.ExpectStartup(),
				pgtest.Send(&protocol.AuthenticationSASL{Mechanisms: tc.offered}),
				pgtest.SetAuthType(protocol.AuthSASLInitial),
				pgtest.ExpectFunc(func(m protocol.FrontendMessage) error {
					r, ok := m.(*protocol.SASLInitialResponse)
					if !ok {
						return fmt.Errorf("got %T, want SASLInitialResponse", m)
					}
					if r.Mechanism != tc.mech || !bytes.HasPrefix(r.Data, []byte(tc.gs2)) {
						return fmt.Errorf("SASLInitialResponse %s %q, want %s starting %q", r.Mechanism, r.Data, tc.mech, tc.gs2)
					}
					return nil
				}),
				pgtest.CloseConn(),
			)
			f := pgtest.NewFakeBackend(t, pgtest.Script(steps))
			cfg := fakeConfig(t, f)
			cfg.Password = "pw"
			cfg.SSLMode = "require"
			cfg.ChannelBinding = tc.policy
			pgmoon.Connect(testCtx(t), cfg) // fails when the fake hangs up
			waitFake(t, f)
		})
	}
}

// TestRequireAuthFake plays servers whose authentication require_auth
// refuses, or that skip or cut authentication short; the client must close
// without sending a credential.
func TestRequireAuthFake(t *testing.T) {
	for _, tc := range []struct {
		requireAuth string
		request     protocol.BackendMessage
		want        string
	}{
		{"scram-sha-256", &protocol.AuthenticationMD5Password{}, `authentication method requirement "scram-sha-256" failed: server requested MD5 password authentication`},
		{"md5", &protocol.AuthenticationCleartextPassword{}, `requirement "md5" failed: server requested cleartext password authentication`},
		{"password,md5", &protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}}, "server requested SASL authentication"},
		{"!password", &protocol.AuthenticationCleartextPassword{}, "server requested cleartext password authentication"},
		{"scram-sha-256", &protocol.AuthenticationOk{}, `requirement "scram-sha-256" failed: server did not complete authentication`},
		{"!none", &protocol.AuthenticationOk{}, "server did not complete authentication"},
		{"md5", &protocol.AuthenticationGSS{}, "server requested GSSAPI authentication"},
	} {
		t.Run(tc.requireAuth+"/"+fmt.Sprintf("%T", tc.request), func(t *testing.T) {
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.ExpectStartup(),
				pgtest.Send(tc.request),
				pgtest.ExpectClose(),
			})
			cfg := fakeConfig(t, f)
			cfg.Password = "pw"
			cfg.RequireAuth = tc.requireAuth
			_, err := pgmoon.Connect(testCtx(t), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Connect = %v, want %q", err, tc.want)
			}
			waitFake(t, f)
		})
	}
}

// TestSCRAMOkBeforeFinal: AuthenticationOk right after the client's first
// SCRAM message ends an exchange the server never finished.
func TestSCRAMOkBeforeFinal(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectStartup(),
		pgtest.Send(&protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}}),
		pgtest.ExpectType(&protocol.SASLInitialResponse{}),
		pgtest.Send(&protocol.AuthenticationOk{}),
		pgtest.ExpectClose(),
	})
	cfg := fakeConfig(t, f)
	cfg.Password = "pw"
	_, err := pgmoon.Connect(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "without proving its identity") {
		t.Errorf("Connect = %v, want a refusal", err)
	}
	waitFake(t, f)
}

// TestNULInStartupRefused checks that a NUL byte in the user, database or
// a startup parameter is refused before anything is dialled.
func TestNULInStartupRefused(t *testing.T) {
	for _, mutate := range []func(*pgmoon.Config){
		func(c *pgmoon.Config) { c.User = "ali\x00ce" },
		func(c *pgmoon.Config) { c.Database = "db\x00" },
		func(c *pgmoon.Config) { c.ApplicationName = "\x00app" },
		func(c *pgmoon.Config) { c.RuntimeParams = map[string]string{"search_path": "a\x00b"} },
		func(c *pgmoon.Config) { c.RuntimeParams = map[string]string{"opt\x00": "x"} },
		func(c *pgmoon.Config) { c.Password = "pw\x00" },
	} {
		dialed := false
		cfg := &pgmoon.Config{Host: "127.0.0.1", Port: 1, User: "u", Dialer: dialerFunc(func(context.Context, string, string) (net.Conn, error) {
			dialed = true
			return nil, errors.New("no network in this test")
		})}
		mutate(cfg)
		_, err := pgmoon.Connect(testCtx(t), cfg)
		if err == nil || !strings.Contains(err.Error(), "NUL byte") || dialed {
			t.Errorf("Connect = %v (dialed %v), want a NUL refusal before dialling", err, dialed)
		}
	}
}

// TestChannelBindingRealServer authenticates against the real server:
// SCRAM-SHA-256-PLUS over TLS succeeds with channel_binding=require (the
// server checks the binding), and the md5, password and trust users, or
// plain TCP, are refused before any credential is sent.
func TestChannelBindingRealServer(t *testing.T) {
	srv := startTLSServer(t)
	for _, tc := range []struct {
		method  string
		sslmode string
		ok      bool
	}{
		{pgtest.MethodSCRAMSHA256, "require", true},
		{pgtest.MethodSCRAMSHA256, "disable", false},
		{pgtest.MethodMD5, "require", false},
		{pgtest.MethodPassword, "require", false},
		{pgtest.MethodTrust, "require", false},
	} {
		t.Run(tc.method+"/"+tc.sslmode, func(t *testing.T) {
			u, err := srv.User(tc.method)
			if err != nil {
				t.Fatal(err)
			}
			cfg := userConfig(t, srv, u, "tcp")
			cfg.SSLMode = tc.sslmode
			cfg.ChannelBinding = "require"
			var trace bytes.Buffer
			cfg.Tracer = protocol.NewTracer(&trace)
			conn, err := pgmoon.Connect(testCtx(t), cfg)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				conn.Close(context.Background())
				if !strings.Contains(trace.String(), "SCRAM-SHA-256-PLUS") {
					t.Errorf("no SCRAM-SHA-256-PLUS in the trace:\n%s", trace.String())
				}
				return
			}
			if !errors.Is(err, auth.ErrChannelBindingRequired) {
				t.Fatalf("Connect = %v, want a channel binding refusal", err)
			}
			if strings.Contains(trace.String(), "PasswordMessage") || strings.Contains(trace.String(), "SASLInitialResponse") {
				t.Errorf("a credential was sent:\n%s", trace.String())
			}
		})
	}
}

// TestRequireAuthRealServer runs require_auth settings against the real
// server's per-method users.
func TestRequireAuthRealServer(t *testing.T) {
	srv := pgtest.Default(t)
	for _, tc := range []struct {
		method, requireAuth string
		ok                  bool
	}{
		{pgtest.MethodSCRAMSHA256, "scram-sha-256", true},
		{pgtest.MethodSCRAMSHA256, "md5", false},
		{pgtest.MethodSCRAMSHA256, "!scram-sha-256", false},
		{pgtest.MethodMD5, "md5,scram-sha-256", true},
		{pgtest.MethodMD5, "!md5", false},
		{pgtest.MethodPassword, "password", true},
		{pgtest.MethodPassword, "!password,!md5", false},
		{pgtest.MethodTrust, "none", true},
		{pgtest.MethodTrust, "password", false},
		{pgtest.MethodTrust, "!none", false},
		{pgtest.MethodTrust, "!password", true},
	} {
		t.Run(tc.method+"/"+tc.requireAuth, func(t *testing.T) {
			u, err := srv.User(tc.method)
			if err != nil {
				t.Fatal(err)
			}
			cfg := userConfig(t, srv, u, "tcp")
			cfg.RequireAuth = tc.requireAuth
			conn, err := pgmoon.Connect(testCtx(t), cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("Connect = %v, want ok=%v", err, tc.ok)
			}
			if err == nil {
				conn.Close(context.Background())
			} else if !strings.Contains(err.Error(), "authentication method requirement") {
				t.Errorf("error %v does not name the requirement", err)
			}
		})
	}
}

func TestRequireAuthParse(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"password,!md5", "cannot be mixed"},
		{"!password,md5", "cannot be mixed"},
		{"md5,md5", `"md5" is specified more than once`},
		{"!md5,!md5", "specified more than once"},
		{"kerberos", `invalid require_auth value "kerberos"`},
		{"", ""},
		{"password,md5,scram-sha-256,gss,sspi,none", ""},
		{"!none", ""},
	} {
		_, err := pgmoon.ParseConfig("host=h user=u require_auth='" + tc.value + "'")
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("require_auth=%q: %v, want %q", tc.value, err, tc.want)
		}
	}
	if _, err := pgmoon.ParseConfig("host=h user=u channel_binding=always"); err == nil || !strings.Contains(err.Error(), `invalid channel_binding value: "always"`) {
		t.Errorf("channel_binding=always: %v", err)
	}
}

// TestPreferDowngradeKeepsPolicy: under sslmode=prefer a server (or a man
// in the middle) that answers SSLRequest with 'N' gets a plain-text
// connection, but channel_binding=require still refuses its MD5 request
// before the password is sent.
func TestPreferDowngradeKeepsPolicy(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectSSLRequest(),
		pgtest.SendRaw([]byte{'N'}),
		pgtest.ExpectStartup(),
		pgtest.Send(&protocol.AuthenticationMD5Password{}),
		pgtest.ExpectClose(),
	})
	cfg := fakeConfig(t, f)
	cfg.Password = "pw"
	cfg.SSLMode = pgmoon.SSLPrefer
	cfg.ChannelBinding = "require"
	if _, err := pgmoon.Connect(testCtx(t), cfg); !errors.Is(err, auth.ErrChannelBindingRequired) {
		t.Errorf("Connect = %v, want a channel binding refusal", err)
	}
	waitFake(t, f)
}
