package pgmoon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCertificateMatchesHost(t *testing.T) {
	cert := func(cn string, dns []string, ips ...string) *x509.Certificate {
		c := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, DNSNames: dns}
		for _, ip := range ips {
			c.IPAddresses = append(c.IPAddresses, net.ParseIP(ip))
		}
		return c
	}
	for _, tc := range []struct {
		name string
		cert *x509.Certificate
		host string
		want bool
	}{
		{"SAN", cert("other", []string{"db.example.com"}), "db.example.com", true},
		{"SAN case", cert("", []string{"DB.Example.com"}), "db.example.COM", true},
		{"CN ignored when a dNSName SAN exists", cert("db.example.com", []string{"other.example.com"}), "db.example.com", false},
		{"CN without SANs", cert("db.example.com", nil), "db.example.com", true},
		{"CN with only an IP SAN", cert("db.example.com", nil, "10.0.0.1"), "db.example.com", true},
		{"wildcard", cert("", []string{"*.example.com"}), "db.example.com", true},
		{"wildcard is one label", cert("", []string{"*.example.com"}), "a.db.example.com", false},
		{"wildcard needs a label", cert("", []string{"*.example.com"}), ".example.com", false},
		{"wildcard not the parent", cert("", []string{"*.example.com"}), "example.com", false},
		{"wildcard CN", cert("*.example.com", nil), "db.example.com", true},
		{"partial wildcard", cert("", []string{"*db.example.com"}), "mydb.example.com", true},
		{"no match", cert("", []string{"db.example.com"}), "db.example.org", false},
		{"IP SAN", cert("", nil, "127.0.0.1"), "127.0.0.1", true},
		{"IPv6 SAN", cert("", nil, "::1"), "::1", true},
		{"IP in a dNSName SAN", cert("", []string{"127.0.0.1"}), "127.0.0.1", true},
		{"IP in CN without IP SANs", cert("127.0.0.1", []string{"localhost"}), "127.0.0.1", true},
		{"IP CN ignored with IP SANs", cert("127.0.0.1", nil, "10.0.0.1"), "127.0.0.1", false},
		{"IP mismatch", cert("", nil, "10.0.0.1"), "127.0.0.1", false},
		{"empty CN", cert("", nil), "db", false},
		{"NUL in name", cert("db\x00.evil.com", nil), "db", false},
	} {
		if got := certificateMatchesHost(tc.cert, tc.host); got != tc.want {
			t.Errorf("%s: certificateMatchesHost(%q) = %v, want %v", tc.name, tc.host, got, tc.want)
		}
	}
}

// plainKey encodes an EC key unencrypted, for writeKeyPair.
func plainKey(der []byte) *pem.Block { return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der} }

// writeKeyPair writes a self-signed certificate for cn (and the DNS name
// localhost) and its key, encoded by encodeKey with mode 0600, into dir as
// name.crt and name.key, and returns the paths.
func writeKeyPair(t testing.TB, dir, name, cn string, encodeKey func(der []byte) *pem.Block) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(encodeKey(keyDER)), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

