package auth

import (
	"crypto/md5"
	"fmt"
	"testing"
)

// md5Reference computes the md5 answer step by step from the description in
// https://www.postgresql.org/docs/current/protocol-flow.html
// (concat('md5', md5(concat(md5(concat(password, username)), random-salt)))),
// independently of MD5Password's buffer handling.
func md5Reference(user, password string, salt [4]byte) string {
	inner := fmt.Sprintf("%x", md5.Sum([]byte(password+user)))
	outer := md5.Sum(append([]byte(inner), salt[:]...))
	return fmt.Sprintf("md5%x", outer)
}

func TestMD5Password(t *testing.T) {
	tests := []struct {
		name           string
		user, password string
		salt           [4]byte
		want           string // "" means: compare with md5Reference only
	}{
		{
			// Derived with coreutils, independently of Go:
			//   printf 's3cretalice' | md5sum         -> 8213e4d0d5792b064442db7988e9f4c4
			//   printf '8213e4d0d5792b064442db7988e9f4c4\x01\x02\x03\x04' | md5sum
			//                                         -> b79948bbeb35dee03ab8fe15a839030b
			name: "coreutils vector", user: "alice", password: "s3cret",
			salt: [4]byte{0x01, 0x02, 0x03, 0x04},
			want: "md5b79948bbeb35dee03ab8fe15a839030b",
		},
		{name: "empty password", user: "postgres", salt: [4]byte{0xff, 0, 0x80, 0x7f}},
		{name: "empty user", password: "secret", salt: [4]byte{9, 8, 7, 6}},
		{name: "non-ASCII", user: "jürgen", password: "pässwörd", salt: [4]byte{0, 0, 0, 0}},
		{name: "salt with NUL and high bytes", user: "u", password: "p", salt: [4]byte{0x00, 0xff, 0x00, 0xfe}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MD5Password(tt.user, tt.password, tt.salt)
			if ref := md5Reference(tt.user, tt.password, tt.salt); got != ref {
				t.Errorf("MD5Password = %q, reference computation = %q", got, ref)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("MD5Password = %q, want %q", got, tt.want)
			}
			if len(got) != 3+32 {
				t.Errorf("len(MD5Password) = %d, want 35", len(got))
			}
		})
	}
}
