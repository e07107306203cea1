package reference

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/credentials"
)

func init() { register(alipayplus.SchemeID, buildAlipayPlus) }

func buildAlipayPlus(a *Adapter, opts Options) error {
	cfg := alipayplus.Config{BaseURL: opts.BaseURL, ClientID: opts.ClientID, ChargeCurrencies: opts.ChargeCurrencies, Logger: opts.Logger}
	if opts.Simulator {
		if err := startAlipayPlusSimulator(a, opts, &cfg); err != nil {
			return err
		}
	} else {
		if err := needPartnerAPI(opts, "base_url", "client_id", "private_key", "wallet_public_key"); err != nil {
			return err
		}
		var err error
		if cfg.PrivateKey, err = credentials.LoadPrivateKey(opts.PrivateKey); err != nil {
			return err
		}
		if cfg.WalletPublicKey, err = credentials.LoadPublicKey(opts.WalletPublicKey); err != nil {
			return err
		}
	}
	adapter, err := alipayplus.New(cfg)
	if err != nil {
		return err
	}
	a.Server = adapter
	a.onClose(func(context.Context) { adapter.Close() })
	return nil
}

// startAlipayPlusSimulator runs the Alipay+ simulator with key pairs made
// for this run only.
func startAlipayPlusSimulator(a *Adapter, opts Options, cfg *alipayplus.Config) error {
	acquirer, err := rsa.GenerateKey(rand.Reader, credentials.KeyBitsMin)
	if err != nil {
		return err
	}
	wallet, err := rsa.GenerateKey(rand.Reader, credentials.KeyBitsMin)
	if err != nil {
		return err
	}
	const clientID = "MERIDIAN-DEMO"
	s, err := sim.New(sim.Config{
		AcquirerClientID:  clientID,
		AcquirerPublicKey: &acquirer.PublicKey,
		WalletPrivateKey:  wallet,
		SlowDelay:         opts.SimulatorSlowDelay,
		LedgerPath:        opts.SimulatorLedger,
		Logger:            opts.Logger,
	})
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	a.onClose(func(context.Context) { _ = s.CloseLedger() })
	if err := a.serveSimulator(opts, s, s.Close); err != nil {
		return err
	}
	cfg.BaseURL, cfg.ClientID = a.SimulatorURL, clientID
	cfg.PrivateKey, cfg.WalletPublicKey = acquirer, &wallet.PublicKey
	return nil
}
