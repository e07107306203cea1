package credentials_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/meridian-gw/meridian/schemes/credentials"
)

// testKey is the tests' RSA key: generating one takes tens of
// milliseconds, so it is made once per test binary.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, credentials.KeyBitsMin)
	if err != nil {
		panic("generate test key: " + err.Error())
	}
	return key
})

func pemOf(blockType string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
}

// writeFile writes content to a new file and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credential")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPrivateKeyReadsPKCS8AndPKCS1FromFilesAndEnvironment(t *testing.T) {
	key := testKey()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string]string{
		"PKCS #8": pemOf("PRIVATE KEY", pkcs8),
		"PKCS #1": pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)),
	}
	for name, content := range forms {
		t.Run("A "+name+" key loads from a file and from a variable.", func(t *testing.T) {
			t.Setenv("MERIDIAN_TEST_PRIVATE_KEY", content)
			for _, source := range []string{writeFile(t, content), "env:MERIDIAN_TEST_PRIVATE_KEY"} {
				got, err := credentials.LoadPrivateKey(source)
				if err != nil || !got.Equal(key) {
					t.Fatalf("LoadPrivateKey(%s) = %v, same key %v", source, err, err == nil && got.Equal(key))
				}
			}
		})
	}
}

func TestLoadPublicKeyReadsPKIXAndPKCS1FromFilesAndEnvironment(t *testing.T) {
	pub := &testKey().PublicKey
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string]string{
		"PKIX":    pemOf("PUBLIC KEY", pkix),
		"PKCS #1": pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(pub)),
	}
	for name, content := range forms {
		t.Run("A "+name+" key loads from a file and from a variable.", func(t *testing.T) {
			t.Setenv("MERIDIAN_TEST_PUBLIC_KEY", content)
			for _, source := range []string{writeFile(t, content), "env:MERIDIAN_TEST_PUBLIC_KEY"} {
				got, err := credentials.LoadPublicKey(source)
				if err != nil || !got.Equal(pub) {
					t.Fatalf("LoadPublicKey(%s) = %v, same key %v", source, err, err == nil && got.Equal(pub))
				}
			}
		})
	}
}

func TestKeyErrorsNameTheSourceButNeverTheKey(t *testing.T) {
	key := testKey()
	privateContent := pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
	publicPath := writeFile(t, pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey)))
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MERIDIAN_TEST_PRIVATE_KEY", privateContent)
	t.Setenv("MERIDIAN_TEST_SMALL_KEY", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small)))
	t.Setenv("MERIDIAN_TEST_SMALL_PUBLIC_KEY", pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&small.PublicKey)))
	t.Setenv("MERIDIAN_TEST_NOT_PEM", "not a key at all")
	cases := []struct {
		name  string
		load  func() error
		wants []string
	}{
		{"An empty source is refused.", func() error { _, err := credentials.LoadPrivateKey(""); return err }, []string{"empty source"}},
		{"An unset variable is named.", func() error {
			_, err := credentials.LoadPrivateKey("env:MERIDIAN_TEST_UNSET_VARIABLE")
			return err
		}, []string{"MERIDIAN_TEST_UNSET_VARIABLE"}},
		{"A missing file is named.", func() error {
			_, err := credentials.LoadPrivateKey(filepath.Join(t.TempDir(), "absent.pem"))
			return err
		}, []string{"absent.pem"}},
		{"Text that is not PEM is refused.", func() error { _, err := credentials.LoadPrivateKey("env:MERIDIAN_TEST_NOT_PEM"); return err }, []string{"MERIDIAN_TEST_NOT_PEM", "no PEM block"}},
		{"A public key is not a private key.", func() error { _, err := credentials.LoadPrivateKey(publicPath); return err }, []string{"file " + publicPath, "not a private key"}},
		{"A private key is not a public key.", func() error { _, err := credentials.LoadPublicKey("env:MERIDIAN_TEST_PRIVATE_KEY"); return err }, []string{"not a public key"}},
		{"A 1024-bit private key is too small.", func() error { _, err := credentials.LoadPrivateKey("env:MERIDIAN_TEST_SMALL_KEY"); return err }, []string{"MERIDIAN_TEST_SMALL_KEY", "1024 bits"}},
		{"A 1024-bit public key is too small.", func() error {
			_, err := credentials.LoadPublicKey("env:MERIDIAN_TEST_SMALL_PUBLIC_KEY")
			return err
		}, []string{"1024 bits"}},
		{"A public key without a source is refused.", func() error { _, err := credentials.LoadPublicKey(""); return err }, []string{"empty source"}},
		{"A key file far too large is refused before it is parsed.", func() error {
			_, err := credentials.LoadPrivateKey(writeFile(t, strings.Repeat(privateContent, 64)))
			return err
		}, []string{"larger than"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.load()
			if err == nil {
				t.Fatal("load succeeded")
			}
			for _, want := range c.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "BEGIN") || strings.Contains(err.Error(), privateContent[40:80]) || strings.Contains(err.Error(), "not a key at all") {
				t.Fatalf("error %q contains what the source holds", err)
			}
		})
	}
}

const testSecret = "DEV0123456789ABCDEFabcdef"

func TestSecretLoadsWithoutSurroundingWhiteSpace(t *testing.T) {
	t.Setenv("MERIDIAN_TEST_SECRET", "  "+testSecret+"  ")
	for _, source := range []string{writeFile(t, testSecret+"\n"), "env:MERIDIAN_TEST_SECRET"} {
		got, err := credentials.LoadSecret(source)
		if err != nil || got != testSecret {
			t.Errorf("LoadSecret(%q) = %q, %v", source, got, err)
		}
	}
}

func TestBadSecretSourcesFailWithoutShowingTheSecret(t *testing.T) {
	t.Setenv("MERIDIAN_TEST_EMPTY", "")
	t.Setenv("MERIDIAN_TEST_BLANK", "  \n")
	cases := map[string]string{
		"An empty source is refused.":                        "",
		"A missing file is refused.":                         filepath.Join(t.TempDir(), "absent"),
		"An unset variable is refused.":                      "env:MERIDIAN_TEST_NOT_SET_ANYWHERE",
		"An empty variable is refused.":                      "env:MERIDIAN_TEST_EMPTY",
		"A blank variable is refused.":                       "env:MERIDIAN_TEST_BLANK",
		"A blank file is refused.":                           writeFile(t, " \n"),
		"A pasted header line is refused.":                   writeFile(t, "SECRET_KEY "+testSecret),
		"A control character is refused.":                    writeFile(t, testSecret+"\x00x"),
		"A non-ASCII character is refused.":                  writeFile(t, testSecret+"é"),
		"A file far too large is refused before it is read.": writeFile(t, strings.Repeat(testSecret, 200)),
	}
	for name, source := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := credentials.LoadSecret(source)
			if err == nil {
				t.Fatalf("LoadSecret succeeded with %q", got)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
}
