//go:build unix

package pgmoon

import (
	"os"
	"strings"
	"testing"
)

func TestKeyFileMode(t *testing.T) {
	defer SetPostgresqlDir(t.TempDir())()
	c, k := writeKeyPair(t, t.TempDir(), "client", "client", plainKey)
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o400, true}, {0o640, false}, {0o604, false}, {0o644, false}} {
		if err := os.Chmod(k, tc.mode); err != nil {
			t.Fatal(err)
		}
		_, err := clientCertificate(&Config{SSLCert: c, SSLKey: k})
		if tc.ok && err != nil || !tc.ok && (err == nil || !strings.Contains(err.Error(), "has group or world access")) {
			t.Errorf("key file mode %o: %v", tc.mode, err)
		}
	}
}
