package auth

// SCRAM-SHA-256 as PostgreSQL uses it: RFC 5802 (SCRAM) with the SHA-256
// hash of RFC 7677, carried in the SASL messages described at
// https://www.postgresql.org/docs/current/sasl-authentication.html.
// The cryptography is github.com/xdg-go/scram's; this file adds
// PostgreSQL's conventions and checks every server message before the
// library sees it.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xdg-go/scram"
)

// Bounds on the PBKDF2 iteration count a server may ask for. 4096 is the
// minimum RFC 7677 requires, and PostgreSQL's default (scram_iterations);
// the upper bound stops a hostile server from making the client burn
// seconds of CPU before it has proved anything.
const (
	minSCRAMIterations = 4096
	maxSCRAMIterations = 10_000_000
)

type scramState uint8

const (
	scramInitial          scramState = iota // Start not called yet
	scramAwaitServerFirst                   // client-first sent
	scramAwaitServerFinal                   // client-final sent
	scramDone                               // server signature verified
	scramFailed                             // an error ended the exchange
)

// scramOptions are the knobs tests turn; the zero value is what
// NewSCRAMSHA256 uses.
type scramOptions struct {
	user          string                // sent as n=; PostgreSQL ignores it and libpq sends ""
	nonce         string                // client nonce; "" means a fresh random one
	maxIterations int                   // 0 means maxSCRAMIterations
	binding       *scram.ChannelBinding // SCRAM-SHA-256-PLUS with this binding; nil: no binding
	advertise     bool                  // without binding: gs2 flag "y" (could bind, server did not offer it) instead of "n"
}

type scramSHA256 struct {
	conv     *scram.ClientConversation
	name     string // mechSCRAMSHA256 or mechSCRAMSHA256Plus
	nonce    string // the client nonce sent in client-first
	maxIters int
	state    scramState
}

// NewSCRAMSHA256 returns a SCRAM-SHA-256 mechanism without channel binding.
//
// The user name is not sent: PostgreSQL authenticates the user named in the
// startup message and ignores the SCRAM one, so, like libpq, the client
// sends an empty name ("n=,"). The password is normalized with SASLprep
// (RFC 4013); if SASLprep rejects it, or it is not valid UTF-8, the raw
// bytes are used instead, as PostgreSQL does when it stores the password.
// An empty password gives ErrNoPassword.
func NewSCRAMSHA256(user, password string) (SASLMechanism, error) {
	_ = user // see above: PostgreSQL takes the user from the startup message
	return newSCRAMSHA256(password, scramOptions{})
}

func newSCRAMSHA256(password string, opts scramOptions) (*scramSHA256, error) {
	if password == "" {
		return nil, ErrNoPassword
	}
	client, err := newSCRAMClient(opts.user, password)
	if err != nil {
		return nil, err
	}
	nonce := opts.nonce
	if nonce == "" {
		// 26 base32 characters, 128 bits: printable and free of ',' as
		// RFC 5802 requires of a nonce.
		nonce = rand.Text()
	}
	client.WithMinIterations(minSCRAMIterations)
	client.WithNonceGenerator(func() string { return nonce })
	maxIters := opts.maxIterations
	if maxIters == 0 {
		maxIters = maxSCRAMIterations
	}
	// The gs2 header: "p=tls-server-end-point,," when binding; "y,," when
	// the client could bind (TLS) but the server did not offer PLUS, so that
	// a server which did offer it detects the downgrade; else "n,,". There
	// is never an authzid.
	m := &scramSHA256{name: mechSCRAMSHA256, nonce: nonce, maxIters: maxIters}
	switch {
	case opts.binding != nil:
		m.conv = client.NewConversationWithChannelBinding(*opts.binding)
		m.name = mechSCRAMSHA256Plus
	case opts.advertise:
		m.conv = client.NewConversationAdvertisingChannelBinding()
	default:
		m.conv = client.NewConversation()
	}
	return m, nil
}

// newSCRAMClient applies PostgreSQL's password preparation: SASLprep, unless
// the password is pure ASCII (which PostgreSQL uses unchanged), is not valid
// UTF-8, or SASLprep fails; in those cases the raw bytes. For ASCII the two
// give the same result anyway, except that SASLprep rejects control
// characters, and PostgreSQL falls back to the raw bytes for those too.
func newSCRAMClient(user, password string) (*scram.Client, error) {
	if !isASCII(password) && utf8.ValidString(password) {
		if c, err := scram.SHA256.NewClient(user, password, ""); err == nil {
			return c, nil
		}
	}
	c, err := scram.SHA256.NewClientUnprepped(user, password, "")
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", mechSCRAMSHA256, err)
	}
	return c, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (m *scramSHA256) Name() string { return m.name }

func (m *scramSHA256) Complete() bool { return m.state == scramDone }

func (m *scramSHA256) Start() ([]byte, error) {
	if m.state != scramInitial {
		return nil, m.orderError("Start")
	}
	msg, err := m.conv.Step("")
	if err != nil {
		return nil, m.fail(err)
	}
	m.state = scramAwaitServerFirst
	return []byte(msg), nil
}

func (m *scramSHA256) Next(fromServer []byte) ([]byte, error) {
	switch m.state {
	case scramAwaitServerFirst:
		return m.clientFinal(string(fromServer))
	case scramAwaitServerFinal:
		return nil, m.verifyServerFinal(string(fromServer))
	default:
		return nil, m.orderError("Next")
	}
}

