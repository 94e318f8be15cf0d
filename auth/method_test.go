package auth

import (
	"errors"
	"testing"
)

func TestMethodName(t *testing.T) {
	tests := []struct {
		code uint32
		want string
	}{
		{CodeOK, "none"},
		{CodeKerberosV5, "KerberosV5"},
		{CodeCleartextPassword, "password"},
		{CodeMD5Password, "md5"},
		{CodeSCMCredential, "SCM credentials"},
		{CodeGSS, "GSSAPI"},
		{CodeGSSContinue, "GSSAPI"},
		{CodeSSPI, "SSPI"},
		{CodeSASL, "SASL"},
		{CodeSASLContinue, "SASL"},
		{CodeSASLFinal, "SASL"},
		{4, "unknown (code 4)"}, // AuthenticationCryptPassword, removed in PostgreSQL 8.4
		{42, "unknown (code 42)"},
	}
	for _, tt := range tests {
		if got := MethodName(tt.code); got != tt.want {
			t.Errorf("MethodName(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestUnsupportedError(t *testing.T) {
	tests := []struct {
		code uint32
		want string
	}{
		{CodeGSS, "auth: server requested GSSAPI authentication, which pgmoon does not support"},
		{CodeSSPI, "auth: server requested SSPI authentication, which pgmoon does not support"},
		{CodeKerberosV5, "auth: server requested KerberosV5 authentication, which pgmoon does not support"},
		{CodeSCMCredential, "auth: server requested SCM credentials authentication, which pgmoon does not support"},
	}
	for _, tt := range tests {
		var err error = &UnsupportedError{Method: MethodName(tt.code)}
		if got := err.Error(); got != tt.want {
			t.Errorf("code %d: Error() = %q, want %q", tt.code, got, tt.want)
		}
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.Method != MethodName(tt.code) {
			t.Errorf("code %d: errors.As did not recover the method", tt.code)
		}
	}
}
