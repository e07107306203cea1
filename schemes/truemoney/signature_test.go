package truemoney

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func testMessage() Message {
	return Message{
		Timestamp: "1772359200",
		Body:      []byte(`{"external_ref_id":"p-1","amount":"150.00","currency":"THB"}`),
	}
}

func TestSignedMessageVerifiesWithTheSignersPublicKey(t *testing.T) {
	keys := SharedTestKeys()
	for name, msg := range map[string]Message{"request": testMessage(), "response": {Timestamp: "1772359200", Path: PathPaymentByCode, Body: []byte(`{}`)}} {
		t.Run(name, func(t *testing.T) {
			header, err := msg.Sign(keys.Partner, "1")
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !strings.HasPrefix(header, "algorithm=rsa-sha256;keyVersion=1;signature=") {
				t.Fatalf("header %q is not in TrueMoney's form", header)
			}
			if err := msg.Verify(&keys.Partner.PublicKey, header); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestRequestSignatureCoversTheTimestampFollowedByTheBody(t *testing.T) {
	// TrueMoney's documented form, computed here without Message: RSA-SHA256
	// over "<timestamp><body>", standard base64.
	keys := SharedTestKeys()
	msg := testMessage()
	header, err := msg.Sign(keys.Partner, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(header[strings.LastIndex(header, "signature=")+len("signature="):])
	if err != nil || len(sig) != 256 {
		t.Fatalf("signature is not base64 of 256 bytes: %v", err)
	}
	digest := sha256.Sum256([]byte(msg.Timestamp + string(msg.Body)))
	if err := rsa.VerifyPKCS1v15(&keys.Partner.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("signature is not over timestamp+body: %v", err)
	}
}

func TestVerifyRejectsAnyChangeToTheSignedContent(t *testing.T) {
	keys := SharedTestKeys()
	signed := Message{Timestamp: "1772359200", Path: PathPaymentByCode, Body: testMessage().Body}
	header, err := signed.Sign(keys.Wallet, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	changes := map[string]func(*Message){
		"timestamp":     func(m *Message) { m.Timestamp = "1772359201" },
		"path":          func(m *Message) { m.Path = PathRefund },
		"no path":       func(m *Message) { m.Path = "" },
		"body":          func(m *Message) { m.Body = []byte(strings.Replace(string(m.Body), "150.00", "950.00", 1)) },
		"body extended": func(m *Message) { m.Body = append(m.Body, ' ') },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			msg := signed
			change(&msg)
			if err := msg.Verify(&keys.Wallet.PublicKey, header); !errors.Is(err, ErrSignature) {
				t.Fatalf("Verify after changing the %s = %v, want ErrSignature", name, err)
			}
		})
	}
}

func TestVerifyRejectsAnotherKeyAndMalformedHeaders(t *testing.T) {
	keys := SharedTestKeys()
	msg := testMessage()
	good, err := msg.Sign(keys.Partner, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	sigPart := good[strings.Index(good, "signature="):]
	cases := map[string]struct {
		header string
		key    *rsa.PublicKey
		want   error
	}{
		"another key":        {good, &keys.Stranger.PublicKey, ErrSignature},
		"missing":            {"", &keys.Partner.PublicKey, ErrSignatureMissing},
		"other algorithm":    {"algorithm=rsa-sha1;keyVersion=1;" + sigPart, &keys.Partner.PublicKey, ErrSignatureAlgorithm},
		"no algorithm":       {"keyVersion=1;" + sigPart, &keys.Partner.PublicKey, ErrSignatureAlgorithm},
		"no key version":     {"algorithm=rsa-sha256;" + sigPart, &keys.Partner.PublicKey, ErrSignature},
		"not base64":         {"algorithm=rsa-sha256;keyVersion=1;signature=%%%", &keys.Partner.PublicKey, ErrSignature},
		"empty signature":    {"algorithm=rsa-sha256;keyVersion=1;signature=", &keys.Partner.PublicKey, ErrSignature},
		"pair without value": {"algorithm;keyVersion=1;" + sigPart, &keys.Partner.PublicKey, ErrSignature},
		"no public key":      {good, nil, ErrSignature},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if err := msg.Verify(c.key, c.header); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignatureHeaderMayCarrySpacesAndAnyCase(t *testing.T) {
	keys := SharedTestKeys()
	msg := testMessage()
	header, err := msg.Sign(keys.Partner, "1")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	loose := strings.NewReplacer("algorithm=rsa-sha256;", "Algorithm=RSA-SHA256; ", "keyVersion=1;", "KEYVERSION=1 ; ").Replace(header)
	if err := msg.Verify(&keys.Partner.PublicKey, loose); err != nil {
		t.Fatalf("Verify(%q) = %v", loose, err)
	}
}

func TestTimestampMustBeUnixSeconds(t *testing.T) {
	keys := SharedTestKeys()
	for _, ts := range []string{"", "2026-03-01T10:00:00Z", "-1", "17723592000000"} {
		msg := Message{Timestamp: ts, Body: []byte("{}")}
		if _, err := msg.Sign(keys.Partner, "1"); err == nil {
			t.Errorf("Sign with timestamp %q succeeded", ts)
		}
		if err := msg.Verify(&keys.Partner.PublicKey, "algorithm=rsa-sha256;keyVersion=1;signature=AAAA"); !errors.Is(err, ErrSignature) {
			t.Errorf("Verify with timestamp %q = %v, want ErrSignature", ts, err)
		}
	}
}
