package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// dial prepares the connection to the admin API. Nothing is sent yet: the
// connection is made on the first call, so a server that is down shows as
// codes.Unavailable there. Bad TLS files are usage errors.
//
// The transport is chosen so that a key never crosses a network in plain
// text by accident: TLS when a --tls- flag is set; plain text to a loopback
// host (meridiand's demo); TLS with the system's CAs to any other host,
// unless --insecure asks for plain text.
func dial(g *globals) (*grpc.ClientConn, error) {
	host, _, err := net.SplitHostPort(g.server)
	if err != nil {
		return nil, usagef("--server %q: give host:port, e.g. %s", g.server, defaultServer)
	}
	transport := insecure.NewCredentials()
	if !plainText(g, host) {
		config, err := clientTLS(g)
		if err != nil {
			return nil, err
		}
		transport = credentials.NewTLS(config)
	}
	options := []grpc.DialOption{grpc.WithTransportCredentials(transport)}
	if g.apiKey != "" {
		options = append(options, grpc.WithPerRPCCredentials(apiKey(g.apiKey)))
	}
	conn, err := grpc.NewClient(g.server, options...)
	if err != nil {
		return nil, usagef("--server %q: %v", g.server, err)
	}
	return conn, nil
}

// plainText reports whether dial connects to host without TLS.
func plainText(g *globals, host string) bool {
	return !g.tlsEnabled() && (isLoopback(host) || g.insecure)
}

// isLoopback reports whether host names this machine only: "localhost" or
// a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clientTLS builds the client side of TLS from the --tls- flags: the CA to
// trust (default the system's), and a client certificate for mutual TLS.
func clientTLS(g *globals) (*tls.Config, error) {
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if g.tlsCA != "" {
		pem, err := os.ReadFile(g.tlsCA)
		if err != nil {
			return nil, usagef("--tls-ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usagef("--tls-ca %s holds no PEM certificate", g.tlsCA)
		}
		config.RootCAs = pool
	}
	if g.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(g.tlsCert, g.tlsKey)
		if err != nil {
			return nil, usagef("--tls-cert %s with --tls-key %s: %v", g.tlsCert, g.tlsKey, err)
		}
		config.Certificates = []tls.Certificate{cert}
	}
	return config, nil
}

// apiKeyHeader is the gRPC metadata key the admin API reads the key from.
const apiKeyHeader = "authorization"

// apiKey sends the acquirer's API key with every call. It does not insist on
// TLS itself: dial already decided when plain text is acceptable.
type apiKey string

func (k apiKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{apiKeyHeader: "Bearer " + string(k)}, nil
}

func (k apiKey) RequireTransportSecurity() bool { return false }

// String keeps the key out of anything that prints the value with %v.
func (k apiKey) String() string { return "[API key]" }

// GoString does the same for %#v.
func (k apiKey) GoString() string { return "[API key]" }

var _ credentials.PerRPCCredentials = apiKey("")

// describeTransport says in words how dial connects, for error hints.
func describeTransport(g *globals) string {
	host, _, _ := net.SplitHostPort(g.server)
	switch {
	case plainText(g, host):
		return "plain text"
	case g.tlsEnabled():
		return "TLS"
	default:
		return fmt.Sprintf("TLS (%s is not loopback; --insecure for plain text)", host)
	}
}
