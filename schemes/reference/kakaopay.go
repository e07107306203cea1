package reference

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/meridian-gw/meridian/schemes/credentials"
	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/kakaopay/sim"
)

func init() { register(kakaopay.SchemeID, buildKakaoPay) }

// buildKakaoPay builds the KakaoPay adapter: client_id is the CID KakaoPay
// assigned, client_secret its SECRET_KEY. KakaoPay charges KRW only.
func buildKakaoPay(a *Adapter, opts Options) error {
	cfg := kakaopay.Config{BaseURL: opts.BaseURL, CID: opts.ClientID, Logger: opts.Logger}
	if opts.Simulator {
		secret := make([]byte, 16)
		rand.Read(secret)
		cfg.CID, cfg.SecretKey = "MERIDIANDEMO", "DEV"+hex.EncodeToString(secret)
		s, err := sim.New(sim.Config{
			Secret: cfg.SecretKey, CID: cfg.CID,
			SlowDelay: opts.SimulatorSlowDelay, LedgerPath: opts.SimulatorLedger, Logger: opts.Logger,
		})
		if err != nil {
			return fmt.Errorf("simulator: %w", err)
		}
		a.onClose(func(context.Context) { _ = s.CloseLedger() })
		if err := a.serveSimulator(opts, s, s.Close); err != nil {
			return err
		}
		cfg.BaseURL = a.SimulatorURL
	} else {
		if err := needPartnerAPI(opts, "base_url", "client_id", "client_secret"); err != nil {
			return err
		}
		secret, err := credentials.LoadSecret(opts.ClientSecret)
		if err != nil {
			return err
		}
		cfg.SecretKey = secret
	}
	adapter, err := kakaopay.New(cfg)
	if err != nil {
		return err
	}
	a.Server = adapter
	a.onClose(func(context.Context) { adapter.Close() })
	return nil
}
