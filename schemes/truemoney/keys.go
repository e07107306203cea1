package truemoney

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// MinKeyBits is the smallest RSA key accepted.
const MinKeyBits = 2048

// envPrefix marks a secret source that names an environment variable.
const envPrefix = "env:"

// LoadPrivateKey loads an RSA private key in PEM form (PKCS #8 "PRIVATE KEY"
// or PKCS #1 "RSA PRIVATE KEY") from source, which is either
//   - "env:NAME": the PEM content is the value of environment variable NAME, or
//   - a file path: the PEM content is the file's.
//
// Keys never live in the repository; deployments mount a file or set a
// variable. Errors name the source but never contain key material.
func LoadPrivateKey(source string) (*rsa.PrivateKey, error) {
	data, err := readSecretSource(source)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("truemoney: private key from %s: %w", describeSource(source), err)
	}
	return key, nil
}

// LoadPublicKey loads an RSA public key in PEM form (PKIX "PUBLIC KEY" or
// PKCS #1 "RSA PUBLIC KEY") from source, read as LoadPrivateKey reads it.
func LoadPublicKey(source string) (*rsa.PublicKey, error) {
	data, err := readSecretSource(source)
	if err != nil {
		return nil, err
	}
	key, err := ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("truemoney: public key from %s: %w", describeSource(source), err)
	}
	return key, nil
}

// LoadSecret loads the OAuth client secret from source, read as
// LoadPrivateKey reads it; surrounding white space (a file's final newline)
// is dropped.
func LoadSecret(source string) (string, error) {
	data, err := readSecretSource(source)
	if err != nil {
		return "", err
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return "", fmt.Errorf("truemoney: secret from %s is empty", describeSource(source))
	}
	return secret, nil
}

// ParsePrivateKeyPEM parses the first PEM block of data as an RSA private key
// of at least MinKeyBits.
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
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
	if bits := key.N.BitLen(); bits < MinKeyBits {
		return nil, fmt.Errorf("RSA key has %d bits, want at least %d", bits, MinKeyBits)
	}
	return key, nil
}

// ParsePublicKeyPEM parses the first PEM block of data as an RSA public key
// of at least MinKeyBits.
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
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
	if bits := key.N.BitLen(); bits < MinKeyBits {
		return nil, fmt.Errorf("RSA key has %d bits, want at least %d", bits, MinKeyBits)
	}
	return key, nil
}

// readSecretSource returns the bytes source points at.
func readSecretSource(source string) ([]byte, error) {
	if source == "" {
		return nil, errors.New("truemoney: empty key or secret source")
	}
	if name, ok := strings.CutPrefix(source, envPrefix); ok {
		value, set := os.LookupEnv(name)
		if !set || value == "" {
			return nil, fmt.Errorf("truemoney: environment variable %s is not set", name)
		}
		return []byte(value), nil
	}
	data, err := os.ReadFile(source)
	if err != nil {
		return nil, fmt.Errorf("truemoney: read key or secret file: %w", err)
	}
	return data, nil
}

// describeSource names a source for an error message.
func describeSource(source string) string {
	if name, ok := strings.CutPrefix(source, envPrefix); ok {
		return "environment variable " + name
	}
	return "file " + source
}
