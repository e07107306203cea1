package partnerhttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/partnerhttp"
)

const testSecret = "SECRET_KEY DEV0123456789ABCDEF"

func newClient(t *testing.T, cfg partnerhttp.Config) *partnerhttp.Client {
	t.Helper()
	c, err := partnerhttp.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// countingServer is a wallet on 127.0.0.1 that counts the connections it
// accepts and the requests that reach handler.
type countingServer struct {
	*httptest.Server
	conns    atomic.Int32
	requests atomic.Int32
}

func newCountingServer(t *testing.T, handler http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		handler(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func answerOK(w http.ResponseWriter, _ *http.Request) {
	io.WriteString(w, `{"ok":true}`)
}

// stall holds a request until the client gives up on it or the test ends.
// After a minute it lets the request go, so that a client that never gives
// up fails its test rather than hanging it.
func stall(t *testing.T) http.HandlerFunc {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}
}

func TestPostSendsBodyAndHeaderAndReadsTheWholeAnswerWhateverItsStatus(t *testing.T) {
	var gotBody, gotAuthorization, gotMethod atomic.Value
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		gotBody.Store(string(data))
		gotAuthorization.Store(r.Header.Get("Authorization"))
		gotMethod.Store(r.Method)
		w.Header().Set("Signature", "sig")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error_code":-780}`)
	})
	header := make(http.Header)
	header.Set("Authorization", testSecret)
	answer, err := newClient(t, partnerhttp.Config{}).Post(t.Context(), srv.URL+"/pay", header, []byte(`{"amount":4500}`))
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if answer.Status != http.StatusBadRequest || answer.Header.Get("Signature") != "sig" || string(answer.Body) != `{"error_code":-780}` {
		t.Fatalf("answer = %d %v %q, want the 400 with its header and body", answer.Status, answer.Header, answer.Body)
	}
	if gotMethod.Load() != http.MethodPost || gotBody.Load() != `{"amount":4500}` || gotAuthorization.Load() != testSecret {
		t.Fatalf("wallet got %v with body %v and Authorization %v", gotMethod.Load(), gotBody.Load(), gotAuthorization.Load())
	}
}

func TestPostDoesNotFollowRedirects(t *testing.T) {
	target := newCountingServer(t, answerOK)
	srv := httptest.NewServer(http.RedirectHandler(target.URL+"/pay", http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	answer, err := newClient(t, partnerhttp.Config{}).Post(t.Context(), srv.URL+"/pay", nil, []byte(`{}`))
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if answer.Status != http.StatusTemporaryRedirect || answer.Header.Get("Location") != target.URL+"/pay" {
		t.Fatalf("answer = %d, Location %q; want the redirect itself", answer.Status, answer.Header.Get("Location"))
	}
	if n := target.requests.Load(); n != 0 {
		t.Fatalf("the redirect's target got %d requests, want none", n)
	}
}

func TestPostBoundsTheAnswersSize(t *testing.T) {
	const limit = 1024
	cases := []struct {
		name    string
		size    int
		wantErr error
	}{
		{"An answer of exactly the limit is read whole.", limit, nil},
		{"An answer one byte over the limit is refused.", limit + 1, partnerhttp.ErrResponseTooLarge},
		{"An answer far over the limit is refused.", 4 << 20, partnerhttp.ErrResponseTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := strings.Repeat("a", c.size)
			srv := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) })
			client := newClient(t, partnerhttp.Config{MaxResponseBytes: limit})
			answer, err := client.Post(t.Context(), srv.URL, nil, nil)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Post error = %v, want %v", err, c.wantErr)
			}
			if err == nil && len(answer.Body) != c.size {
				t.Fatalf("read %d bytes, want %d", len(answer.Body), c.size)
			}
		})
	}
}

func TestReadBodyRefusesMoreThanTheLimit(t *testing.T) {
	if data, err := partnerhttp.ReadBody(strings.NewReader("12345"), 5); err != nil || string(data) != "12345" {
		t.Fatalf("ReadBody of 5 bytes, limit 5 = %q, %v", data, err)
	}
	if _, err := partnerhttp.ReadBody(strings.NewReader("123456"), 5); !errors.Is(err, partnerhttp.ErrResponseTooLarge) {
		t.Fatalf("ReadBody of 6 bytes, limit 5: error = %v, want ErrResponseTooLarge", err)
	}
}

