package reference

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"

	"github.com/meridian-gw/meridian/schemes/credentials"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/truemoney/sim"
)

func init() { register(truemoney.SchemeID, buildTrueMoney) }

// buildTrueMoney builds the TrueMoney adapter: client_id and client_secret
// are its OAuth2 client credentials, private_key signs requests and
// wallet_public_key verifies answers. TrueMoney charges THB only.
func buildTrueMoney(a *Adapter, opts Options) error {
	cfg := truemoney.Config{BaseURL: opts.BaseURL, ClientID: opts.ClientID, Logger: opts.Logger}
	if opts.Simulator {
		if err := startTrueMoneySimulator(a, opts, &cfg); err != nil {
			return err
		}
	} else {
		if err := needPartnerAPI(opts, "base_url", "client_id", "client_secret", "private_key", "wallet_public_key"); err != nil {
			return err
		}
		var err error
		if cfg.ClientSecret, err = credentials.LoadSecret(opts.ClientSecret); err != nil {
			return err
		}
		if cfg.PrivateKey, err = credentials.LoadPrivateKey(opts.PrivateKey); err != nil {
			return err
		}
		if cfg.WalletPublicKey, err = credentials.LoadPublicKey(opts.WalletPublicKey); err != nil {
			return err
		}
	}
	adapter, err := truemoney.New(cfg)
	if err != nil {
		return err
	}
	a.Server = adapter
	a.onClose(func(context.Context) { adapter.Close() })
	return nil
}

// startTrueMoneySimulator runs the TrueMoney simulator with client
// credentials and key pairs made for this run only.
func startTrueMoneySimulator(a *Adapter, opts Options, cfg *truemoney.Config) error {
	partner, err := rsa.GenerateKey(rand.Reader, credentials.KeyBitsMin)
	if err != nil {
		return err
	}
	wallet, err := rsa.GenerateKey(rand.Reader, credentials.KeyBitsMin)
	if err != nil {
		return err
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	cfg.ClientID, cfg.ClientSecret = "meridian-demo", hex.EncodeToString(secret)
	s, err := sim.New(sim.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		PartnerPublicKey: &partner.PublicKey, WalletPrivateKey: wallet,
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
	cfg.PrivateKey, cfg.WalletPublicKey = partner, &wallet.PublicKey
	return nil
}
