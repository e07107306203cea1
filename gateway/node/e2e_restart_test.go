package node_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// TestRestart checks that a purchase a node could not finish is finished by
// the next node on the same data directory (DESIGN.md money safety 2:
// retries are durable and survive restarts).
//
// A built-in simulator stops with its node, taking its ledger along, so the
// wallet's side of a restart cannot be checked with one. The tests that
// check it run the Alipay+ adapter and its simulator apart from the node
// (e2etest.StartWallet) and point the node at it with adapters[].address.
func TestRestart(t *testing.T) {
	t.Parallel()

	t.Run("A purchase cut off by a shutdown is cancelled after the restart and the wallet keeps nothing", func(t *testing.T) {
		t.Parallel()
		wallet := e2etest.StartWallet(t)
		dir := t.TempDir()
		opts := e2etest.Options{DataDir: dir, AdapterAddress: wallet.Addr, WalletURL: wallet.URL}
		firstOpts := opts
		firstOpts.SkipReconcile = true // its store is closed by then; the second node reconciles
		first := e2etest.Start(t, firstOpts)
		term := first.NewTerminal(t)
		req := term.Purchase(amountSlow, first.Code())
		sendAndForget(t, first.Dial(t), req)
		id := first.WaitAttempt(t, payment.KindPurchase, req).ID
		waitWalletPayment(t, wallet.URL, id)
		// Stop at once: the purchase is neither answered nor decided yet.
		if err := first.StopWithin(time.Millisecond); err != nil {
			t.Logf("shutdown with requests in flight: %v", err)
		}

		second := e2etest.Start(t, opts)
		second.Remember(first.Codes()...)
		a := second.WaitFinal(t, id)
		if a.State != payment.StateCancelled && a.State != payment.StateRefunded {
			t.Errorf("after the restart the purchase ended %s (%s), want cancelled", a.State, a.Reason)
		}
		waitPastSettle(t, second, id)
		p := second.Payment(t, id)
		if p.Status != sim.StatusCancelled {
			t.Errorf("the wallet payment is %s, want cancelled", p.Status)
		}
		wantUncharged(t, p)
	})

	t.Run("A purchase cut off by a crash is cancelled after the restart and the wallet keeps nothing", func(t *testing.T) {
		t.Parallel()
		wallet := e2etest.StartWallet(t)
		dir := t.TempDir()
		child := startChildNode(t, dir, wallet.Addr)
		c, err := pos.Dial(context.Background(), child.addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		term := &pos.Terminal{ID: "T0000001", MerchantID: e2etest.MerchantID}
		req := term.Purchase(amountSlow, "281234567890123456")
		sendAndForget(t, c, req)
		// The wallet has the pay request, so the gateway has journaled the
		// intent (money safety 1). Kill the node before it can do more.
		var p sim.Payment
		e2etest.Eventually(t, "the wallet has the pay request", func() bool {
			ledger := e2etest.FetchLedger(t, wallet.URL)
			if len(ledger.Payments) == 0 {
				return false
			}
			p = ledger.Payments[0]
			return true
		})
		child.kill(t)
		c.Close()

		h := e2etest.Start(t, e2etest.Options{DataDir: dir, AdapterAddress: wallet.Addr, WalletURL: wallet.URL})
		h.Remember("281234567890123456")
		a, err := h.Store().Attempt(context.Background(), p.RequestID)
		if err != nil {
			t.Fatalf("the wallet has payment %s but the journal has no such attempt: %v", p.RequestID, err)
		}
		if a.Key != e2etest.KeyOf(req) || a.Amount.Minor != amountSlow {
			t.Errorf("the journaled attempt is %+v of %d, want the purchase sent", a.Key, a.Amount.Minor)
		}
		if a.State.Final() {
			t.Logf("the attempt was already %s before the crash", a.State)
		}
		a = h.WaitFinal(t, a.ID)
		if a.State != payment.StateCancelled && a.State != payment.StateRefunded {
			t.Errorf("after the restart the purchase ended %s (%s), want cancelled", a.State, a.Reason)
		}
		waitPastSettle(t, h, a.ID)
		wantUncharged(t, h.Payment(t, a.ID))
		for where, logs := range map[string]string{"the crashed node": child.logs.String(), "the adapter": wallet.Logs.String()} {
			if strings.Contains(logs, "281234567890123456") {
				t.Errorf("%s logged the wallet code in full", where)
			}
		}
	})

	t.Run("With the built-in simulator a purchase cut off by a shutdown is not left pending after the restart", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		first := e2etest.Start(t, e2etest.Options{DataDir: dir, SkipReconcile: true})
		req := first.NewTerminal(t).Purchase(amountSlow, first.Code())
		sendAndForget(t, first.Dial(t), req)
		id := first.WaitAttempt(t, payment.KindPurchase, req).ID
		if err := first.StopWithin(time.Millisecond); err != nil {
			t.Logf("shutdown with requests in flight: %v", err)
		}
		second := e2etest.Start(t, e2etest.Options{DataDir: dir})
		second.Remember(first.Codes()...)
		if a := second.WaitFinal(t, id); a.State != payment.StateCancelled {
			t.Errorf("after the restart the purchase ended %s (%s), want cancelled", a.State, a.Reason)
		}
	})

	t.Run("Once Shutdown has returned the node does no more work, even with a purchase in flight", func(t *testing.T) {
		t.Parallel()
		h := e2etest.Start(t, e2etest.Options{SkipReconcile: true})
		req := h.NewTerminal(t).Purchase(amountSlow, h.Code())
		sendAndForget(t, h.Dial(t), req)
		h.WaitAttempt(t, payment.KindPurchase, req)
		if err := h.StopWithin(time.Millisecond); err != nil {
			t.Logf("shutdown with requests in flight: %v", err)
		}
		logged := len(h.Logs.String())
		// Past the end of the purchase's budget: whatever was still running
		// would have logged by now.
		time.Sleep(e2etest.Budget + time.Second)
		if after := h.Logs.String()[logged:]; after != "" {
			t.Errorf("the node kept working after Shutdown returned:\n%s", after)
		}
	})

	t.Run("Approved purchases, refunds and RRNs survive a restart", func(t *testing.T) {
		t.Parallel()
		wallet := e2etest.StartWallet(t)
		dir := t.TempDir()
		opts := e2etest.Options{DataDir: dir, AdapterAddress: wallet.Addr, WalletURL: wallet.URL}
		firstOpts := opts
		firstOpts.SkipReconcile = true // its store is closed by then; the second node reconciles
		first := e2etest.Start(t, firstOpts)
		term := first.NewTerminal(t)
		c := first.Dial(t)
		req, presp := approvedPurchase(t, first, term, c, amountApproved)
		wantRC(t, e2etest.Do(t, c, term.Refund(presp.RRN, 4000)), wire.RCApproved)
		first.Stop(t)

		second := e2etest.Start(t, opts)
		second.Remember(first.Codes()...)
		c = second.Dial(t)
		again := e2etest.Do(t, c, pos.Repeat(req))
		wantSameAnswer(t, presp, again)
		wantRC(t, e2etest.Do(t, c, term.Status(presp.RRN)), wire.RCApproved)
		wantRC(t, e2etest.Do(t, c, term.Refund(presp.RRN, 6001)), wire.RCInvalidAmount)
		wantRC(t, e2etest.Do(t, c, term.Refund(presp.RRN, 6000)), wire.RCApproved)
		next := e2etest.Do(t, c, term.Purchase(amountApproved, second.Code()))
		wantRC(t, next, wire.RCApproved)
		if next.RRN <= presp.RRN {
			t.Errorf("after the restart a new purchase got RRN %s, not after %s", next.RRN, presp.RRN)
		}
		if p := second.Payment(t, second.Attempt(t, payment.KindPurchase, req).ID); p.Refunded != amountApproved || p.Charges != 1 {
			t.Errorf("the wallet refunded %d of a payment charged %d times, want %d of one charge", p.Refunded, p.Charges, amountApproved)
		}
	})
}

