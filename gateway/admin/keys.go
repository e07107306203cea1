package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
)

// An API key reads "mk_<id>_<secret>". The id (8 random bytes) is public:
// it names the key in lists and in the audit log, and finds it in the
// store. The secret (32 random bytes) is shown once, when the key is
// issued; the store keeps only its SHA-256, which is enough for a secret of
// 256 random bits (no dictionary to try, so no slow hash is needed). Both
// parts are lower-case base32 without padding, so that the key survives
// copy and paste, shells and URLs, and holds no "_" of its own.
const (
	keyPrefix      = "mk_"
	keyIDBytes     = 8
	keySecretBytes = 32
)

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// keyIDLength and keySecretLength are the encoded lengths.
var (
	keyIDLength     = keyEncoding.EncodedLen(keyIDBytes)
	keySecretLength = keyEncoding.EncodedLen(keySecretBytes)
)

// newKey makes a key: its stored form and the full text to hand out once.
func newKey(acquirerID, name, createdBy string) (*APIKey, string) {
	id, secret := randomText(keyIDBytes), randomText(keySecretBytes)
	k := &APIKey{
		ID: id, AcquirerID: acquirerID, Name: name,
		SecretHash: hashSecret(secret), CreatedBy: createdBy,
	}
	return k, keyPrefix + id + "_" + secret
}

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return keyEncoding.EncodeToString(b)
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// parseKey splits a key into its id and secret; ok is false for anything
// not shaped like a key this package issues.
func parseKey(text string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(text, keyPrefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || len(id) != keyIDLength || len(secret) != keySecretLength {
		return "", "", false
	}
	if _, err := keyEncoding.DecodeString(id); err != nil {
		return "", "", false
	}
	if _, err := keyEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// matches reports, in constant time, whether secret is k's.
func (k *APIKey) matches(secret string) bool {
	return subtle.ConstantTimeCompare(k.SecretHash, hashSecret(secret)) == 1
}