func TestPostEndsAtItsTimeout(t *testing.T) {
	t.Run("A wallet that never answers is given up on.", func(t *testing.T) {
		srv := newCountingServer(t, stall(t))
		_, err := newClient(t, partnerhttp.Config{Timeout: 50 * time.Millisecond}).Post(t.Context(), srv.URL, nil, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Post error = %v, want a deadline error", err)
		}
	})
	t.Run("A wallet that stalls in the middle of its body is given up on.", func(t *testing.T) {
		hold := stall(t)
		srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, `{"result":`)
			w.(http.Flusher).Flush()
			hold(w, r)
		})
		_, err := newClient(t, partnerhttp.Config{Timeout: 50 * time.Millisecond}).Post(t.Context(), srv.URL, nil, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Post error = %v, want a deadline error", err)
		}
	})
	t.Run("The caller's context can shorten the timeout.", func(t *testing.T) {
		srv := newCountingServer(t, stall(t))
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := newClient(t, partnerhttp.Config{Timeout: time.Hour}).Post(ctx, srv.URL, nil, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Post error = %v, want a deadline error", err)
		}
	})
}

func TestPostErrorsShowNeitherBodyNorHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(answerOK))
	url := srv.URL
	srv.Close() // nothing listens there any more
	header := make(http.Header)
	header.Set("Authorization", testSecret)
	_, err := newClient(t, partnerhttp.Config{}).Post(t.Context(), url, header, []byte(`{"barcode":"54101234567890123456"}`))
	if err == nil {
		t.Fatal("Post to a closed server succeeded")
	}
	if strings.Contains(err.Error(), "DEV0123456789ABCDEF") || strings.Contains(err.Error(), "54101234567890123456") {
		t.Fatalf("error shows the secret or the body: %v", err)
	}
}

func TestPostReusesOneConnectionForSequentialCalls(t *testing.T) {
	srv := newCountingServer(t, answerOK)
	client := newClient(t, partnerhttp.Config{})
	for range 5 {
		if _, err := client.Post(t.Context(), srv.URL, nil, nil); err != nil {
			t.Fatalf("Post: %v", err)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Fatalf("5 sequential calls opened %d connections, want 1", n)
	}
}

func TestCloseDropsIdleConnections(t *testing.T) {
	srv := newCountingServer(t, answerOK)
	client := newClient(t, partnerhttp.Config{})
	for range 2 {
		if _, err := client.Post(t.Context(), srv.URL, nil, nil); err != nil {
			t.Fatalf("Post: %v", err)
		}
		client.Close()
	}
	if n := srv.conns.Load(); n != 2 {
		t.Fatalf("2 calls, each followed by Close, opened %d connections, want 2", n)
	}
}

func TestPostBeyondMaxConnsPerHostWaitsForAFreeConnection(t *testing.T) {
	arrived := make(chan struct{}, 2)
	hold := stall(t)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		hold(w, r)
	})
	client := newClient(t, partnerhttp.Config{MaxConnsPerHost: 1})
	go client.Post(t.Context(), srv.URL, nil, nil) // holds the one connection until the test ends
	<-arrived
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := client.Post(ctx, srv.URL, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Post error = %v, want a deadline error while it waited", err)
	}
	if n, c := srv.requests.Load(), srv.conns.Load(); n != 1 || c != 1 {
		t.Fatalf("the wallet saw %d requests on %d connections, want 1 on 1", n, c)
	}
}

func TestNewAppliesDefaultsAndRefusesNegativeLimits(t *testing.T) {
	c, err := partnerhttp.New(partnerhttp.Config{})
	if err != nil {
		t.Fatalf("New(zero Config): %v", err)
	}
	want := partnerhttp.Config{
		Timeout:          partnerhttp.DefaultTimeout,
		MaxResponseBytes: partnerhttp.DefaultMaxResponseBytes,
		MaxConnsPerHost:  partnerhttp.DefaultMaxConnsPerHost,
	}
	if got := c.Config(); got != want {
		t.Fatalf("Config() = %+v, want %+v", got, want)
	}
	for name, cfg := range map[string]partnerhttp.Config{
		"A negative timeout is refused.":          {Timeout: -time.Second},
		"A negative size limit is refused.":       {MaxResponseBytes: -1},
		"A negative connection limit is refused.": {MaxConnsPerHost: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := partnerhttp.New(cfg); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
}
