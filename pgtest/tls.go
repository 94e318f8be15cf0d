package pgtest

import (
	"crypto/ecdsa"
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
	caKey      *ecdsa.PrivateKey
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
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "pgtest throwaway CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	f := &tlsFiles{
		ca:         ca,
		caKey:      caKey,
		dir:        dir,
		caPEM:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		serverCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		serverKey:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		pool:       x509.NewCertPool(),
	}
	f.pool.AddCert(ca)
	f.caFile = filepath.Join(dir, caFileName)
	if err := os.WriteFile(f.caFile, f.caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write CA certificate: %w", err)
	}
	return f, nil
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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: user},
		NotBefore:    notAfter.Add(-31 * 24 * time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.tls.ca, &key.PublicKey, s.tls.caKey)
	if err != nil {
		return "", "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	base := filepath.Join(s.tls.dir, "client-"+randomHex(4))
	certFile, keyFile = base+".crt", base+".key"
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}
