package alipayplus

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Header names of an Alipay+ signed message.
const (
	HeaderClientID     = "Client-Id"
	HeaderRequestTime  = "Request-Time"
	HeaderResponseTime = "Response-Time"
	HeaderSignature    = "Signature"
)

// SignatureAlgorithm is the only algorithm spoken here: RSASSA-PKCS1-v1_5
// with SHA-256, which Alipay+ calls RSA256.
const SignatureAlgorithm = "RSA256"

// ErrSignature is wrapped by every signature verification failure.
var ErrSignature = errors.New("alipayplus: signature invalid")

// Message is what an Alipay+ signature covers, for requests and responses
// alike: "<Method> <Path>\n<ClientID>.<Time>.<Body>". A response is signed
// over the path of the request it answers, so a signed answer cannot be
// replayed for another endpoint.
type Message struct {
	// Method is the HTTP method, always "POST" for this API.
	Method string
	// Path is the request URI path, e.g. PathPay.
	Path string
	// ClientID is the value of the Client-Id header.
	ClientID string
	// Time is the Request-Time (or Response-Time) header, verbatim.
	Time string
	// Body is the exact HTTP body.
	Body []byte
}

// digest hashes the signed content without building it in memory: bodies
// can be large and this runs on every call.
func (m Message) digest() []byte {
	h := sha256.New()
	h.Write([]byte(m.Method))
	h.Write([]byte{' '})
	h.Write([]byte(m.Path))
	h.Write([]byte{'\n'})
	h.Write([]byte(m.ClientID))
	h.Write([]byte{'.'})
	h.Write([]byte(m.Time))
	h.Write([]byte{'.'})
	h.Write(m.Body)
	return h.Sum(nil)
}

// Sign signs m with key and returns the Signature header value:
// "algorithm=RSA256,keyVersion=<v>,signature=<URL-encoded base64>".
func (m Message) Sign(key *rsa.PrivateKey, keyVersion string) (string, error) {
	if key == nil {
		return "", errors.New("alipayplus: sign: no private key")
	}
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, m.digest())
	if err != nil {
		return "", fmt.Errorf("alipayplus: sign %s: %w", m.Path, err)
	}
	encoded := url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	return "algorithm=" + SignatureAlgorithm + ",keyVersion=" + keyVersion + ",signature=" + encoded, nil
}

// Verify checks that header is a valid signature of m by key's owner. Every
// failure wraps ErrSignature.
func (m Message) Verify(key *rsa.PublicKey, header string) error {
	if key == nil {
		return fmt.Errorf("%w: no public key", ErrSignature)
	}
	sig, err := parseSignatureHeader(header)
	if err != nil {
		return err
	}
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, m.digest(), sig); err != nil {
		return fmt.Errorf("%w: %s does not match", ErrSignature, m.Path)
	}
	return nil
}

// parseSignatureHeader returns the raw signature bytes of a Signature header.
// Keys are matched case-insensitively and spaces around pairs are allowed, as
// Alipay+'s own examples put a space after each comma.
func parseSignatureHeader(header string) ([]byte, error) {
	if header == "" {
		return nil, fmt.Errorf("%w: missing %s header", ErrSignature, HeaderSignature)
	}
	var algorithm, encoded string
	for pair := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return nil, fmt.Errorf("%w: malformed %s header", ErrSignature, HeaderSignature)
		}
		switch strings.ToLower(key) {
		case "algorithm":
			algorithm = value
		case "signature":
			encoded = value
		}
	}
	if !strings.EqualFold(algorithm, SignatureAlgorithm) {
		return nil, fmt.Errorf("%w: algorithm %q not supported", ErrSignature, algorithm)
	}
	// PathUnescape, not QueryUnescape: a sender that forgot to URL-encode
	// leaves '+' in the base64, which QueryUnescape would turn into a space.
	unescaped, err := url.PathUnescape(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: signature not URL-encoded: %v", ErrSignature, err)
	}
	sig, err := base64.StdEncoding.DecodeString(unescaped)
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: signature not base64", ErrSignature)
	}
	return sig, nil
}
