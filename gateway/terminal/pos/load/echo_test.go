package load_test

import (
	"context"
	"testing"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load/echo"
)

func TestLoadDrivesAnEchoServer(t *testing.T) {
	s, err := echo.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name string
		cfg  load.Config
		mode string
	}{
		{"A closed loop gets every purchase back unchanged, matched to its terminal and STAN", load.Config{Count: 200, Terminals: 3, Concurrency: 4}, load.ModeClosed},
		{"An open loop gets every purchase back unchanged, matched to its terminal and STAN", load.Config{Count: 200, Terminals: 3, Concurrency: 4, Rate: 2000}, load.ModeOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Frames()
			cfg := tc.cfg
			cfg.Addr, cfg.MerchantID, cfg.Echo = s.Addr(), "MERIDIANDEMO001", true
			r, err := load.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := r.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := sum.Check(); err != nil {
				t.Fatal(err)
			}
			if sum.Sent != 200 || sum.Approved != 200 || sum.Errors() != 0 || sum.Latency.Count != 200 {
				t.Errorf("sent %d, echoed unchanged %d, errors %d, latencies %d; want 200, 200, 0, 200", sum.Sent, sum.Approved, sum.Errors(), sum.Latency.Count)
			}
			if n := s.Frames() - before; n != 200 {
				t.Errorf("the server echoed %d frames; want 200 (no sign-on, no advice)", n)
			}
			if !sum.Echo || sum.Mode != tc.mode {
				t.Errorf("echo %v mode %q; want echo in mode %q", sum.Echo, sum.Mode, tc.mode)
			}
		})
	}
}
