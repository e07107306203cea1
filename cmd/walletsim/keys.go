package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/meridian-gw/meridian/schemes/credentials"
)

// The files keys writes, and who reads each.
const (
	acquirerPrivateFile = "acquirer.pem"     // gateway: private_key
	acquirerPublicFile  = "acquirer.pub.pem" // walletsim: --acquirer-public-key
	walletPrivateFile   = "wallet.pem"       // walletsim: --wallet-private-key
	walletPublicFile    = "wallet.pub.pem"   // gateway: wallet_public_key
)

func keys(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keys", stderr)
	dir := fs.String("dir", "", "directory for the key files")
	if status, done := parse(fs, args, stdout); done {
		return status
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "walletsim keys: --dir is required")
		return exitUsage
	}
	if err := writeKeys(*dir); err != nil {
		fmt.Fprintln(stderr, "walletsim keys:", err)
		return exitFailure
	}
	path := func(name string) string { return filepath.Join(*dir, name) }
	fmt.Fprintf(stdout, `walletsim: wrote two %d-bit RSA key pairs in %s
  gateway (meridiand adapter ALIPAYPLUS, builtin: true):
    private_key: %s
    wallet_public_key: %s
  walletsim:
    --acquirer-public-key %s --wallet-private-key %s
`, credentials.KeyBitsMin, *dir, path(acquirerPrivateFile), path(walletPublicFile), path(acquirerPublicFile), path(walletPrivateFile))
	return exitOK
}

// writeKeys makes the acquirer's and the wallet's key pairs and writes the
// four files, refusing to overwrite any.
func writeKeys(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	names := []string{acquirerPrivateFile, acquirerPublicFile, walletPrivateFile, walletPublicFile}
	for _, name := range names {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("%s already exists; keys are never overwritten", filepath.Join(dir, name))
		}
	}
	blocks := make(map[string]*pem.Block, len(names))
	for _, pair := range [][2]string{{acquirerPrivateFile, acquirerPublicFile}, {walletPrivateFile, walletPublicFile}} {
		private, public, err := keyPair()
		if err != nil {
			return err
		}
		blocks[pair[0]], blocks[pair[1]] = private, public
	}
	for _, name := range names {
		if err := writeNew(filepath.Join(dir, name), pem.EncodeToMemory(blocks[name])); err != nil {
			return err
		}
	}
	return nil
}

// keyPair makes an RSA key pair: PKCS #8 private, PKIX public, the forms
// credentials.LoadPrivateKey and LoadPublicKey read.
func keyPair() (private, public *pem.Block, err error) {
	key, err := rsa.GenerateKey(rand.Reader, credentials.KeyBitsMin)
	if err != nil {
		return nil, nil, err
	}
	privateDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	publicDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: privateDER}, &pem.Block{Type: "PUBLIC KEY", Bytes: publicDER}, nil
}

// writeNew writes data to a file that must not exist yet, mode 0600.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
