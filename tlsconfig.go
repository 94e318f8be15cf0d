package pgmoon

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// Values of Config.SSLNegotiation.
const (
	SSLNegotiationPostgres = "postgres" // SSLRequest first, then TLS if the server agrees (default)
	SSLNegotiationDirect   = "direct"   // TLS at once, with ALPN "postgresql" (PostgreSQL 17+)
)

// SSLRootCertSystem as Config.SSLRootCert verifies the server against the
// system's trusted roots; it requires sslmode verify-full.
const SSLRootCertSystem = "system"

// alpnProtocol is the ALPN name PostgreSQL 17 servers accept.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
const alpnProtocol = "postgresql"

// tlsVersions maps ssl_min_protocol_version and ssl_max_protocol_version
// values to crypto/tls versions.
var tlsVersions = map[string]uint16{
	"TLSv1":   tls.VersionTLS10,
	"TLSv1.1": tls.VersionTLS11,
	"TLSv1.2": tls.VersionTLS12,
	"TLSv1.3": tls.VersionTLS13,
}

// postgresqlDir is libpq's directory of default certificate files,
// ~/.postgresql; a variable for tests.
var postgresqlDir = func() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".postgresql")
}

// checkTLSSettings refuses the combinations of TLS settings libpq refuses,
// and unknown values in a hand-built Config.
func (c *Config) checkTLSSettings() error {
	switch c.SSLMode {
	case SSLDisable, SSLAllow, SSLPrefer, SSLRequire, SSLVerifyCA, SSLVerifyFull:
	default:
		return fmt.Errorf("invalid sslmode %q: want disable, allow, prefer, require, verify-ca or verify-full", c.SSLMode)
	}
	weak := c.SSLMode == SSLDisable || c.SSLMode == SSLAllow || c.SSLMode == SSLPrefer
	if c.SSLRootCert == SSLRootCertSystem && c.SSLMode != SSLVerifyFull {
		return fmt.Errorf("weak sslmode %q may not be used with sslrootcert=system (use \"verify-full\")", c.SSLMode)
	}
	switch c.SSLNegotiation {
	case SSLNegotiationPostgres:
	case SSLNegotiationDirect:
		if weak {
			return fmt.Errorf("weak sslmode %q may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")", c.SSLMode)
		}
	default:
		return fmt.Errorf("invalid sslnegotiation %q: want postgres or direct", c.SSLNegotiation)
	}
	var lo, hi uint16
	for _, v := range []struct {
		name, value string
		dst         *uint16
	}{{"ssl_min_protocol_version", c.SSLMinProtocolVersion, &lo}, {"ssl_max_protocol_version", c.SSLMaxProtocolVersion, &hi}} {
		if v.value == "" {
			continue
		}
		n, ok := tlsVersions[v.value]
		if !ok {
			return fmt.Errorf("invalid %s %q: want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3", v.name, v.value)
		}
		*v.dst = n
	}
	if lo != 0 && hi != 0 && lo > hi {
		return fmt.Errorf("invalid SSL protocol version range: ssl_min_protocol_version %s is above ssl_max_protocol_version %s",
			c.SSLMinProtocolVersion, c.SSLMaxProtocolVersion)
	}
	return nil
}

