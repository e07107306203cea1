package sim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/schemes/truemoney"
)

// tokens are the access tokens the simulator issued and still knows.
type tokens struct {
	max int

	mu     sync.Mutex
	issued map[string]issuedToken // guarded by mu; by token
	order  []string               // guarded by mu; tokens oldest first
}

type issuedToken struct {
	clientID  string
	expiresAt time.Time
}

func newTokens(max int) *tokens {
	return &tokens{max: max, issued: make(map[string]issuedToken)}
}

// issue returns a new token for clientID valid for ttl from now. When the
// store is full, expired tokens go first and then the oldest: a partner
// that asks for many tokens loses its old ones, as with TrueMoney's
// identity server.
func (s *tokens) issue(clientID string, now time.Time, ttl time.Duration) string {
	var raw [32]byte
	rand.Read(raw[:])
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= s.max {
		s.pruneLocked(now)
	}
	s.issued[token] = issuedToken{clientID: clientID, expiresAt: now.Add(ttl)}
	s.order = append(s.order, token)
	return token
}

// pruneLocked drops expired tokens, and the oldest ones while still full.
func (s *tokens) pruneLocked(now time.Time) {
	kept := s.order[:0]
	for _, token := range s.order {
		if now.Before(s.issued[token].expiresAt) {
			kept = append(kept, token)
		} else {
			delete(s.issued, token)
		}
	}
	for len(kept) >= s.max {
		delete(s.issued, kept[0])
		kept = kept[1:]
	}
	s.order = append(s.order[:0], kept...)
}

// check returns the status code refusing token, or "" when it is valid.
func (s *tokens) check(token string, now time.Time) (clientID, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.issued[token]
	switch {
	case !ok:
		return "", truemoney.StatusAccessTokenInvalid
	case !now.Before(t.expiresAt):
		return "", truemoney.StatusAccessTokenExpired
	}
	return t.clientID, ""
}

// revoke forgets every token.
func (s *tokens) revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.issued)
	s.order = s.order[:0]
}

// handleToken serves the client-credentials grant. Credentials come as
// form fields or, as RFC 6749 prefers, HTTP basic authentication.
func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, truemoney.TokenError{Error: "invalid_request", ErrorDescription: "Malformed form body"})
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials":
		writeJSON(w, http.StatusBadRequest, truemoney.TokenError{Error: "unsupported_grant_type", ErrorDescription: "Only client_credentials is supported"})
		return
	case !s.validClient(id, secret):
		writeJSON(w, http.StatusUnauthorized, truemoney.TokenError{Error: "invalid_client", ErrorDescription: "Invalid client credentials"})
		return
	}
	token := s.tokens.issue(id, s.cfg.Now(), s.cfg.TokenTTL)
	writeJSON(w, http.StatusOK, truemoney.TokenResponse{
		AccessToken: token,
		TokenType:   "Bearer",
		ExpiresIn:   int64(s.cfg.TokenTTL / time.Second),
		Scope:       "payment",
	})
}

// validClient compares the credentials in constant time, so their
// correctness cannot be learnt a byte at a time.
func (s *Simulator) validClient(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) == 1
	return idOK && secretOK
}

// refusal is why the simulator will not process a request: the HTTP status
// and TrueMoney status code it answers with.
type refusal struct {
	httpStatus int
	code       string
}

var errNoBearer = errors.New("no bearer token")

// authenticate checks a request's token, client, timestamp and signature in
// the order TrueMoney's status codes suggest, returning what to refuse it
// with, or nil. An invalid or expired token is refused with HTTP 401, so a
// partner's client renews it.
func (s *Simulator) authenticate(r *http.Request, body []byte) *refusal {
	header := r.Header.Get(truemoney.HeaderAuthorization)
	if header == "" {
		return &refusal{http.StatusBadRequest, truemoney.StatusAuthorizationMissing}
	}
	token, err := bearer(header)
	if err != nil {
		return &refusal{http.StatusBadRequest, truemoney.StatusAuthorizationInvalid}
	}
	clientID := r.Header.Get(truemoney.HeaderClientID)
	if clientID == "" {
		return &refusal{http.StatusBadRequest, truemoney.StatusClientIDMissing}
	}
	owner, code := s.tokens.check(token, s.cfg.Now())
	switch {
	case code != "":
		return &refusal{http.StatusUnauthorized, code}
	case owner != clientID:
		return &refusal{http.StatusBadRequest, truemoney.StatusAccessTokenOfAnotherClient}
	}
	timestamp := r.Header.Get(truemoney.HeaderTimestamp)
	if timestamp == "" {
		return &refusal{http.StatusBadRequest, truemoney.StatusTimestampMissing}
	}
	msg := truemoney.Message{Timestamp: timestamp, Body: body}
	err = msg.Verify(s.cfg.PartnerPublicKey, r.Header.Get(truemoney.HeaderSignature))
	switch {
	case err == nil:
		return nil
	case !validTimestamp(timestamp):
		return &refusal{http.StatusBadRequest, truemoney.StatusTimestampInvalid}
	case errors.Is(err, truemoney.ErrSignatureMissing):
		return &refusal{http.StatusBadRequest, truemoney.StatusSignatureMissing}
	case errors.Is(err, truemoney.ErrSignatureAlgorithm):
		return &refusal{http.StatusBadRequest, truemoney.StatusSignatureAlgorithmInvalid}
	}
	return &refusal{http.StatusBadRequest, truemoney.StatusSignatureInvalid}
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, error) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", errNoBearer
	}
	return token, nil
}

// validTimestamp reports whether s is decimal Unix seconds. The simulator
// accepts any such time: TrueMoney documents no window, and tests run the
// simulator on a clock of their own.
func validTimestamp(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// writeJSON writes v as an unsigned JSON answer: the token endpoint is
// OAuth 2.0's, which signs nothing.
func writeJSON(w http.ResponseWriter, httpStatus int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(httpStatus)
	json.NewEncoder(w).Encode(v)
}
