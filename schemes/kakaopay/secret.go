package kakaopay

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// envPrefix marks a secret source that names an environment variable.
const envPrefix = "env:"

// maxSecretBytes bounds a secret file: KakaoPay secret keys are a few dozen
// characters, and reading a large file by mistake must not take the
// process's memory.
const maxSecretBytes = 4 << 10

// LoadSecret loads the KakaoPay secret key from source, which is either
//   - "env:NAME": the secret is the value of environment variable NAME, or
//   - a file path: the secret is the file's content.
//
// Surrounding white space (a file's final newline) is removed. Secrets never
// live in the repository; deployments mount a file or set a variable.
// Errors name the source but never contain the secret.
func LoadSecret(source string) (string, error) {
	raw, err := readSecretSource(source)
	if err != nil {
		return "", err
	}
	secret := strings.TrimSpace(raw)
	if err := checkSecret(secret); err != nil {
		return "", fmt.Errorf("kakaopay: secret from %s: %w", describeSource(source), err)
	}
	return secret, nil
}

func readSecretSource(source string) (string, error) {
	if source == "" {
		return "", errors.New("kakaopay: empty secret source")
	}
	if name, ok := strings.CutPrefix(source, envPrefix); ok {
		value, set := os.LookupEnv(name)
		if !set || value == "" {
			return "", fmt.Errorf("kakaopay: secret environment variable %s is not set", name)
		}
		return value, nil
	}
	f, err := os.Open(source)
	if err != nil {
		return "", fmt.Errorf("kakaopay: read secret file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretBytes+1))
	if err != nil {
		return "", fmt.Errorf("kakaopay: read secret file %s: %w", source, err)
	}
	if len(data) > maxSecretBytes {
		return "", fmt.Errorf("kakaopay: secret file %s is larger than %d bytes", source, maxSecretBytes)
	}
	return string(data), nil
}

// checkSecret refuses secrets that cannot go into an HTTP header as they
// are: an empty one, or one with spaces or control characters (a pasted
// "SECRET_KEY ..." line, say), which would send a different credential.
func checkSecret(secret string) error {
	if secret == "" {
		return errors.New("secret is empty")
	}
	for i := 0; i < len(secret); i++ {
		if c := secret[i]; c <= ' ' || c >= 0x7f {
			return errors.New("secret contains spaces or non-printable characters")
		}
	}
	return nil
}

// describeSource names a secret source for an error message.
func describeSource(source string) string {
	if name, ok := strings.CutPrefix(source, envPrefix); ok {
		return "environment variable " + name
	}
	return "file " + source
}
