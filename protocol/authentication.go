package protocol

// Authentication request codes: the Int32 that starts the body of every
// Authentication message ('R') and tells which request it is.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONOK
const (
	authOk                = 0
	authKerberosV5        = 2
	authCleartextPassword = 3
	authMD5Password       = 5
	authSCMCredential     = 6
	authGSS               = 7
	authGSSContinue       = 8
	authSSPI              = 9
	authSASL              = 10
	authSASLContinue      = 11
	authSASLFinal         = 12
)

// newAuthDecoder starts decoding the body of an Authentication message and
// checks that its code is want.
func newAuthDecoder(name string, body []byte, want int32) decoder {
	d := newDecoder(name, 'R', body)
	if code := d.int32("authentication code"); d.err == nil && code != want {
		d.fail("authentication code %d, want %d", code, want)
	}
	return d
}

// encodeAuthData encodes an Authentication message whose body is its code
// followed by an opaque payload that runs to the end of the message.
func encodeAuthData(name string, dst []byte, code int32, data []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'R')
	dst = appendInt32(dst, code)
	dst = append(dst, data...)
	return finishMessage(name, dst, at, true)
}
