package auth

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// The SCRAM-SHA-256 example exchange of RFC 7677, section 3
// (user "user", password "pencil").
const (
	rfcUser        = "user"
	rfcPassword    = "pencil"
	rfcClientNonce = "rOprNGfwEbeRWgbNEkqO"
	rfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
	rfcServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," +
		"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	rfcClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," +
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	rfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
)

// newRFCMechanism returns a mechanism that replays the RFC 7677 client: it
// sends n=user (PostgreSQL's client sends n=) and the RFC's client nonce.
func newRFCMechanism(t testing.TB) *scramSHA256 {
	t.Helper()
	m, err := newSCRAMSHA256(rfcPassword, scramOptions{user: rfcUser, nonce: rfcClientNonce})
	if err != nil {
		t.Fatalf("newSCRAMSHA256: %v", err)
	}
	return m
}

// step runs one Next and fails the test on error.
func step(t testing.TB, m SASLMechanism, fromServer string) string {
	t.Helper()
	out, err := m.Next([]byte(fromServer))
	if err != nil {
		t.Fatalf("Next(%q): %v", fromServer, err)
	}
	return string(out)
}

func start(t testing.TB, m SASLMechanism) string {
	t.Helper()
	out, err := m.Start()
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return string(out)
}

func TestSCRAMSHA256RFC7677(t *testing.T) {
	m := newRFCMechanism(t)
	if got := m.Name(); got != "SCRAM-SHA-256" {
		t.Errorf("Name() = %q", got)
	}
	if m.Complete() {
		t.Fatal("Complete() before Start")
	}
	if got := start(t, m); got != rfcClientFirst {
		t.Fatalf("client-first = %q, want %q", got, rfcClientFirst)
	}
	if m.Complete() {
		t.Fatal("Complete() after Start")
	}
	if got := step(t, m, rfcServerFirst); got != rfcClientFinal {
		t.Fatalf("client-final = %q, want %q", got, rfcClientFinal)
	}
	if m.Complete() {
		t.Fatal("Complete() before the server-final-message")
	}
	out, err := m.Next([]byte(rfcServerFinal))
	if err != nil || out != nil {
		t.Fatalf("Next(server-final) = %q, %v; want nil, nil", out, err)
	}
	if !m.Complete() {
		t.Fatal("Complete() = false after a verified server-final-message")
	}
}

// scramReference computes the client-final-message from RFC 5802,
// section 3, using only the standard library, for a password used exactly
// as given (no SASLprep).
func scramReference(t testing.TB, password, clientFirstBare, serverFirst string) (clientFinal, serverFinal string) {
	t.Helper()
	fields := strings.Split(serverFirst, ",")
	nonce := strings.TrimPrefix(fields[0], "r=")
	salt, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(fields[1], "s="))
	if err != nil {
		t.Fatal(err)
	}
	if fields[2] != "i=4096" {
		t.Fatalf("scramReference handles i=4096 only, got %q", fields[2])
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, 4096, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	hmacOf := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := hmacOf(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	withoutProof := "c=biws,r=" + nonce
	authMessage := clientFirstBare + "," + serverFirst + "," + withoutProof
	proof := hmacOf(storedKey[:], authMessage)
	for i := range proof {
		proof[i] ^= clientKey[i]
	}
	serverSig := hmacOf(hmacOf(salted, "Server Key"), authMessage)
	return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof),
		"v=" + base64.StdEncoding.EncodeToString(serverSig)
}

func TestSCRAMReferenceMatchesRFC(t *testing.T) {
	final, sig := scramReference(t, rfcPassword, "n=user,r="+rfcClientNonce, rfcServerFirst)
	if final != rfcClientFinal || sig != rfcServerFinal {
		t.Fatalf("reference SCRAM does not reproduce RFC 7677:\n%s\n%s", final, sig)
	}
}

