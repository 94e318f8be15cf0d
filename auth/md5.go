package auth

import (
	"crypto/md5"
	"encoding/hex"
)

// MD5Password returns the PasswordMessage payload that answers an
// AuthenticationMD5Password request:
//
//	"md5" + hex(md5(hex(md5(password + user)) + salt))
//
// where user is the user name sent in the startup message and salt is the
// 4 bytes that follow the request code. The inner hash is what the server
// stores for an MD5 password; the salt makes the payload single-use. The
// result does not include the message's terminating NUL.
//
// MD5 password authentication is deprecated in PostgreSQL in favour of
// SCRAM-SHA-256; see https://www.postgresql.org/docs/current/auth-password.html.
func MD5Password(user, password string, salt [4]byte) string {
	inner := md5.Sum([]byte(password + user))
	var buf [2*md5.Size + len(salt)]byte
	hex.Encode(buf[:2*md5.Size], inner[:])
	copy(buf[2*md5.Size:], salt[:])
	outer := md5.Sum(buf[:])
	return "md5" + hex.EncodeToString(outer[:])
}
