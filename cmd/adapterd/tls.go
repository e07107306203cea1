package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFiles names the PEM files of the adapter's mutual TLS: its own
// certificate and key, and the CAs whose client certificates it accepts.
type TLSFiles struct {
	CertFile, KeyFile, ClientCAFile string
}

// Enabled reports whether any file is named.
func (f TLSFiles) Enabled() bool { return f != TLSFiles{} }

// ServerTLS builds the server side of mutual TLS: the server presents
// CertFile and KeyFile, and every client must present a certificate that a
// CA in ClientCAFile signed, or the handshake fails. The gateway is the
// only client an adapter has, so there is no one-sided TLS here: all three
// files or none (nil, plain text: for loopback and tests only).
func ServerTLS(f TLSFiles) (*tls.Config, error) {
	if !f.Enabled() {
		return nil, nil
	}
	if f.CertFile == "" || f.KeyFile == "" || f.ClientCAFile == "" {
		return nil, errors.New("mutual TLS needs --tls-cert, --tls-key and --tls-client-ca together")
	}
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("server certificate %s with key %s: %w", f.CertFile, f.KeyFile, err)
	}
	pem, err := os.ReadFile(f.ClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("client CA file %s holds no PEM certificate", f.ClientCAFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
}
