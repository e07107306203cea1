package terminal

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// certificate is a key and its certificate, made for one test.
type certificate struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newCertificate makes an ECDSA P-256 certificate from template, signed by
// parent, or self-signed when parent is nil.
func newCertificate(t *testing.T, template *x509.Certificate, parent *certificate) *certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	template.SerialNumber = serial
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(time.Hour)
	signer, signerKey := template, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &certificate{cert: cert, key: key}
}

func newCA(t *testing.T, name string) *certificate {
	return newCertificate(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil)
}

func serverTemplate() *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: "meridian terminal host"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

func clientTemplate(terminal string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: terminal},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func (c *certificate) tls() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.cert.Raw}, PrivateKey: c.key, Leaf: c.cert}
}

func (c *certificate) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.cert)
	return p
}

// dialTLS connects a POS client over TLS, closed when the test ends.
func dialTLS(t *testing.T, addr string, config *tls.Config) (*pos.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, err := pos.Dial(ctx, addr, config)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// wantRefused checks that a client dialled with config gets no answer:
// the handshake fails or the host closes the connection.
func wantRefused(t *testing.T, addr string, config *tls.Config) {
	t.Helper()
	c, err := dialTLS(t, addr, config)
	if err != nil {
		return // refused in the handshake
	}
	// In TLS 1.3 the client finishes its side of the handshake before the
	// server has checked the client's certificate: the refusal shows on
	// the first exchange.
	if resp, err := tryDo(c, newTerminal("TERM0001").Network(wire.NetworkEcho)); err == nil {
		t.Fatalf("a client the host must refuse was answered: %v", resp)
	}
	waitClosed(t, c, "the client's certificate is missing or untrusted")
}

func TestServerTLS(t *testing.T) {
	term := newTerminal("TERM0001")

	t.Run("a TLS client trusting the host's self-signed certificate transacts", func(t *testing.T) {
		host := newCertificate(t, serverTemplate(), nil)
		srv := startServer(t, &Server{Handler: approve, TLSConfig: &tls.Config{Certificates: []tls.Certificate{host.tls()}}})
		c, err := dialTLS(t, srv.addr, &tls.Config{RootCAs: host.pool()})
		if err != nil {
			t.Fatal(err)
		}
		echo(t, c, term)
		req := term.Purchase(1250, "281234567890123456")
		wantApproved(t, req, do(t, c, req))
	})

	t.Run("a plain-TCP client to the TLS host gets no answer and is disconnected", func(t *testing.T) {
		host := newCertificate(t, serverTemplate(), nil)
		srv := startServer(t, &Server{Handler: approve, TLSConfig: &tls.Config{Certificates: []tls.Certificate{host.tls()}}})
		c := dial(t, srv.addr)
		if resp, err := tryDo(c, term.Network(wire.NetworkEcho)); err == nil {
			t.Fatalf("a plain-TCP request to the TLS host was answered: %v", resp)
		}
		waitClosed(t, c, "the client does not speak TLS")
		eventually(t, "Connections() drops to 0", func() bool { return srv.Connections() == 0 })
	})

	t.Run("a TLS client that does not trust the host's certificate refuses it", func(t *testing.T) {
		host := newCertificate(t, serverTemplate(), nil)
		srv := startServer(t, &Server{Handler: approve, TLSConfig: &tls.Config{Certificates: []tls.Certificate{host.tls()}}})
		if _, err := dialTLS(t, srv.addr, &tls.Config{RootCAs: newCA(t, "someone else").pool()}); err == nil {
			t.Fatal("the handshake succeeded with an untrusted host certificate")
		}
	})

	t.Run("with client certificates required", func(t *testing.T) {
		ca := newCA(t, "meridian terminal CA")
		host := newCertificate(t, serverTemplate(), ca)
		srv := startServer(t, &Server{Handler: approve, TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{host.tls()},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    ca.pool(),
		}})

		t.Run("a client without a certificate is refused", func(t *testing.T) {
			wantRefused(t, srv.addr, &tls.Config{RootCAs: ca.pool()})
		})

		t.Run("a client whose certificate another CA signed is refused", func(t *testing.T) {
			stranger := newCertificate(t, clientTemplate("TERM0001"), newCA(t, "someone else"))
			wantRefused(t, srv.addr, &tls.Config{RootCAs: ca.pool(), Certificates: []tls.Certificate{stranger.tls()}})
		})

		t.Run("a client whose certificate the CA signed transacts", func(t *testing.T) {
			client := newCertificate(t, clientTemplate("TERM0001"), ca)
			c, err := dialTLS(t, srv.addr, &tls.Config{RootCAs: ca.pool(), Certificates: []tls.Certificate{client.tls()}})
			if err != nil {
				t.Fatal(err)
			}
			echo(t, c, term)
			echo(t, c, term)
		})

		eventually(t, "the refused connections are gone", func() bool { return srv.Connections() <= 1 })
	})
}