// TestNewSCRAMSHA256PostgreSQLDefaults checks what PostgreSQL clients send:
// gs2 header "n,," and an empty user name, whatever user is given.
func TestNewSCRAMSHA256PostgreSQLDefaults(t *testing.T) {
	m, err := NewSCRAMSHA256("alice", "pencil")
	if err != nil {
		t.Fatal(err)
	}
	first := start(t, m)
	nonce, ok := strings.CutPrefix(first, "n,,n=,r=")
	if !ok {
		t.Fatalf("client-first = %q, want prefix %q", first, "n,,n=,r=")
	}
	if len(nonce) < 20 || !isPrintable(nonce) {
		t.Fatalf("client nonce %q: want at least 20 printable characters", nonce)
	}

	// Two mechanisms never share a nonce.
	m2, err := NewSCRAMSHA256("alice", "pencil")
	if err != nil {
		t.Fatal(err)
	}
	if start(t, m2) == first {
		t.Fatal("two exchanges sent the same client nonce")
	}

	// The exchange still verifies with n= in the AuthMessage.
	serverFirst := "r=" + nonce + "srvNONCE,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	wantFinal, serverFinal := scramReference(t, "pencil", "n=,r="+nonce, serverFirst)
	if got := step(t, m, serverFirst); got != wantFinal {
		t.Fatalf("client-final = %q, want %q", got, wantFinal)
	}
	if got := step(t, m, serverFinal); got != "" || !m.Complete() {
		t.Fatalf("final step: out %q, Complete %v", got, m.Complete())
	}
}

func TestSCRAMSHA256EmptyPassword(t *testing.T) {
	if _, err := NewSCRAMSHA256("alice", ""); err != ErrNoPassword {
		t.Fatalf("NewSCRAMSHA256 with empty password: err = %v, want ErrNoPassword", err)
	}
	if _, err := ChooseSASL([]string{"SCRAM-SHA-256"}, "alice", ""); err != ErrNoPassword {
		t.Fatalf("ChooseSASL with empty password: err = %v, want ErrNoPassword", err)
	}
}

// TestSCRAMSHA256PasswordPreparation checks PostgreSQL's rules: SASLprep
// where it succeeds, the raw bytes where it fails or does not apply.
func TestSCRAMSHA256PasswordPreparation(t *testing.T) {
	tests := []struct {
		name     string
		password string
		hashed   string // the password the server hashed
	}{
		{"ASCII", "pencil", "pencil"},
		{"ASCII control character, rejected by SASLprep", "pen\x01cil", "pen\x01cil"},
		{"soft hyphen mapped to nothing (RFC 4013)", "I\u00adX", "IX"},
		{"non-ASCII space mapped to space", "a\u00a0b", "a b"},
		{"NFKC: ROMAN NUMERAL NINE", "\u2168", "IX"},
		{"unassigned in Unicode 3.2, rejected by SASLprep", "pencil\U0001F600", "pencil\U0001F600"},
		{"mixed-direction text, rejected by SASLprep", "\u0627a", "\u0627a"},
		{"invalid UTF-8", "pen\xffcil", "pen\xffcil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := newSCRAMSHA256(tt.password, scramOptions{nonce: "clientnonce"})
			if err != nil {
				t.Fatal(err)
			}
			start(t, m)
			serverFirst := "r=clientnonceSERVER,s=c2FsdHNhbHQ=,i=4096"
			wantFinal, serverFinal := scramReference(t, tt.hashed, "n=,r=clientnonce", serverFirst)
			if got := step(t, m, serverFirst); got != wantFinal {
				t.Fatalf("client-final = %q, want %q (hashing %q)", got, wantFinal, tt.hashed)
			}
			step(t, m, serverFinal)
			if !m.Complete() {
				t.Fatal("not complete")
			}
		})
	}
}

