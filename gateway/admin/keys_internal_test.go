package admin

import (
	"strings"
	"testing"
)

func TestAnIssuedKeyParsesAndMatchesOnlyItsOwnSecret(t *testing.T) {
	k, text := newKey("acq", "ci", "operator")
	id, secret, ok := parseKey(text)
	if !ok || id != k.ID || !k.matches(secret) {
		t.Fatalf("parseKey(issued key) = %q, %v; matches %v", id, ok, k.matches(secret))
	}
	if len(secret)*5/8 < 32 {
		t.Errorf("the secret holds %d bits, want at least 256", len(secret)*5)
	}
	other, otherText := newKey("acq", "ci", "operator")
	_, otherSecret, _ := parseKey(otherText)
	if other.ID == k.ID || k.matches(otherSecret) {
		t.Error("two keys share an ID or one's secret matches the other")
	}
	if strings.Contains(string(k.SecretHash), secret) {
		t.Error("the stored hash holds the secret")
	}
}

func TestAnythingNotShapedLikeAKeyIsRefusedBeforeTheStore(t *testing.T) {
	_, text := newKey("acq", "", "operator")
	id, secret, _ := parseKey(text)
	for _, bad := range []string{
		"", "mk_", "mk__", text[3:], "MK_" + id + "_" + secret, "mk_" + id + secret,
		"mk_" + id + "_" + secret[1:], "mk_" + id + "_" + secret + "a", "mk_" + id[1:] + "_" + secret,
		"mk_" + id + "_" + strings.ToUpper(secret), "mk_" + id + "_" + secret[:10] + "_" + secret[11:],
		"mk_" + id + "_" + secret[:51] + "1", // '1' is not in the base32 alphabet
	} {
		if _, _, ok := parseKey(bad); ok {
			t.Errorf("parseKey(%q) accepted it", bad)
		}
	}
}