// buildTLSConfig prepares the TLS configuration of a connection the way
// libpq interprets sslmode and the ssl* settings, before anything is sent:
//
//   - A root certificate file (Config.SSLRootCert, or ~/.postgresql/root.crt
//     if it exists) makes every TLS connection verify the server's chain;
//     verify-ca and verify-full need one and fail without it.
//   - verify-full also matches the host name against the certificate: its
//     dNSName SANs, or its CN when it has none; an IP address against
//     iPAddress and dNSName SANs, then the CN if no iPAddress SAN exists.
//   - A client certificate (Config.SSLCert, or ~/.postgresql/postgresql.crt
//     if it exists) is sent with its key (Config.SSLKey, or
//     ~/.postgresql/postgresql.key), which must not be readable by others.
//
// Config.TLSConfig, when set, replaces all of this.
func buildTLSConfig(cfg *Config) (*tls.Config, error) {
	sni := ""
	if !cfg.DisableSNI && !isUnixSocketHost(cfg.Host) && net.ParseIP(cfg.Host) == nil {
		sni = cfg.Host
	}
	var nextProtos []string
	if cfg.SSLNegotiation == SSLNegotiationDirect {
		nextProtos = []string{alpnProtocol}
	}
	if cfg.TLSConfig != nil {
		conf := cfg.TLSConfig.Clone()
		if conf.ServerName == "" {
			conf.ServerName = sni
		}
		if nextProtos != nil {
			conf.NextProtos = nextProtos
		}
		return conf, nil
	}

	if cfg.SSLMode == SSLVerifyFull && cfg.Host == "" {
		// A host given by hostaddr alone has no name to check; libpq
		// refuses the same way rather than skip the check.
		return nil, errors.New("sslmode verify-full: host name must be specified for a verified SSL connection (hostaddr alone has none)")
	}
	conf := &tls.Config{
		// Verification is done below, in VerifyConnection, with libpq's
		// rules, which differ from crypto/tls's (no chain check without a
		// root file; CN fallback for host names).
		InsecureSkipVerify: true, // #nosec G402
		ServerName:         sni,
		NextProtos:         nextProtos,
		MinVersion:         tls.VersionTLS12,
	}
	if v := cfg.SSLMinProtocolVersion; v != "" {
		conf.MinVersion = tlsVersions[v]
	}
	if v := cfg.SSLMaxProtocolVersion; v != "" {
		conf.MaxVersion = tlsVersions[v]
	}

	roots, err := rootCertificates(cfg)
	if err != nil {
		return nil, err
	}
	if roots != nil {
		host := ""
		if cfg.SSLMode == SSLVerifyFull {
			host = cfg.Host
		}
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyServer(cs.PeerCertificates, roots, host)
		}
	}

	cert, err := clientCertificate(cfg)
	if err != nil {
		return nil, err
	}
	if cert != nil {
		// Always send it, as libpq does, whatever authorities the server
		// names in its request.
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return conf, nil
}

// rootCertificates returns the pool to verify the server with, or nil when
// the server's certificate is not verified.
func rootCertificates(cfg *Config) (*x509.CertPool, error) {
	verify := cfg.SSLMode == SSLVerifyCA || cfg.SSLMode == SSLVerifyFull
	if cfg.SSLRootCert == SSLRootCertSystem {
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("sslrootcert=system: %w", err)
		}
		return pool, nil
	}
	path := cfg.SSLRootCert
	if path == "" {
		if dir := postgresqlDir(); dir != "" {
			path = filepath.Join(dir, "root.crt")
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !verify {
			return nil, nil // no root file: no verification, as libpq
		}
		if path == "" {
			path = "~/.postgresql/root.crt"
		}
		return nil, fmt.Errorf("sslmode %s: root certificate file %q cannot be read (%v); "+
			"either provide the file, use the system's trusted roots with sslrootcert=system, "+
			"or change sslmode to disable server certificate verification", cfg.SSLMode, path, errors.Unwrap(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("root certificate file %q holds no PEM certificate", path)
	}
	return pool, nil
}

// verifyServer checks the server's chain against roots and, if host is not
// empty, the host name with libpq's rules.
func verifyServer(certs []*x509.Certificate, roots *x509.CertPool, host string) error {
	if len(certs) == 0 {
		return errors.New("server sent no certificate")
	}
	opts := x509.VerifyOptions{
		Roots:         roots,
		Intermediates: x509.NewCertPool(),
		// OpenSSL, which libpq uses, does not require the serverAuth
		// extended key usage.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	if host != "" && !certificateMatchesHost(certs[0], host) {
		return fmt.Errorf("server certificate for %s does not match host name %q", certificateNames(certs[0]), host)
	}
	return nil
}

// certificateMatchesHost applies libpq's verify-full rules: a host name is
// matched against the dNSName SANs, or the CN if there are none; an IP
// address against the iPAddress SANs and the dNSName SANs (as text), then
// the CN if no iPAddress SAN exists. A name starting with "*" matches any
// one DNS label in its place.
func certificateMatchesHost(cert *x509.Certificate, host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		for _, san := range cert.IPAddresses {
			if san.Equal(ip) {
				return true
			}
		}
		for _, san := range cert.DNSNames {
			if hostNameMatches(san, host) {
				return true
			}
		}
		return len(cert.IPAddresses) == 0 && hostNameMatches(cert.Subject.CommonName, host)
	}
	if len(cert.DNSNames) > 0 {
		for _, san := range cert.DNSNames {
			if hostNameMatches(san, host) {
				return true
			}
		}
		return false
	}
	return hostNameMatches(cert.Subject.CommonName, host)
}

// hostNameMatches compares a certificate name with a host name, ignoring
// case; a leading "*" stands for one or more characters other than '.'.
func hostNameMatches(pattern, host string) bool {
	if pattern == "" || strings.IndexByte(pattern, 0) >= 0 {
		return false
	}
	if rest, ok := strings.CutPrefix(pattern, "*"); ok {
		if len(host) <= len(rest) || !strings.EqualFold(host[len(host)-len(rest):], rest) {
			return false
		}
		return !strings.Contains(host[:len(host)-len(rest)], ".")
	}
	return strings.EqualFold(pattern, host)
}

// certificateNames lists a certificate's names for an error message.
func certificateNames(cert *x509.Certificate) string {
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return fmt.Sprintf("CN %q", cert.Subject.CommonName)
	}
	return fmt.Sprintf("%q", names)
}