// sendAndForget sends req without waiting for its answer.
func sendAndForget(t *testing.T, c *pos.Client, req *wire.Message) {
	t.Helper()
	if err := c.Send(encode(t, req)); err != nil {
		t.Fatal(err)
	}
}

// waitWalletPayment waits until the wallet has a payment with id.
func waitWalletPayment(t *testing.T, url, id string) {
	t.Helper()
	e2etest.Eventually(t, "the wallet has payment "+id, func() bool {
		_, ok := e2etest.FindPayment(e2etest.FetchLedger(t, url), id)
		return ok
	})
}

// Environment of the child process that runs a node for the crash test.
const (
	childDataDir = "MERIDIAN_E2E_CHILD_DATA_DIR"
	childAdapter = "MERIDIAN_E2E_CHILD_ADAPTER"
	childAddr    = "TERMINAL_ADDR="
)

// childNode is a node running in another process of this test binary.
type childNode struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer // its stderr, valid after kill

	killOnce sync.Once
	done     chan struct{}
}

// startChildNode runs TestRestartChildProcess in a new process: a node on
// dir reaching the adapter at adapterAddr.
func startChildNode(t *testing.T, dir, adapterAddr string) *childNode {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRestartChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDataDir+"="+dir, childAdapter+"="+adapterAddr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	ch := &childNode{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = ch.logs
	stdin, err := cmd.StdinPipe() // the child exits when this closes
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); ch.kill(t) })
	found := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if addr, ok := strings.CutPrefix(s.Text(), childAddr); ok {
				found <- addr
			}
		}
		close(found)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			ch.kill(t)
			t.Fatalf("the child node exited before it listened: %s", ch.logs)
		}
		ch.addr = addr
	case <-time.After(e2etest.WaitMax):
		ch.kill(t)
		t.Fatalf("the child node did not start: %s", ch.logs)
	}
	return ch
}

// kill ends the child with SIGKILL, as a crash would, and waits for it.
func (ch *childNode) kill(t *testing.T) {
	ch.killOnce.Do(func() {
		_ = ch.cmd.Process.Kill()
		_ = ch.cmd.Wait()
		close(ch.done)
	})
	<-ch.done
}

// TestRestartChildProcess is the child process of the crash test: it runs
// a node until it is killed (or its parent goes away). It does nothing in
// an ordinary run.
func TestRestartChildProcess(t *testing.T) {
	dir, adapter := os.Getenv(childDataDir), os.Getenv(childAdapter)
	if dir == "" {
		t.Skip("runs only as the child process of the crash test")
	}
	cfg, err := config.Parse([]byte(e2etest.YAML(e2etest.Options{DataDir: dir, AdapterAddress: adapter})))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", childAddr, n.TerminalAddr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent goes away
	os.Exit(0)
}
