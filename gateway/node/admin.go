package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
	"github.com/meridian-gw/meridian/gateway/store/postgres"
)

// policiesOf returns the merchants' own mark-ups and frequency limits, as
// their acquirers set them through the admin API; nil when the store keeps
// none.
func policiesOf(st payment.Store) payment.Policies {
	as, ok := adminStoreOf(st)
	if !ok {
		return nil
	}
	p, _ := as.(payment.Policies)
	return p
}

// AdminStore returns the admin API's view of a store OpenStore opened.
func AdminStore(st payment.Store) (admin.Store, bool) { return adminStoreOf(st) }

// adminStoreOf returns the admin API's view of a node's store.
func adminStoreOf(st payment.Store) (admin.Store, bool) {
	switch s := st.(type) {
	case *store.SQLite:
		return s.Admin(), true
	case *postgres.Store:
		return s.Admin(), true
	}
	return nil, false
}

// startAdmin serves the acquirer admin API when admin.addr is set. In demo
// mode it makes the demo acquirer, gives it the configured merchants and
// issues a key for it, which DemoAdminKey returns.
func (n *Node) startAdmin(ctx context.Context) error {
	c := n.cfg.Admin
	if c.Addr == "" {
		return nil
	}
	st, ok := adminStoreOf(n.store)
	if !ok {
		return fmt.Errorf("node: the %s store does not serve the admin API yet; turn admin.addr off", n.cfg.Store.Driver)
	}
	if n.cfg.Demo {
		if err := n.bootstrapDemo(ctx, st); err != nil {
			return err
		}
	}
	tlsConfig, err := adminTLS(c.TLS)
	if err != nil {
		return err
	}
	srv, err := admin.NewServer(admin.Config{
		Store:      st,
		Payments:   n.store,
		Refunder:   admin.EngineRefunder{Engine: n.engine, Payments: n.store},
		Schemes:    n.registry.Schemes(),
		TLS:        tlsConfig,
		Logger:     n.log,
		Registerer: n.metrics.Registry,
	})
	if err != nil {
		return fmt.Errorf("node: admin API: %w", err)
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("node: admin API listener on %s: %w", c.Addr, err)
	}
	n.admin, n.adminLn = srv, ln
	n.adminDone = make(chan error, 1)
	go func() { n.adminDone <- srv.Serve(ln) }()
	return nil
}

func (n *Node) bootstrapDemo(ctx context.Context, st admin.Store) error {
	acquirer := n.cfg.Admin.DemoAcquirer
	if acquirer == "" {
		acquirer = "DEMO"
	}
	_, key, err := admin.Bootstrap(ctx, st, acquirer, "Demo Acquirer")
	if err != nil {
		return fmt.Errorf("node: demo acquirer: %w", err)
	}
	for _, m := range n.cfg.Merchants {
		_, err := (admin.Operator{Store: st}).AssignMerchant(ctx, acquirer, m.ID)
		if errors.Is(err, admin.ErrAlreadyExists) {
			// Assigned at an earlier start: fine if to the demo acquirer.
			_, err = st.Merchant(ctx, acquirer, m.ID)
		}
		if err != nil {
			return fmt.Errorf("node: give merchant %s to the demo acquirer: %w", m.ID, err)
		}
	}
	n.demoKey = key
	return nil
}

// AdminAddr is the admin API's address, "" when off.
func (n *Node) AdminAddr() string {
	if n.adminLn == nil {
		return ""
	}
	return n.adminLn.Addr().String()
}

// DemoAdminKey is the admin API key issued at start for the demo
// acquirer; "" outside demo mode.
func (n *Node) DemoAdminKey() string { return n.demoKey }

func (n *Node) stopAdmin(ctx context.Context) error {
	if n.admin == nil {
		return nil
	}
	n.admin.GracefulStop(ctx)
	if err := <-n.adminDone; err != nil && !errors.Is(err, admin.ErrServerClosed) {
		return fmt.Errorf("admin API: %w", err)
	}
	return nil
}

// adminTLS builds the admin listener's TLS settings: a client certificate
// is verified when given (it names an acquirer), not required, since API
// keys authenticate too.
func adminTLS(t *config.TLS) (*tls.Config, error) {
	c, err := terminalTLS(t)
	if err != nil || c == nil {
		return c, err
	}
	if c.ClientCAs != nil {
		c.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return c, nil
}