func TestSCRAMSHA256IterationBounds(t *testing.T) {
	serverFirst := func(iters string) string {
		return "r=" + rfcClientNonce + "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=" + iters
	}
	tests := []struct {
		iters   string
		wantErr string // "" means accepted
	}{
		{"4096", ""},
		{"4095", "server asked for 4095 PBKDF2 iterations; pgmoon accepts 4096 to 10000000"},
		{"1", "server asked for 1 PBKDF2 iterations"},
		{"0", "server asked for 0 PBKDF2 iterations"},
		{"10000001", "server asked for 10000001 PBKDF2 iterations; pgmoon accepts 4096 to 10000000"},
		{"2147483648", "server asked for 2147483648 PBKDF2 iterations"},
		{"99999999999999999999999", "PBKDF2 iterations; pgmoon accepts 4096 to 10000000"},
		{"-4096", "iteration count is not a decimal number"},
		{"+4096", "iteration count is not a decimal number"},
		{"4096 ", "iteration count is not a decimal number"},
		{"", "empty iteration count"},
	}
	for _, tt := range tests {
		t.Run("i="+tt.iters, func(t *testing.T) {
			m := newRFCMechanism(t)
			start(t, m)
			out, err := m.Next([]byte(serverFirst(tt.iters)))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("i=%s refused: %v", tt.iters, err)
				}
				if string(out) != rfcClientFinal {
					t.Fatalf("client-final = %q", out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if out != nil {
				t.Fatalf("out = %q on error", out)
			}
		})
	}
}

// TestSCRAMSHA256UpperBoundBeforeWork guards that a too-large count is
// refused before PBKDF2 runs: at 2^31-1 iterations the derivation would take
// minutes, so this test times out if the check comes too late.
func TestSCRAMSHA256UpperBoundBeforeWork(t *testing.T) {
	m := newRFCMechanism(t)
	start(t, m)
	_, err := m.Next([]byte("r=" + rfcClientNonce + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2147483647"))
	if err == nil {
		t.Fatal("i=2147483647 accepted")
	}
}

func TestSCRAMSHA256BadServerFirst(t *testing.T) {
	const salt = "s=W22ZaJ0SNY7soEsUEjb6gQ=="
	tests := []struct {
		name, msg, wantErr string
	}{
		{"empty", "", "malformed server-first-message"},
		{"mandatory extension", "m=ext," + rfcServerFirst, "unsupported SCRAM extension"},
		{"missing i", "r=" + rfcClientNonce + "x," + salt, "want r=, s= and i="},
		{"fields out of order", salt + ",r=" + rfcClientNonce + "x,i=4096", "attribute r expected"},
		{"nonce not extending ours", "r=someoneelse," + salt + ",i=4096", "server nonce does not extend the client nonce"},
		{"nonce equal to ours", "r=" + rfcClientNonce + "," + salt + ",i=4096", "server nonce does not extend the client nonce"},
		{"nonce prefix of ours", "r=rOprNG," + salt + ",i=4096", "server nonce does not extend the client nonce"},
		{"nonce with a space", "r=" + rfcClientNonce + " x," + salt + ",i=4096", "non-printable"},
		{"missing s", "r=" + rfcClientNonce + "x,t=abc,i=4096", "attribute s expected"},
		{"bad base64 salt", "r=" + rfcClientNonce + "x,s=***,i=4096", "salt is not valid base64"},
		{"empty salt", "r=" + rfcClientNonce + "x,s=,i=4096", "empty salt"},
		{"missing i attribute", "r=" + rfcClientNonce + "x," + salt + ",n=4096", "attribute i expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newRFCMechanism(t)
			start(t, m)
			_, err := m.Next([]byte(tt.msg))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "auth: SCRAM-SHA-256: ") {
				t.Errorf("error %q lacks the auth: SCRAM-SHA-256: prefix", err)
			}
			if m.Complete() {
				t.Fatal("Complete() after an error")
			}
			// The failed exchange refuses to go on.
			if _, err := m.Next([]byte(rfcServerFirst)); err == nil || !strings.Contains(err.Error(), "after the exchange failed") {
				t.Fatalf("Next after failure: err = %v", err)
			}
		})
	}
}

func TestSCRAMSHA256ServerExtensionsIgnored(t *testing.T) {
	m := newRFCMechanism(t)
	start(t, m)
	serverFirst := rfcServerFirst + ",x=optional"
	want, serverFinal := scramReference(t, rfcPassword, "n=user,r="+rfcClientNonce, serverFirst)
	if got := step(t, m, serverFirst); got != want {
		t.Fatalf("client-final = %q, want %q", got, want)
	}
	step(t, m, serverFinal+",y=optional")
	if !m.Complete() {
		t.Fatal("not complete")
	}
}

func TestSCRAMSHA256BadServerFinal(t *testing.T) {
	sig, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(rfcServerFinal, "v="))
	sig[0] ^= 0x01
	tampered := "v=" + base64.StdEncoding.EncodeToString(sig)

	tests := []struct {
		name, msg, wantErr string
	}{
		{"tampered signature", tampered, "server signature does not match"},
		{"signature of another exchange", "v=" + base64.StdEncoding.EncodeToString(make([]byte, 32)), "server signature does not match"},
		{"server error", "e=invalid-proof", `server reported SCRAM error "invalid-proof"`},
		{"server error with extension", "e=other-error,x=1", `server reported SCRAM error "other-error"`},
		{"empty", "", "attribute v or e expected"},
		{"unknown attribute", "x=abc", "attribute v or e expected"},
		{"short signature", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95A==", "not base64 of 32 bytes"},
		{"bad base64", "v=!!!", "not base64 of 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newRFCMechanism(t)
			start(t, m)
			step(t, m, rfcServerFirst)
			out, err := m.Next([]byte(tt.msg))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if out != nil {
				t.Fatalf("out = %q on error", out)
			}
			if m.Complete() {
				t.Fatal("Complete() after a refused server-final-message")
			}
			// A retry with the right signature is refused too: the exchange is over.
			if _, err := m.Next([]byte(rfcServerFinal)); err == nil {
				t.Fatal("Next after failure accepted the right signature")
			}
			if m.Complete() {
				t.Fatal("Complete() after a retry")
			}
		})
	}
}

