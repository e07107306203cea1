package alipayplus

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func testMessage() Message {
	return Message{
		Method:   "POST",
		Path:     PathPay,
		ClientID: "TEST_CLIENT",
		Time:     "2026-03-01T12:00:00+01:00",
		Body:     []byte(`{"paymentRequestId":"p-1","paymentAmount":{"currency":"EUR","value":"1000"}}`),
	}
}

func TestSignedMessageVerifiesWithTheSignersPublicKey(t *testing.T) {
	keys := SharedTestKeys()
	msg := testMessage()
	header, err := msg.Sign(keys.Acquirer, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !strings.HasPrefix(header, "algorithm=RSA256,keyVersion=1,signature=") {
		t.Fatalf("header %q does not start with the Alipay+ form", header)
	}
	if err := msg.Verify(&keys.Acquirer.PublicKey, header); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestSignatureIsURLEncodedBase64(t *testing.T) {
	keys := SharedTestKeys()
	header, err := testMessage().Sign(keys.Acquirer, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	encoded := header[strings.Index(header, "signature=")+len("signature="):]
	if strings.ContainsAny(encoded, "+/=") {
		t.Fatalf("signature %q is not URL-encoded", encoded)
	}
	raw, err := url.QueryUnescape(encoded)
	if err != nil {
		t.Fatalf("unescape: %v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	if len(sig) != 256 {
		t.Fatalf("signature has %d bytes, want 256 for a 2048-bit key", len(sig))
	}
}

func TestVerifyRejectsAnyChangeToTheSignedContent(t *testing.T) {
	keys := SharedTestKeys()
	header, err := testMessage().Sign(keys.Acquirer, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	changes := map[string]func(*Message){
		"method":    func(m *Message) { m.Method = "PUT" },
		"path":      func(m *Message) { m.Path = PathRefund },
		"client id": func(m *Message) { m.ClientID = "OTHER_CLIENT" },
		"time":      func(m *Message) { m.Time = "2026-03-01T12:00:01+01:00" },
		"body":      func(m *Message) { m.Body = []byte(strings.Replace(string(m.Body), "1000", "9000", 1)) },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			msg := testMessage()
			change(&msg)
			if err := msg.Verify(&keys.Acquirer.PublicKey, header); !errors.Is(err, ErrSignature) {
				t.Fatalf("Verify after changing the %s = %v, want ErrSignature", name, err)
			}
		})
	}
}

func TestVerifyRejectsASignatureByAnotherKey(t *testing.T) {
	keys := SharedTestKeys()
	header, err := testMessage().Sign(keys.Stranger, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if err := testMessage().Verify(&keys.Acquirer.PublicKey, header); !errors.Is(err, ErrSignature) {
		t.Fatalf("Verify = %v, want ErrSignature", err)
	}
}

func TestVerifyAcceptsTheHeaderVariantsAlipayPlusSends(t *testing.T) {
	keys := SharedTestKeys()
	header, err := testMessage().Sign(keys.Acquirer, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	encoded := header[strings.Index(header, "signature=")+len("signature="):]
	unescaped, _ := url.QueryUnescape(encoded)
	variants := map[string]string{
		"spaces after commas":   "algorithm=RSA256, keyVersion=1, signature=" + encoded,
		"lower-case algorithm":  "algorithm=rsa256,keyVersion=2,signature=" + encoded,
		"signature not escaped": "algorithm=RSA256,keyVersion=1,signature=" + unescaped,
	}
	for name, variant := range variants {
		t.Run(name, func(t *testing.T) {
			if err := testMessage().Verify(&keys.Acquirer.PublicKey, variant); err != nil {
				t.Fatalf("Verify(%q) = %v", variant, err)
			}
		})
	}
}

func TestVerifyRejectsMalformedHeaders(t *testing.T) {
	keys := SharedTestKeys()
	headers := map[string]string{
		"empty":             "",
		"no pairs":          "RSA256",
		"other algorithm":   "algorithm=ECC224,keyVersion=1,signature=AAAA",
		"no algorithm":      "keyVersion=1,signature=AAAA",
		"no signature":      "algorithm=RSA256,keyVersion=1",
		"not base64":        "algorithm=RSA256,keyVersion=1,signature=%%%",
		"garbage signature": "algorithm=RSA256,keyVersion=1,signature=QUFBQQ%3D%3D",
	}
	for name, header := range headers {
		t.Run(name, func(t *testing.T) {
			if err := testMessage().Verify(&keys.Acquirer.PublicKey, header); !errors.Is(err, ErrSignature) {
				t.Fatalf("Verify(%q) = %v, want ErrSignature", header, err)
			}
		})
	}
}

func TestSignWithoutKeyFails(t *testing.T) {
	if _, err := testMessage().Sign(nil, "1"); err == nil {
		t.Fatal("Sign(nil) succeeded")
	}
	if err := testMessage().Verify(nil, "algorithm=RSA256,signature=AAAA"); !errors.Is(err, ErrSignature) {
		t.Fatalf("Verify(nil) = %v, want ErrSignature", err)
	}
}

// BenchmarkSignVerify measures one request's signing cost on both sides:
// go test -bench SignVerify -benchmem ./schemes/alipayplus/
func BenchmarkSignVerify(b *testing.B) {
	keys := SharedTestKeys()
	msg := testMessage()
	for b.Loop() {
		header, err := msg.Sign(keys.Acquirer, "1")
		if err != nil {
			b.Fatal(err)
		}
		if err := msg.Verify(&keys.Acquirer.PublicKey, header); err != nil {
			b.Fatal(err)
		}
	}
}
