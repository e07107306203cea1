// Package credentials loads partner API secrets and keys from files or the
// environment, never from configuration text: a configuration names where
// a credential is ("env:NAME", or a file path), and this package reads it
// there. Errors name the source but never contain what was read.
package credentials

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// KeyBitsMin is the smallest RSA key accepted, for signing requests or
// verifying a wallet's answers: the partner APIs (Alipay+ among them)
// require 2048 bits.
const KeyBitsMin = 2048

// envPrefix marks a source that names an environment variable.
const envPrefix = "env:"

// Bounds on what a source may hold, so that pointing one at a large file by
// mistake cannot take the process's memory.
const (
	// keyBytesMax: a PEM RSA private key of 8192 bits is under 7 KiB.
	keyBytesMax = 64 << 10
	// secretBytesMax: partner API secrets are a few dozen characters.
	secretBytesMax = 4 << 10
)

// LoadPrivateKey loads an RSA private key of at least KeyBitsMin bits in
// PEM form (PKCS #8 "PRIVATE KEY" or PKCS #1 "RSA PRIVATE KEY") from
// source, which is either
//   - "env:NAME": the PEM text is the value of environment variable NAME, or
//   - a file path: the PEM text is the file's content.
func LoadPrivateKey(source string) (*rsa.PrivateKey, error) {
	data, err := read(source, keyBytesMax)
	if err != nil {
		return nil, err
	}
	key, err := parsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("credentials: private key from %s: %w", describe(source), err)
	}
	return key, nil
}

// LoadPublicKey loads an RSA public key of at least KeyBitsMin bits in PEM
// form (PKIX "PUBLIC KEY" or PKCS #1 "RSA PUBLIC KEY") from source, read as
// LoadPrivateKey reads it.
func LoadPublicKey(source string) (*rsa.PublicKey, error) {
	data, err := read(source, keyBytesMax)
	if err != nil {
		return nil, err
	}
	key, err := parsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("credentials: public key from %s: %w", describe(source), err)
	}
	return key, nil
}

// LoadSecret loads a secret (an API secret key, an OAuth client secret)
// from source, read as LoadPrivateKey reads it. Surrounding white space (a
// file's final newline) is dropped. A secret is sent as it is in an HTTP
// header or form, so one that is empty or holds spaces, control characters
// or non-ASCII bytes (a pasted "SECRET_KEY ..." line, say) is refused
// rather than sent as a different credential.
func LoadSecret(source string) (string, error) {
	data, err := read(source, secretBytesMax)
	if err != nil {
		return "", err
	}
	secret := strings.TrimSpace(string(data))
	if err := CheckSecret(secret); err != nil {
		return "", fmt.Errorf("credentials: secret from %s: %w", describe(source), err)
	}
	return secret, nil
}

// read returns what source holds, at most limit bytes of it.
func read(source string, limit int) ([]byte, error) {
	if source == "" {
		return nil, errors.New("credentials: empty source (want a file path or env:NAME)")
	}
	if name, ok := strings.CutPrefix(source, envPrefix); ok {
		value, set := os.LookupEnv(name)
		switch {
		case !set || value == "":
			return nil, fmt.Errorf("credentials: environment variable %s is not set", name)
		case len(value) > limit:
			return nil, fmt.Errorf("credentials: environment variable %s is longer than %d bytes", name, limit)
		}
		return []byte(value), nil
	}
	f, err := os.Open(source)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("credentials: read file %s: %w", source, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("credentials: file %s is larger than %d bytes", source, limit)
	}
	return data, nil
}

// describe names a source for an error message.
func describe(source string) string {
	if name, ok := strings.CutPrefix(source, envPrefix); ok {
		return "environment variable " + name
	}
	return "file " + source
}

// checkSecret says what makes secret unusable as it is, without quoting it.
func CheckSecret(secret string) error {
	if secret == "" {
		return errors.New("secret is empty")
	}
	for i := 0; i < len(secret); i++ {
		if c := secret[i]; c <= ' ' || c >= 0x7f {
			return errors.New("secret contains spaces, control characters or non-ASCII bytes")
		}
	}
	return nil
}

// parsePrivateKeyPEM parses the first PEM block of data as an RSA private
// key of at least KeyBitsMin bits.
func parsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS #1: %w", err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS #8: %w", err)
		}
		rsaKey, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("PKCS #8 key is %T, want RSA", k)
		}
		key = rsaKey
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err := checkBits(key.N.BitLen()); err != nil {
		return nil, err
	}
	return key, nil
}

// parsePublicKeyPEM parses the first PEM block of data as an RSA public key
// of at least KeyBitsMin bits.
func parsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key *rsa.PublicKey
	switch block.Type {
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS #1: %w", err)
		}
		key = k
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKIX: %w", err)
		}
		rsaKey, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("PKIX key is %T, want RSA", k)
		}
		key = rsaKey
	default:
		return nil, fmt.Errorf("PEM block %q is not a public key", block.Type)
	}
	if err := checkBits(key.N.BitLen()); err != nil {
		return nil, err
	}
	return key, nil
}

func checkBits(bits int) error {
	if bits < KeyBitsMin {
		return fmt.Errorf("RSA key has %d bits, want at least %d", bits, KeyBitsMin)
	}
	return nil
}
