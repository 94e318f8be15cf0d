// Package auth implements the client side of the authentication methods a
// default PostgreSQL server asks for: cleartext password, MD5,
// SCRAM-SHA-256 and SCRAM-SHA-256-PLUS. It knows nothing of sockets or message framing; the
// connection code reads an AuthenticationXXX message, asks this package for
// the bytes to answer with, and sends them.
//
// # Request codes
//
// The Code constants are the int32 request codes that follow the 'R' message
// type. [MethodName] names them for error messages, and [UnsupportedError]
// reports a method this driver does not implement (GSSAPI, SSPI, Kerberos V5,
// SCM credentials).
//
// # Passwords
//
// For AuthenticationCleartextPassword the PasswordMessage carries the password
// itself. For AuthenticationMD5Password it carries [MD5Password].
//
// # SASL
//
// For AuthenticationSASL, [SASLConfig.Choose] (or [ChooseSASL] for a plain
// connection) picks a mechanism from the server's list and returns a
// [SASLMechanism], a small step machine: Start gives the
// SASLInitialResponse data, Next answers AuthenticationSASLContinue and then
// checks AuthenticationSASLFinal, and Complete reports whether the server
// proved that it knows the password.
//
// Over TLS, SCRAM-SHA-256-PLUS binds the exchange to the connection with
// tls-server-end-point channel binding (RFC 5929): a hash of the server's
// certificate goes into the proof, so a man in the middle with another
// certificate cannot relay it. [SASLConfig.ChannelBinding] is libpq's
// channel_binding policy; under "require", every way the exchange could
// go unbound is refused before anything is sent ([ErrChannelBindingRequired]).
//
// # References
//
//   - Password authentication: https://www.postgresql.org/docs/current/auth-password.html
//   - SASL authentication in the protocol: https://www.postgresql.org/docs/current/sasl-authentication.html
//   - RFC 5802, Salted Challenge Response Authentication Mechanism (SCRAM): https://www.rfc-editor.org/rfc/rfc5802
//   - RFC 7677, SCRAM-SHA-256 and SCRAM-SHA-256-PLUS: https://www.rfc-editor.org/rfc/rfc7677
//   - RFC 5929, Channel Bindings for TLS (tls-server-end-point): https://www.rfc-editor.org/rfc/rfc5929
package auth
