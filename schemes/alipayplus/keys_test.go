package alipayplus

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePEM(t *testing.T, blockType string, der []byte) (path string, content string) {
	t.Helper()
	content = string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
	path = filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write key: %v", err)
	}
	return path, content
}

func TestLoadPrivateKeyReadsPKCS8AndPKCS1FromFilesAndEnvironment(t *testing.T) {
	key := SharedTestKeys().Acquirer
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	forms := map[string]struct {
		blockType string
		der       []byte
	}{
		"PKCS #8": {"PRIVATE KEY", pkcs8},
		"PKCS #1": {"RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)},
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			path, content := writePEM(t, form.blockType, form.der)
			fromFile, err := LoadPrivateKey(path)
			if err != nil {
				t.Fatalf("LoadPrivateKey(file): %v", err)
			}
			t.Setenv("MERIDIAN_TEST_PRIVATE_KEY", content)
			fromEnv, err := LoadPrivateKey("env:MERIDIAN_TEST_PRIVATE_KEY")
			if err != nil {
				t.Fatalf("LoadPrivateKey(env): %v", err)
			}
			if !fromFile.Equal(key) || !fromEnv.Equal(key) {
				t.Fatal("loaded key differs from the one written")
			}
		})
	}
}

func TestLoadPublicKeyReadsPKIXAndPKCS1(t *testing.T) {
	pub := &SharedTestKeys().Wallet.PublicKey
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	for blockType, der := range map[string][]byte{"PUBLIC KEY": pkix, "RSA PUBLIC KEY": x509.MarshalPKCS1PublicKey(pub)} {
		path, _ := writePEM(t, blockType, der)
		got, err := LoadPublicKey(path)
		if err != nil {
			t.Fatalf("LoadPublicKey(%s): %v", blockType, err)
		}
		if !got.Equal(pub) {
			t.Fatalf("LoadPublicKey(%s) returned another key", blockType)
		}
	}
}

func TestLoadKeyErrorsNameTheSourceButNoKeyMaterial(t *testing.T) {
	key := SharedTestKeys().Acquirer
	_, privateContent := writePEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
	publicPath, _ := writePEM(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey))
	t.Setenv("MERIDIAN_TEST_NOT_PEM", "not a key")
	t.Setenv("MERIDIAN_TEST_PRIVATE_KEY", privateContent)
	cases := map[string]func() error{
		"empty source":         func() error { _, err := LoadPrivateKey(""); return err },
		"unset variable":       func() error { _, err := LoadPrivateKey("env:MERIDIAN_TEST_UNSET_VARIABLE"); return err },
		"missing file":         func() error { _, err := LoadPrivateKey(filepath.Join(t.TempDir(), "absent.pem")); return err },
		"not PEM":              func() error { _, err := LoadPrivateKey("env:MERIDIAN_TEST_NOT_PEM"); return err },
		"public as private":    func() error { _, err := LoadPrivateKey(publicPath); return err },
		"private as public":    func() error { _, err := LoadPublicKey("env:MERIDIAN_TEST_PRIVATE_KEY"); return err },
		"public key not PEM":   func() error { _, err := LoadPublicKey("env:MERIDIAN_TEST_NOT_PEM"); return err },
		"public key no source": func() error { _, err := LoadPublicKey(""); return err },
	}
	for name, load := range cases {
		t.Run(name, func(t *testing.T) {
			err := load()
			if err == nil {
				t.Fatal("load succeeded")
			}
			if strings.Contains(err.Error(), "BEGIN") || strings.Contains(err.Error(), privateContent[40:80]) {
				t.Fatalf("error %q contains key material", err)
			}
		})
	}
}
