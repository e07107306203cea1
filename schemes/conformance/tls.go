package conformance

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// TLSFiles names the PEM files of a TLS connection to an adapter.
type TLSFiles struct {
	// CAFile holds the certificates that sign the adapter's server
	// certificate. Empty: the system's roots.
	CAFile string
	// CertFile and KeyFile are the client certificate and its key, for an
	// adapter that asks for one (mutual TLS). Both or neither.
	CertFile, KeyFile string
	// ServerName is the name the server certificate must hold. Empty: the
	// host of the target address.
	ServerName string
}

// DialTLS returns the dial option of a TLS connection made from f, for
// Config.DialOptions.
func DialTLS(f TLSFiles) (grpc.DialOption, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.ServerName}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("conformance: TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("conformance: TLS CA file %s holds no PEM certificate", f.CAFile)
		}
		c.RootCAs = pool
	}
	switch {
	case f.CertFile != "" && f.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("conformance: TLS client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	case f.CertFile != "" || f.KeyFile != "":
		return nil, errors.New("conformance: a TLS client certificate needs both its certificate and its key file")
	}
	return grpc.WithTransportCredentials(credentials.NewTLS(c)), nil
}
