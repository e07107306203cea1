package truemoney

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Header names of a TrueMoney API call.
const (
	HeaderAuthorization = "Authorization"
	HeaderClientID      = "Client-Id"
	HeaderTimestamp     = "Timestamp"
	HeaderSignature     = "Signature"
)

// SignatureAlgorithm is the only algorithm TrueMoney speaks:
// RSASSA-PKCS1-v1_5 with SHA-256.
const SignatureAlgorithm = "rsa-sha256"

// Errors of signature verification. Every failure wraps ErrSignature; the
// two others say which part failed, as TrueMoney's status codes do.
var (
	ErrSignature          = errors.New("truemoney: signature invalid")
	ErrSignatureMissing   = fmt.Errorf("%w: no %s header", ErrSignature, HeaderSignature)
	ErrSignatureAlgorithm = fmt.Errorf("%w: algorithm not %s", ErrSignature, SignatureAlgorithm)
)

// maxTimestampDigits bounds a Timestamp header: seconds since 1970 need 10
// digits until the year 2286.
const maxTimestampDigits = 12

// Message is what a TrueMoney signature covers.
//
// A request is signed as TrueMoney documents it: the Timestamp header (Unix
// seconds) immediately followed by the exact body, "<Timestamp><Body>".
//
// TrueMoney's published material does not describe signed responses. This
// package signs them the same way with the path of the request answered
// between the two, "<Timestamp>\n<Path>\n<Body>", so that a signed answer
// cannot be replayed as the answer of another endpoint. Path is empty for
// requests, whose form is TrueMoney's.
type Message struct {
	// Timestamp is the Timestamp header, verbatim: decimal Unix seconds.
	Timestamp string
	// Path is the request path for a response, empty for a request.
	Path string
	// Body is the exact HTTP body.
	Body []byte
}

// digest hashes the signed content without building it in memory.
func (m Message) digest() []byte {
	h := sha256.New()
	h.Write([]byte(m.Timestamp))
	if m.Path != "" {
		h.Write([]byte{'\n'})
		h.Write([]byte(m.Path))
		h.Write([]byte{'\n'})
	}
	h.Write(m.Body)
	return h.Sum(nil)
}

// Sign signs m with key and returns the Signature header value:
// "algorithm=rsa-sha256;keyVersion=<v>;signature=<base64>".
func (m Message) Sign(key *rsa.PrivateKey, keyVersion string) (string, error) {
	if key == nil {
		return "", errors.New("truemoney: sign: no private key")
	}
	if !validTimestamp(m.Timestamp) {
		return "", fmt.Errorf("truemoney: sign: timestamp %q is not Unix seconds", m.Timestamp)
	}
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, m.digest())
	if err != nil {
		return "", fmt.Errorf("truemoney: sign: %w", err)
	}
	return "algorithm=" + SignatureAlgorithm + ";keyVersion=" + keyVersion +
		";signature=" + base64.StdEncoding.EncodeToString(sig), nil
}

// Verify checks that header is a valid signature of m by key's owner.
// Every failure wraps ErrSignature.
func (m Message) Verify(key *rsa.PublicKey, header string) error {
	if key == nil {
		return fmt.Errorf("%w: no public key", ErrSignature)
	}
	if !validTimestamp(m.Timestamp) {
		return fmt.Errorf("%w: timestamp is not Unix seconds", ErrSignature)
	}
	sig, err := parseSignatureHeader(header)
	if err != nil {
		return err
	}
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, m.digest(), sig); err != nil {
		return fmt.Errorf("%w: content does not match", ErrSignature)
	}
	return nil
}

// parseSignatureHeader returns the raw signature of a Signature header.
// Pairs are separated by ';' and may carry spaces around them; names are
// matched case-insensitively. The value is cut at the first '=' only, as
// base64 ends in '=' padding.
func parseSignatureHeader(header string) ([]byte, error) {
	if header == "" {
		return nil, ErrSignatureMissing
	}
	var algorithm, keyVersion, encoded string
	for pair := range strings.SplitSeq(header, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return nil, fmt.Errorf("%w: malformed %s header", ErrSignature, HeaderSignature)
		}
		switch strings.ToLower(name) {
		case "algorithm":
			algorithm = value
		case "keyversion":
			keyVersion = value
		case "signature":
			encoded = value
		}
	}
	if !strings.EqualFold(algorithm, SignatureAlgorithm) {
		return nil, ErrSignatureAlgorithm
	}
	if keyVersion == "" {
		return nil, fmt.Errorf("%w: no keyVersion", ErrSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: signature not base64", ErrSignature)
	}
	return sig, nil
}

// validTimestamp reports whether s is a Timestamp header: decimal Unix
// seconds without sign.
func validTimestamp(s string) bool {
	return s != "" && len(s) <= maxTimestampDigits && allDigits(s)
}
