package auth

import (
	"strings"
	"testing"

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
		{name: "unsupported only", offered: []string{"FOO"}, wantErr: []string{`"FOO"`, "none of which pgmoon supports", "SCRAM-SHA-256"}},
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

func TestSASLConfigChannelBindingNotYetSupported(t *testing.T) {
	cfg := SASLConfig{User: "alice", Password: "s3cret", ChannelBinding: []byte{1, 2, 3}}
	_, err := cfg.Choose([]string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"})
	if err == nil || !strings.Contains(err.Error(), "not supported yet") {
		t.Fatalf("err = %v, want channel binding refused", err)
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