func TestClientCertificate(t *testing.T) {
	defer SetPostgresqlDir(t.TempDir())()

	t.Run("none", func(t *testing.T) {
		cert, err := clientCertificate(&Config{})
		if cert != nil || err != nil {
			t.Errorf("no files: %v, %v; want no certificate and no error", cert, err)
		}
		cert, err = clientCertificate(&Config{SSLCert: filepath.Join(t.TempDir(), "missing.crt")})
		if cert != nil || err != nil {
			t.Errorf("missing sslcert: %v, %v; want no certificate, as libpq", cert, err)
		}
	})
	t.Run("plain key", func(t *testing.T) {
		c, k := writeKeyPair(t, t.TempDir(), "client", "client", plainKey)
		cert, err := clientCertificate(&Config{SSLCert: c, SSLKey: k})
		if err != nil || cert == nil || cert.Leaf == nil && len(cert.Certificate) != 1 {
			t.Fatalf("clientCertificate = %v, %v", cert, err)
		}
	})
	t.Run("missing key", func(t *testing.T) {
		c, _ := writeKeyPair(t, t.TempDir(), "client", "client", plainKey)
		_, err := clientCertificate(&Config{SSLCert: c, SSLKey: filepath.Join(t.TempDir(), "none.key")})
		if err == nil || !strings.Contains(err.Error(), "present, but not private key file") {
			t.Errorf("missing key: %v", err)
		}
	})
	t.Run("legacy encrypted key", func(t *testing.T) {
		const pass = "kpass"
		c, k := writeKeyPair(t, t.TempDir(), "client", "client", func(der []byte) *pem.Block {
			b, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", der, []byte(pass), x509.PEMCipherAES256) //nolint:staticcheck
			if err != nil {
				t.Fatal(err)
			}
			return b
		})
		if _, err := clientCertificate(&Config{SSLCert: c, SSLKey: k}); err == nil || !strings.Contains(err.Error(), "set sslpassword") {
			t.Errorf("no sslpassword: %v", err)
		}
		if _, err := clientCertificate(&Config{SSLCert: c, SSLKey: k, SSLPassword: "wrong"}); err == nil || strings.Contains(err.Error(), "wrong") {
			t.Errorf("wrong sslpassword: %v (must fail and not show the password)", err)
		}
		if cert, err := clientCertificate(&Config{SSLCert: c, SSLKey: k, SSLPassword: pass}); err != nil || cert == nil {
			t.Errorf("right sslpassword: %v, %v", cert, err)
		}
	})
	t.Run("encrypted PKCS #8 key", func(t *testing.T) {
		c, k := writeKeyPair(t, t.TempDir(), "client", "client", func(der []byte) *pem.Block { return &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der} })
		_, err := clientCertificate(&Config{SSLCert: c, SSLKey: k, SSLPassword: "x"})
		if err == nil || !strings.Contains(err.Error(), "encrypted PKCS #8") {
			t.Errorf("PKCS #8: %v", err)
		}
	})
	t.Run("default files", func(t *testing.T) {
		dir := t.TempDir()
		defer SetPostgresqlDir(dir)()
		c, k := writeKeyPair(t, dir, "client", "client", plainKey)
		os.Rename(c, filepath.Join(dir, "postgresql.crt"))
		os.Rename(k, filepath.Join(dir, "postgresql.key"))
		if cert, err := clientCertificate(&Config{}); err != nil || cert == nil {
			t.Errorf("~/.postgresql/postgresql.crt: %v, %v", cert, err)
		}
	})
}

func TestRootCertificates(t *testing.T) {
	dir := t.TempDir()
	defer SetPostgresqlDir(dir)()
	for _, mode := range []string{SSLPrefer, SSLRequire} {
		if pool, err := rootCertificates(&Config{SSLMode: mode}); pool != nil || err != nil {
			t.Errorf("%s without a root file: %v, %v; want no verification", mode, pool, err)
		}
	}
	for _, mode := range []string{SSLVerifyCA, SSLVerifyFull} {
		_, err := rootCertificates(&Config{SSLMode: mode})
		if err == nil || !strings.Contains(err.Error(), "root.crt") || !strings.Contains(err.Error(), "sslrootcert=system") {
			t.Errorf("%s without a root file: %v", mode, err)
		}
	}
	c, _ := writeKeyPair(t, t.TempDir(), "client", "client", func(der []byte) *pem.Block { return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der} })
	data, _ := os.ReadFile(c)
	os.WriteFile(filepath.Join(dir, "root.crt"), data, 0o644)
	if pool, err := rootCertificates(&Config{SSLMode: SSLRequire}); pool == nil || err != nil {
		t.Errorf("require with ~/.postgresql/root.crt: %v, %v; want verification", pool, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.crt")
	os.WriteFile(bad, []byte("not PEM"), 0o644)
	if _, err := rootCertificates(&Config{SSLMode: SSLRequire, SSLRootCert: bad}); err == nil {
		t.Error("a root file without certificates was accepted")
	}
}