// clientCertificate loads the client certificate and key, or returns nil
// when there is no certificate file.
func clientCertificate(cfg *Config) (*tls.Certificate, error) {
	certPath, keyPath := cfg.SSLCert, cfg.SSLKey
	if dir := postgresqlDir(); dir != "" {
		if certPath == "" {
			certPath = filepath.Join(dir, "postgresql.crt")
		}
		if keyPath == "" {
			keyPath = filepath.Join(dir, "postgresql.key")
		}
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || certPath == "" {
			return nil, nil // as libpq: no certificate file, no client certificate
		}
		return nil, fmt.Errorf("client certificate %q: %w", certPath, err)
	}
	if keyPath == "" {
		return nil, fmt.Errorf("client certificate %q present, but no private key file (sslkey)", certPath)
	}
	fi, err := os.Stat(keyPath)
	if err != nil {
		return nil, fmt.Errorf("client certificate %q present, but not private key file %q: %w", certPath, keyPath, errors.Unwrap(err))
	}
	if err := checkKeyFileMode(keyPath, fi); err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("private key file %q: %w", keyPath, err)
	}
	keyPEM, err = decryptKey(keyPEM, keyPath, cfg.SSLPassword)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("client certificate %q and key %q: %w", certPath, keyPath, err)
	}
	return &cert, nil
}

// decryptKey decrypts a PEM key encrypted the legacy OpenSSL way
// (Proc-Type: 4,ENCRYPTED) with password. Encrypted PKCS #8 keys are
// refused: the standard library cannot decrypt them.
func decryptKey(keyPEM []byte, path, password string) ([]byte, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return keyPEM, nil // tls.X509KeyPair reports it
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("private key file %q is an encrypted PKCS #8 key, which this driver cannot decrypt; "+
			"decrypt it (openssl pkey -in key -out plain.key) or re-encrypt it in the legacy PEM format (openssl rsa -aes256)", path)
	}
	//lint:ignore SA1019 legacy PEM encryption is what sslpassword decrypts
	if !x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck
		return keyPEM, nil
	}
	if password == "" {
		return nil, fmt.Errorf("private key file %q is encrypted; set sslpassword", path)
	}
	der, err := x509.DecryptPEMBlock(block, []byte(password)) //nolint:staticcheck
	if err != nil {
		return nil, fmt.Errorf("private key file %q: cannot decrypt it with sslpassword: %w", path, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
}
