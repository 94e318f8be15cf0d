package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/xdg-go/scram"
)

func TestChooseSASL(t *testing.T) {
	tests := []struct {
		name     string
		offered  []string
		wantName string   // "" means an error is expected
		wantErr  []string // substrings of the error
	}{
		{name: "PostgreSQL over TLS", offered: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, wantName: "SCRAM-SHA-256"},
		{name: "PostgreSQL without TLS", offered: []string{"SCRAM-SHA-256"}, wantName: "SCRAM-SHA-256"},
		{name: "unknown first", offered: []string{"FOO", "SCRAM-SHA-256"}, wantName: "SCRAM-SHA-256"},
		{name: "unsupported only", offered: []string{"FOO"}, wantErr: []string{`"FOO"`, "none of which pgmoon can use here", "SCRAM-SHA-256"}},
		{name: "PLUS only", offered: []string{"SCRAM-SHA-256-PLUS"}, wantErr: []string{`"SCRAM-SHA-256-PLUS"`}},
		{name: "several unsupported", offered: []string{"FOO", "BAR"}, wantErr: []string{`"FOO", "BAR"`}},
		{name: "case matters", offered: []string{"scram-sha-256"}, wantErr: []string{`"scram-sha-256"`}},
		{name: "none offered", offered: nil, wantErr: []string{"server offered no SASL mechanisms"}},
		{name: "long name clipped", offered: []string{strings.Repeat("X", 1000)}, wantErr: []string{strings.Repeat("X", 64) + `..."`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ChooseSASL(tt.offered, "alice", "s3cret")
			if tt.wantName != "" {
				if err != nil {
					t.Fatalf("ChooseSASL(%q): %v", tt.offered, err)
				}
				if m.Name() != tt.wantName {
					t.Fatalf("chose %q, want %q", m.Name(), tt.wantName)
				}
				return
			}
			if err == nil {
				t.Fatalf("ChooseSASL(%q) chose %q, want an error", tt.offered, m.Name())
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if len(err.Error()) > 300 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// tlsState returns a connection state whose server certificate is signed
// with the given key type: "ecdsa" (ECDSA with SHA-256), "ed25519" (no hash).
func tlsState(t *testing.T, keyType string) *tls.ConnectionState {
	t.Helper()
	var pub, priv any
	switch keyType {
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = &k.PublicKey, k
	case "ed25519":
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv = p, k
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "db"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
}

// TestChannelBindingChoice checks Choose's decisions against libpq's: the
// mechanism, the gs2 flag of the client-first-message, and the refusals of
// channel_binding=require, which come before anything is sent.
func TestChannelBindingChoice(t *testing.T) {
	both := []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}
	plain := []string{"SCRAM-SHA-256"}
	for _, tc := range []struct {
		name    string
		tls     string // "", "ecdsa", "ed25519"
		policy  string
		offered []string
		mech    string // chosen mechanism, or "" for an error
		gs2     string // start of the client-first-message, or the error
	}{
		{"plain TCP", "", "", both, "SCRAM-SHA-256", "n,,"},
		{"TLS, PLUS offered", "ecdsa", "", both, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,"},
		{"TLS, PLUS not offered", "ecdsa", "prefer", plain, "SCRAM-SHA-256", "y,,"},
		{"TLS, disable", "ecdsa", "disable", both, "SCRAM-SHA-256", "n,,"},
		{"TLS, no hash for Ed25519", "ed25519", "prefer", both, "SCRAM-SHA-256", "n,,"},
		{"require, TLS", "ecdsa", "require", both, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,"},
		{"require, plain TCP", "", "require", both, "", "channel binding required, but the connection does not use TLS"},
		{"require, PLUS not offered", "ecdsa", "require", plain, "", "channel binding required, but the server does not offer SCRAM-SHA-256-PLUS"},
		{"require, no hash for Ed25519", "ed25519", "require", both, "", "signature algorithm Ed25519 defines no hash"},
		{"only PLUS, plain TCP", "", "prefer", []string{"SCRAM-SHA-256-PLUS"}, "", "none of which pgmoon can use here"},
		{"bad policy", "", "always", both, "", `invalid channel_binding "always"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := SASLConfig{User: "alice", Password: "s3cret", ChannelBinding: tc.policy}
			if tc.tls != "" {
				cfg.TLS = tlsState(t, tc.tls)
			}
			m, err := cfg.Choose(tc.offered)
			if tc.mech == "" {
				if err == nil || !strings.Contains(err.Error(), tc.gs2) {
					t.Fatalf("Choose = %v, want an error saying %q", err, tc.gs2)
				}
				if tc.policy == "require" && !errors.Is(err, ErrChannelBindingRequired) {
					t.Errorf("error %v does not wrap ErrChannelBindingRequired", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			first, err := m.Start()
			if err != nil {
				t.Fatal(err)
			}
			if m.Name() != tc.mech || !strings.HasPrefix(string(first), tc.gs2) {
				t.Errorf("chose %s, first message %q; want %s and %q", m.Name(), first, tc.mech, tc.gs2)
			}
		})
	}
}

// TestSCRAMPlusAgainstLibraryServer runs a SCRAM-SHA-256-PLUS exchange
// against github.com/xdg-go/scram's server with the same binding (it
// succeeds) and with another certificate's (the server refuses it).
func TestSCRAMPlusAgainstLibraryServer(t *testing.T) {
	state := tlsState(t, "ecdsa")
	for _, serverState := range []*tls.ConnectionState{state, tlsState(t, "ecdsa")} {
		creds := storedCredentials(t, "s3cret", 4096)
		server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
		if err != nil {
			t.Fatal(err)
		}
		cb, err := scram.NewTLSServerEndpointBinding(serverState)
		if err != nil {
			t.Fatal(err)
		}
		conv := server.NewConversationWithChannelBinding(cb)
		m, err := SASLConfig{User: "alice", Password: "s3cret", TLS: state}.Choose([]string{"SCRAM-SHA-256-PLUS"})
		if err != nil {
			t.Fatal(err)
		}
		first, _ := m.Start()
		serverFirst, err := conv.Step(string(first))
		if err != nil {
			t.Fatal(err)
		}
		final, err := m.Next([]byte(serverFirst))
		if err != nil {
			t.Fatal(err)
		}
		serverFinal, err := conv.Step(string(final))
		same := serverState == state
		if same != (err == nil) {
			t.Fatalf("same certificate %v: server step: %v", same, err)
		}
		if same {
			if _, err := m.Next([]byte(serverFinal)); err != nil || !m.Complete() {
				t.Errorf("server final: %v, complete %v", err, m.Complete())
			}
		}
	}
}

// TestSCRAMSHA256AgainstLibraryServer runs whole exchanges against the
// server side of github.com/xdg-go/scram, which, like PostgreSQL, has its
// stored credentials computed from the SASLprepped password.
func TestSCRAMSHA256AgainstLibraryServer(t *testing.T) {
	for _, password := range []string{"s3cret", "I\u00adX", "pässwörd"} {
		for _, tryPassword := range []string{password, password + "!"} {
			creds := storedCredentials(t, password, 4096)
			server, err := scram.SHA256.NewServer(func(user string) (scram.StoredCredentials, error) {
				if user != "" {
					t.Errorf("server saw user name %q, want the empty name", user)
				}
				return creds, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			conv := server.NewConversation()

			m, err := ChooseSASL([]string{"SCRAM-SHA-256"}, "alice", tryPassword)
			if err != nil {
				t.Fatal(err)
			}
			clientFirst := start(t, m)
			serverFirst, err := conv.Step(clientFirst)
			if err != nil {
				t.Fatalf("server rejected client-first %q: %v", clientFirst, err)
			}
			clientFinal := step(t, m, serverFirst)
			serverFinal, err := conv.Step(clientFinal)
			if tryPassword != password {
				// A wrong password: the server answers e=invalid-proof.
				if err == nil || !conv.Done() || conv.Valid() {
					t.Fatalf("server accepted wrong password")
				}
				if _, err := m.Next([]byte(serverFinal)); err == nil || !strings.Contains(err.Error(), "invalid-proof") {
					t.Fatalf("client on %q: err = %v", serverFinal, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("server rejected client-final: %v", err)
			}
			step(t, m, serverFinal)
			if !m.Complete() || !conv.Valid() {
				t.Fatalf("password %q: client complete %v, server valid %v", password, m.Complete(), conv.Valid())
			}
		}
	}
}

func storedCredentials(t testing.TB, password string, iters int) scram.StoredCredentials {
	t.Helper()
	c, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.GetStoredCredentialsWithError(scram.KeyFactors{Salt: "0123456789abcdef", Iters: iters})
	if err != nil {
		t.Fatal(err)
	}
	return creds
}
