package truemoney

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pemOf(t *testing.T, blockType string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}

func TestKeysLoadFromFilesAndEnvironmentVariables(t *testing.T) {
	key := SharedTestKeys().Partner
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pkix, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	privFile, pubFile := filepath.Join(dir, "partner.pem"), filepath.Join(dir, "wallet.pem")
	os.WriteFile(privFile, pemOf(t, "PRIVATE KEY", pkcs8), 0o600)
	os.WriteFile(pubFile, pemOf(t, "PUBLIC KEY", pkix), 0o600)
	t.Setenv("TMN_TEST_PRIVATE_KEY", string(pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))))
	t.Setenv("TMN_TEST_PUBLIC_KEY", string(pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey))))
	for _, source := range []string{privFile, "env:TMN_TEST_PRIVATE_KEY"} {
		got, err := LoadPrivateKey(source)
		if err != nil || !got.Equal(key) {
			t.Errorf("LoadPrivateKey(%s) = %v", source, err)
		}
	}
	for _, source := range []string{pubFile, "env:TMN_TEST_PUBLIC_KEY"} {
		got, err := LoadPublicKey(source)
		if err != nil || !got.Equal(&key.PublicKey) {
			t.Errorf("LoadPublicKey(%s) = %v", source, err)
		}
	}
}

func TestSecretLoadsWithoutItsTrailingNewline(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(file, []byte("tmn-secret\n"), 0o600)
	t.Setenv("TMN_TEST_SECRET", "tmn-secret")
	for _, source := range []string{file, "env:TMN_TEST_SECRET"} {
		if got, err := LoadSecret(source); err != nil || got != "tmn-secret" {
			t.Errorf("LoadSecret(%s) = %q, %v", source, got, err)
		}
	}
	t.Setenv("TMN_TEST_BLANK", "  \n")
	for _, source := range []string{"", "env:TMN_TEST_UNSET_VARIABLE", "env:TMN_TEST_BLANK", filepath.Join(t.TempDir(), "missing")} {
		if _, err := LoadSecret(source); err == nil {
			t.Errorf("LoadSecret(%q) succeeded", source)
		}
	}
}

func TestKeyErrorsNameTheSourceButNeverTheKey(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallPEM := pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small))
	t.Setenv("TMN_TEST_SMALL_KEY", string(smallPEM))
	t.Setenv("TMN_TEST_NOT_PEM", "not a key at all")
	cases := map[string]string{
		"env:TMN_TEST_SMALL_KEY": "1024 bits",
		"env:TMN_TEST_NOT_PEM":   "no PEM block",
	}
	for source, want := range cases {
		_, err := LoadPrivateKey(source)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), strings.TrimPrefix(source, "env:")) {
			t.Errorf("LoadPrivateKey(%s) = %v, want an error naming the variable and %q", source, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "not a key at all") {
			t.Errorf("error quotes the variable's content: %v", err)
		}
	}
	if _, err := LoadPublicKey("env:TMN_TEST_SMALL_KEY"); err == nil {
		t.Error("a private key loaded as a public key")
	}
}