// clientFinal checks the server-first-message and answers it with the
// client-final-message. Nothing is derived from the password until the
// message has passed every check.
func (m *scramSHA256) clientFinal(serverFirst string) ([]byte, error) {
	if err := checkServerFirst(serverFirst, m.nonce, m.maxIters); err != nil {
		return nil, m.fail(err)
	}
	msg, err := m.conv.Step(serverFirst)
	if err != nil {
		return nil, m.fail(err)
	}
	m.state = scramAwaitServerFinal
	return []byte(msg), nil
}

// verifyServerFinal checks the server-final-message, which must carry the
// server signature this exchange expects.
func (m *scramSHA256) verifyServerFinal(serverFinal string) error {
	if err := checkServerFinal(serverFinal); err != nil {
		return m.fail(err)
	}
	if _, err := m.conv.Step(serverFinal); err != nil || !m.conv.Valid() {
		return m.fail(errors.New("server signature does not match: the server does not know the password, or the exchange was tampered with"))
	}
	m.state = scramDone
	return nil
}

func (m *scramSHA256) fail(err error) error {
	m.state = scramFailed
	return fmt.Errorf("auth: %s: %w", m.name, err)
}

func (m *scramSHA256) orderError(call string) error {
	var why string
	switch m.state {
	case scramInitial:
		why = "before Start"
	case scramAwaitServerFirst, scramAwaitServerFinal:
		why = "more than once" // only Start can be out of order here
	case scramDone:
		why = "after the exchange completed"
	case scramFailed:
		why = "after the exchange failed"
	}
	return fmt.Errorf("auth: %s: %s called %s", m.name, call, why)
}

// checkServerFirst validates a server-first-message (RFC 5802, section 7):
//
//	server-first-message = [reserved-mext ","] nonce "," salt ","
//	                       iteration-count ["," extensions]
//
// The nonce must extend the client's, the salt must be non-empty base64 and
// the iteration count must lie within [minSCRAMIterations, maxIters].
// Optional extensions after the iteration count are ignored, as the RFC
// allows; a mandatory extension (m=) is refused.
func checkServerFirst(msg, clientNonce string, maxIters int) error {
	if strings.HasPrefix(msg, "m=") {
		return errors.New("server-first-message requires an unsupported SCRAM extension (m=)")
	}
	fields := strings.SplitN(msg, ",", 4)
	if len(fields) < 3 {
		return errors.New("malformed server-first-message: want r=, s= and i= attributes")
	}

	nonce, ok := strings.CutPrefix(fields[0], "r=")
	if !ok {
		return errors.New("malformed server-first-message: attribute r expected")
	}
	if !isPrintable(nonce) {
		return errors.New("malformed server-first-message: nonce has a non-printable character")
	}
	if len(nonce) <= len(clientNonce) || !strings.HasPrefix(nonce, clientNonce) {
		return errors.New("server nonce does not extend the client nonce")
	}

	salt, ok := strings.CutPrefix(fields[1], "s=")
	if !ok {
		return errors.New("malformed server-first-message: attribute s expected")
	}
	if decoded, err := base64.StdEncoding.DecodeString(salt); err != nil {
		return errors.New("malformed server-first-message: salt is not valid base64")
	} else if len(decoded) == 0 {
		return errors.New("malformed server-first-message: empty salt")
	}

	iters, ok := strings.CutPrefix(fields[2], "i=")
	if !ok {
		return errors.New("malformed server-first-message: attribute i expected")
	}
	n, err := parseIterations(iters)
	if err != nil {
		return err
	}
	if n < minSCRAMIterations || n > uint64(maxIters) {
		return fmt.Errorf("server asked for %d PBKDF2 iterations; pgmoon accepts %d to %d",
			n, minSCRAMIterations, maxIters)
	}
	return nil
}

// parseIterations parses a decimal iteration count. Counts too large for a
// uint64 come back as the maximum, which the range check then refuses.
func parseIterations(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("malformed server-first-message: empty iteration count")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("malformed server-first-message: iteration count is not a decimal number")
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return ^uint64(0), nil // only a range error is possible here
	}
	return n, nil
}

// checkServerFinal validates a server-final-message (RFC 5802, section 7):
//
//	server-final-message = (server-error / verifier) ["," extensions]
//
// A server-error (e=) becomes an error naming it; a verifier must be the
// base64 of a SHA-256 HMAC. Whether it is the right one is left to the
// library.
func checkServerFinal(msg string) error {
	first, _, _ := strings.Cut(msg, ",")
	if value, ok := strings.CutPrefix(first, "e="); ok {
		return fmt.Errorf("server reported SCRAM error %q", clip(value))
	}
	sig, ok := strings.CutPrefix(first, "v=")
	if !ok {
		return errors.New("malformed server-final-message: attribute v or e expected")
	}
	decoded, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(decoded) != sha256.Size {
		return errors.New("malformed server-final-message: server signature is not base64 of 32 bytes")
	}
	return nil
}

// isPrintable reports whether s consists of RFC 5802's printable
// characters, %x21-2B / %x2D-7E (visible ASCII but ',').
func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == ',' {
			return false
		}
	}
	return true
}