func TestSCRAMSHA256OutOfOrder(t *testing.T) {
	t.Run("Next before Start", func(t *testing.T) {
		m := newRFCMechanism(t)
		if _, err := m.Next([]byte(rfcServerFirst)); err == nil || !strings.Contains(err.Error(), "Next called before Start") {
			t.Fatalf("err = %v", err)
		}
		// Calling out of order is not an exchange failure by itself.
		if got := start(t, m); got != rfcClientFirst {
			t.Fatalf("client-first = %q", got)
		}
	})
	t.Run("Start twice", func(t *testing.T) {
		m := newRFCMechanism(t)
		start(t, m)
		if _, err := m.Start(); err == nil || !strings.Contains(err.Error(), "Start called more than once") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("Start after server-first", func(t *testing.T) {
		m := newRFCMechanism(t)
		start(t, m)
		step(t, m, rfcServerFirst)
		if _, err := m.Start(); err == nil {
			t.Fatal("Start accepted mid-exchange")
		}
	})
	t.Run("server-final in place of server-first", func(t *testing.T) {
		m := newRFCMechanism(t)
		start(t, m)
		if _, err := m.Next([]byte(rfcServerFinal)); err == nil {
			t.Fatal("server-final accepted as server-first")
		}
	})
	t.Run("server-first in place of server-final", func(t *testing.T) {
		m := newRFCMechanism(t)
		start(t, m)
		step(t, m, rfcServerFirst)
		if _, err := m.Next([]byte(rfcServerFirst)); err == nil {
			t.Fatal("server-first accepted as server-final")
		}
		if m.Complete() {
			t.Fatal("Complete() after a refused message")
		}
	})
	t.Run("Next after completion", func(t *testing.T) {
		m := newRFCMechanism(t)
		start(t, m)
		step(t, m, rfcServerFirst)
		step(t, m, rfcServerFinal)
		if _, err := m.Next([]byte(rfcServerFinal)); err == nil || !strings.Contains(err.Error(), "after the exchange completed") {
			t.Fatalf("err = %v", err)
		}
		if _, err := m.Start(); err == nil {
			t.Fatal("Start accepted after completion")
		}
		if !m.Complete() {
			t.Fatal("an out-of-order call undid completion")
		}
	})
}

// TestSCRAMSHA256ErrorsOmitPassword runs the failure paths with a
// distinctive password and checks that no error mentions it.
func TestSCRAMSHA256ErrorsOmitPassword(t *testing.T) {
	const password = "hunter2-SECRET"
	const serverFirst = "r=clientnonceX,s=c2FsdA==,i=4096"
	exchanges := [][]string{
		{"r=x,s=,i=1"},
		{"r=clientnonceX,s=c2FsdA==,i=4095"},
		{"r=clientnonceX,s=c2FsdA==,i=10000001"},
		{serverFirst, "e=invalid-proof"},
		{serverFirst, "v=abc"},
		{serverFirst, "v=" + base64.StdEncoding.EncodeToString(make([]byte, 32))},
		{serverFirst, rfcServerFinal, rfcServerFinal},
	}
	for _, msgs := range exchanges {
		m, err := newSCRAMSHA256(password, scramOptions{nonce: "clientnonce"})
		if err != nil {
			t.Fatal(err)
		}
		start(t, m)
		var last error
		for _, msg := range msgs {
			if _, last = m.Next([]byte(msg)); last != nil {
				break
			}
		}
		if last == nil {
			t.Fatalf("exchange %q did not fail", msgs)
		}
		_, again := m.Next(nil)
		for _, err := range []error{last, again} {
			if strings.Contains(err.Error(), password) {
				t.Errorf("error mentions the password: %v", err)
			}
		}
	}
}
