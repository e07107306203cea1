package truemoney

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

// TestKeySet holds the RSA keys of the tests: generating a 2048-bit key takes
// tens of milliseconds, so each is made once per test binary.
type TestKeySet struct {
	// Partner signs requests; the simulator verifies with its public half.
	Partner *rsa.PrivateKey
	// Wallet signs responses; the adapter verifies with its public half.
	Wallet *rsa.PrivateKey
	// Stranger belongs to neither side, for signatures that must fail.
	Stranger *rsa.PrivateKey
}

// SharedTestKeys returns the test binary's keys, generating them once.
var SharedTestKeys = sync.OnceValue(func() TestKeySet {
	generate := func() *rsa.PrivateKey {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("generate test key: " + err.Error())
		}
		return key
	}
	return TestKeySet{Partner: generate(), Wallet: generate(), Stranger: generate()}
})
