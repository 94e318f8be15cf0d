package pgtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Names of the TLS files pgtest installs in a server's data directory, and
// of the certificate authority's file in the server's host directory.
const (
	tlsCertName = "pgtest-server.crt"
	tlsKeyName  = "pgtest-server.key"
	tlsCAName   = "pgtest-ca.crt" // in the data directory: ssl_ca_file, for client certificates
	caFileName  = "pgtest-ca.crt"
)

// tlsFiles are a throwaway certificate authority and a server certificate
// it signed.
type tlsFiles struct {
	ca         *x509.Certificate
	caKey      crypto.Signer
	dir        string // host directory for the files
	caPEM      []byte
	caFile     string // caPEM on the host, for sslrootcert
	pool       *x509.CertPool
	serverCert []byte // PEM
	serverKey  []byte // PEM, PKCS #8
}

// newTLSFiles makes the authority and a certificate for 127.0.0.1, ::1 and
// localhost valid for 30 days, and writes the authority's certificate into
// dir.
func newTLSFiles(dir string) (*tlsFiles, error) {
	now := time.Now()
	ca, caKey, err := newCert(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "pgtest throwaway CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, nil, "ecdsa")
	if err != nil {
		return nil, err
	}
	cert, key, err := newCert(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(30 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, caKey, "ecdsa")
	if err != nil {
		return nil, err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	f := &tlsFiles{
		ca:         ca,
		caKey:      caKey,
		dir:        dir,
		caPEM:      encodeCert(ca),
		serverCert: encodeCert(cert),
		serverKey:  keyPEM,
		pool:       x509.NewCertPool(),
	}
	f.pool.AddCert(ca)
	f.caFile = filepath.Join(dir, caFileName)
	if err := os.WriteFile(f.caFile, f.caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write CA certificate: %w", err)
	}
	return f, nil
}

// newCert makes a key of keyType ("ecdsa", P-256, or "ed25519") and a
// certificate for it from tmpl (given a random serial number), signed by
// parent with parentKey, or self-signed if parent is nil.
func newCert(tmpl, parent *x509.Certificate, parentKey crypto.Signer, keyType string) (*x509.Certificate, crypto.Signer, error) {
	var key crypto.Signer
	var err error
	switch keyType {
	case "ecdsa":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		err = fmt.Errorf("unknown key type %q (want ecdsa or ed25519)", keyType)
	}
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = randomSerial()
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// encodeCert returns a certificate in PEM.
func encodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// encodeKey returns a private key in PEM, PKCS #8.
func encodeKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// RootCAs returns the certificate authority that signed the server's
// certificate under [WithTLS], as a pool for tls.Config.RootCAs; nil
// without WithTLS or for an external server.
func (s *Server) RootCAs() *x509.CertPool {
	if s.tls == nil {
		return nil
	}
	return s.tls.pool
}

// CAFile returns the path of a PEM file holding the certificate authority
// of [Server.RootCAs], for sslrootcert; "" without [WithTLS] or for an
// external server. Close removes it.
func (s *Server) CAFile() string {
	if s.tls == nil {
		return ""
	}
	return s.tls.caFile
}

// ClientCert issues a client certificate for role user (CN = user), signed
// by the certificate authority the server trusts under [WithTLS], and
// returns the paths of the certificate and of its key (mode 0600), for
// sslcert and sslkey. The role [MethodCert] logs in with one. Close removes
// the files.
func (s *Server) ClientCert(user string) (certFile, keyFile string, err error) {
	return s.issueClientCert(user, time.Now().Add(30*24*time.Hour))
}

// ExpiredClientCert is ClientCert with a certificate that expired an hour
// ago, which the server refuses.
func (s *Server) ExpiredClientCert(user string) (certFile, keyFile string, err error) {
	return s.issueClientCert(user, time.Now().Add(-time.Hour))
}

func (s *Server) issueClientCert(user string, notAfter time.Time) (certFile, keyFile string, err error) {
	if s.tls == nil {
		return "", "", errors.New("pgtest: ClientCert: the server has no TLS; start it with WithTLS")
	}
	cert, key, err := newCert(&x509.Certificate{
		Subject:     pkix.Name{CommonName: user},
		NotBefore:   notAfter.Add(-31 * 24 * time.Hour),
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, s.tls.ca, s.tls.caKey, "ecdsa")
	if err != nil {
		return "", "", err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return "", "", err
	}
	base := filepath.Join(s.tls.dir, "client-"+randomHex(4))
	certFile, keyFile = base+".crt", base+".key"
	if err := os.WriteFile(certFile, encodeCert(cert), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}
