package auth

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/xdg-go/scram"
)

// SASLMechanism is the client side of one SASL exchange, driven as a step
// machine (compare net/smtp's Auth). A mechanism is used for a single
// exchange on a single connection and is not safe for concurrent use.
//
// The connection code calls, in order:
//
//   - Start, and sends Name and the returned data in SASLInitialResponse;
//   - Next with the data of AuthenticationSASLContinue, and sends the
//     returned data in SASLResponse;
//   - Next with the data of AuthenticationSASLFinal, which verifies the
//     server and returns nil, nil.
//
// Any other order is an error, and after an error the mechanism refuses all
// further calls. Only when Complete reports true has the server proved its
// identity; the connection code must not accept AuthenticationOk before that.
type SASLMechanism interface {
	// Name returns the mechanism's name as sent in SASLInitialResponse,
	// e.g. "SCRAM-SHA-256".
	Name() string

	// Start returns the client's first message (for SCRAM, the
	// client-first-message).
	Start() ([]byte, error)

	// Next takes the data of a message from the server and returns the
	// client's answer. For SCRAM, the AuthenticationSASLContinue data gives
	// the client-final-message, and the AuthenticationSASLFinal data is
	// checked against the expected server signature and gives nil, nil.
	// The returned slice is the caller's.
	Next(fromServer []byte) ([]byte, error)

	// Complete reports whether the exchange finished and the server's final
	// message was verified.
	Complete() bool
}

// ErrNoPassword is returned when a method that needs a password is given an
// empty one. PostgreSQL never accepts an empty password, so, like libpq, the
// driver gives up before starting the exchange.
var ErrNoPassword = errors.New("auth: no password supplied")

// Channel binding policies, the values of libpq's channel_binding.
const (
	ChannelBindingDisable = "disable" // never bind
	ChannelBindingPrefer  = "prefer"  // bind when the connection uses TLS and the server offers SCRAM-SHA-256-PLUS (default)
	ChannelBindingRequire = "require" // bind, or refuse to authenticate
)

// SASLConfig holds what Choose needs; ChooseSASL is shorthand for a
// SASLConfig with only User and Password set.
type SASLConfig struct {
	// User is the user name of the startup message. PostgreSQL takes the
	// user from there and ignores the SASL user name, so it is not sent.
	User string

	// Password is the user's password.
	Password string

	// TLS is the state of the TLS connection the exchange runs over, or nil
	// for a plain one. It gives the tls-server-end-point channel binding
	// data (RFC 5929, section 4.1) for SCRAM-SHA-256-PLUS.
	TLS *tls.ConnectionState

	// ChannelBinding is the policy: ChannelBindingDisable,
	// ChannelBindingPrefer or ChannelBindingRequire (default: prefer).
	ChannelBinding string
}

// Mechanism names as PostgreSQL spells them in AuthenticationSASL.
const (
	mechSCRAMSHA256     = "SCRAM-SHA-256"
	mechSCRAMSHA256Plus = "SCRAM-SHA-256-PLUS"
)

// ErrChannelBindingRequired wraps every refusal of ChannelBindingRequire:
// the exchange is refused before any credential is sent.
var ErrChannelBindingRequired = errors.New("channel binding required")

// Choose picks a mechanism from the names the server offered in
// AuthenticationSASL and returns it ready to Start, as libpq does:
//
//   - SCRAM-SHA-256-PLUS with tls-server-end-point binding when the
//     connection uses TLS, the server offers it and the policy is not
//     disable. The hash is the certificate's signature hash (SHA-256 for
//     MD5 and SHA-1); a signature algorithm without one (Ed25519, say)
//     cannot be bound.
//   - Otherwise SCRAM-SHA-256, unless the policy is require. Its gs2 flag
//     is "y" when the connection uses TLS but the server did not offer
//     PLUS, so that a server which did offer it detects the downgrade, and
//     "n" otherwise.
//
// It fails if nothing offered is supported, naming what was offered.
func (c SASLConfig) Choose(offered []string) (SASLMechanism, error) {
	if len(offered) == 0 {
		return nil, errors.New("auth: server offered no SASL mechanisms")
	}
	policy := c.ChannelBinding
	switch policy {
	case "":
		policy = ChannelBindingPrefer
	case ChannelBindingDisable, ChannelBindingPrefer, ChannelBindingRequire:
	default:
		return nil, fmt.Errorf("auth: invalid channel_binding %q: want disable, prefer or require", policy)
	}
	hasPlus, hasPlain := false, false
	for _, name := range offered {
		hasPlus = hasPlus || name == mechSCRAMSHA256Plus
		hasPlain = hasPlain || name == mechSCRAMSHA256
	}

	if policy != ChannelBindingDisable && c.TLS != nil && hasPlus {
		cb, err := scram.NewTLSServerEndpointBinding(c.TLS)
		switch {
		case err == nil:
			return newSCRAMSHA256(c.Password, scramOptions{binding: &cb})
		case policy == ChannelBindingRequire:
			return nil, fmt.Errorf("auth: %w, but the server certificate's signature algorithm %v defines no hash for tls-server-end-point binding",
				ErrChannelBindingRequired, c.TLS.PeerCertificates[0].SignatureAlgorithm)
		}
		// prefer: authenticate without binding ("n": the client cannot bind).
		if hasPlain {
			return newSCRAMSHA256(c.Password, scramOptions{})
		}
	}
	if policy == ChannelBindingRequire {
		if c.TLS == nil {
			return nil, fmt.Errorf("auth: %w, but the connection does not use TLS", ErrChannelBindingRequired)
		}
		return nil, fmt.Errorf("auth: %w, but the server does not offer %s", ErrChannelBindingRequired, mechSCRAMSHA256Plus)
	}
	if hasPlain {
		advertise := policy != ChannelBindingDisable && c.TLS != nil && !hasPlus
		return newSCRAMSHA256(c.Password, scramOptions{advertise: advertise})
	}
	quoted := make([]string, len(offered))
	for i, name := range offered {
		quoted[i] = fmt.Sprintf("%q", clip(name))
	}
	return nil, fmt.Errorf("auth: server offered SASL mechanisms %s, none of which pgmoon can use here (it supports %s, and %s over TLS)",
		strings.Join(quoted, ", "), mechSCRAMSHA256, mechSCRAMSHA256Plus)
}

// ChooseSASL picks a mechanism from the names the server offered in
// AuthenticationSASL for a connection without TLS: SCRAM-SHA-256. It fails
// if none of the offered mechanisms is supported, naming those offered, and
// with ErrNoPassword if password is empty.
func ChooseSASL(offered []string, user, password string) (SASLMechanism, error) {
	return SASLConfig{User: user, Password: password}.Choose(offered)
}

// clip shortens server-supplied text before it goes into an error message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
