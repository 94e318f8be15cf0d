package auth

import "fmt"

// Request codes of the AuthenticationXXX messages: the int32 that follows the
// 'R' message type. See
// https://www.postgresql.org/docs/current/protocol-message-formats.html.
const (
	CodeOK                uint32 = 0  // AuthenticationOk
	CodeKerberosV5        uint32 = 2  // AuthenticationKerberosV5 (no longer sent by servers)
	CodeCleartextPassword uint32 = 3  // AuthenticationCleartextPassword
	CodeMD5Password       uint32 = 5  // AuthenticationMD5Password, followed by a 4-byte salt
	CodeSCMCredential     uint32 = 6  // AuthenticationSCMCredential (no longer sent by servers)
	CodeGSS               uint32 = 7  // AuthenticationGSS
	CodeGSSContinue       uint32 = 8  // AuthenticationGSSContinue, followed by GSSAPI or SSPI data
	CodeSSPI              uint32 = 9  // AuthenticationSSPI
	CodeSASL              uint32 = 10 // AuthenticationSASL, followed by the offered mechanism names
	CodeSASLContinue      uint32 = 11 // AuthenticationSASLContinue, followed by mechanism data
	CodeSASLFinal         uint32 = 12 // AuthenticationSASLFinal, followed by mechanism data
)

// MethodName returns a human name for an authentication request code, for
// use in error messages: "none" for [CodeOK] (the server asked for no
// authentication), "password" for cleartext, "md5", "SASL", "GSSAPI",
// "SSPI", "KerberosV5", "SCM credentials". An unknown code is named
// "unknown (code N)".
func MethodName(code uint32) string {
	switch code {
	case CodeOK:
		return "none"
	case CodeKerberosV5:
		return "KerberosV5"
	case CodeCleartextPassword:
		return "password"
	case CodeMD5Password:
		return "md5"
	case CodeSCMCredential:
		return "SCM credentials"
	case CodeGSS, CodeGSSContinue:
		return "GSSAPI"
	case CodeSSPI:
		return "SSPI"
	case CodeSASL, CodeSASLContinue, CodeSASLFinal:
		return "SASL"
	default:
		return fmt.Sprintf("unknown (code %d)", code)
	}
}

// UnsupportedError says the server asked for an authentication method this
// driver does not implement, such as GSSAPI, SSPI, Kerberos V5 or SCM
// credentials.
type UnsupportedError struct {
	Method string // the method's name, usually from MethodName
}

func (e *UnsupportedError) Error() string {
	return "auth: server requested " + e.Method + " authentication, which pgmoon does not support"
}
