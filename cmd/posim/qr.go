package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// demoWallets are the wallet simulators of meridiand's demo configuration,
// where `posim scan` pays a QR unless --wallet-url says otherwise.
var demoWallets = map[string]string{
	"ALIPAYPLUS": "http://127.0.0.1:8601",
	"KAKAOPAY":   "http://127.0.0.1:8602",
	"TRUEMONEY":  "http://127.0.0.1:8603",
}

// pollInterval is how often `posim qr` asks for the status of the order,
// as a terminal showing a QR would.
const pollInterval = 2 * time.Second

// order runs a merchant-presented purchase: it asks for a QR, shows it,
// and polls the purchase's status until the customer has paid or it ends.
func (o *options) order(t *pos.Terminal, cur fx.Currency, st *state, stdout io.Writer) error {
	amount, err := o.requiredAmount(cur)
	if err != nil {
		return err
	}
	req := t.OrderPurchase(amount, strings.ToUpper(o.scheme))
	st.Last = &lastRequest{MTI: req.MTI, ProcessingCode: req.ProcessingCode, STAN: req.STAN, TransmissionTime: req.TransmissionTime, Amount: req.Amount, Scheme: strings.ToUpper(o.scheme)}
	st.STAN = atoi(req.STAN)%999999 + 1
	saveState(o.terminal, *st)
	resp, err := o.send(req)
	if err != nil {
		return err
	}
	payload, hasQR := resp.PrivateData.Get(wire.TagQRPayload)
	if resp.ResponseCode != wire.RCInProgress || !hasQR {
		return o.show(stdout, "qr", req, resp, cur)
	}
	st.Last.RRN, st.Last.QR = resp.RRN, payload
	saveState(o.terminal, *st)
	if !o.json {
		fmt.Fprintf(stdout, "SHOW THIS QR TO THE CUSTOMER  (RRN %s)\n\n", resp.RRN)
		if err := printQR(stdout, payload, o.lightBackground); err != nil {
			fmt.Fprintf(stdout, "  (cannot draw the QR: %v)\n", err)
		}
		fmt.Fprintf(stdout, "\n  payload: %s\n  pay it as the customer: posim scan   (in another shell)\n\n", payload)
	}
	if o.wait <= 0 {
		return o.show(stdout, "qr", req, resp, cur)
	}
	final, err := o.poll(t, resp.RRN, stdout)
	if err != nil {
		return err
	}
	return o.show(stdout, "qr", req, final, cur)
}

// poll sends 0100 status requests until the answer is no longer 09 or the
// wait is over, with a progress line.
func (o *options) poll(t *pos.Terminal, rrn string, stdout io.Writer) (*wire.Message, error) {
	deadline := time.Now().Add(o.wait)
	start := time.Now()
	for {
		time.Sleep(pollInterval)
		req := t.Status(rrn)
		resp, err := o.send(req)
		if err != nil {
			return nil, err
		}
		if !o.json {
			fmt.Fprintf(os.Stderr, "\rwaiting for the customer... %3.0fs (status RC %s)", time.Since(start).Seconds(), resp.ResponseCode)
		}
		if resp.ResponseCode != wire.RCInProgress || time.Now().After(deadline) {
			if !o.json {
				fmt.Fprintln(os.Stderr)
			}
			st := loadState(o.terminal)
			st.STAN = atoi(req.STAN)%999999 + 1
			saveState(o.terminal, st)
			return resp, nil
		}
	}
}

// printQR draws payload as a QR code of text blocks, two modules a line,
// with a quiet zone. On a terminal with a dark background (the default) the
// light modules are drawn and the dark ones left to the background; light
// draws the dark modules instead.
func printQR(w io.Writer, payload string, light bool) error {
	code, err := qr.Encode(payload, qr.M)
	if err != nil {
		return err
	}
	const quiet = 2
	ink := func(x, y int) bool {
		if x < 0 || y < 0 || x >= code.Size || y >= code.Size {
			return !light // the quiet zone is light
		}
		return code.Black(x, y) == light
	}
	var b strings.Builder
	for y := -quiet; y < code.Size+quiet; y += 2 {
		b.WriteString("  ")
		for x := -quiet; x < code.Size+quiet; x++ {
			top, bottom := ink(x, y), ink(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// scan pays a QR as the customer would, by asking the wallet simulator to
// scan it.
func (o *options) scan(stdout io.Writer) error {
	st := loadState(o.terminal)
	payload := o.qr
	if payload == "" {
		if st.Last == nil || st.Last.QR == "" {
			return fmt.Errorf("no QR of terminal %s is remembered: give --qr PAYLOAD (printed by posim qr)", o.terminal)
		}
		payload = st.Last.QR
	}
	url := o.walletURL
	if url == "" {
		scheme := "ALIPAYPLUS"
		if st.Last != nil && st.Last.Scheme != "" {
			scheme = st.Last.Scheme
		}
		url = demoWallets[scheme]
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	answer, err := simkit.Scan(ctx, http.DefaultClient, url, payload)
	var refused *simkit.ScanError
	if errors.As(err, &refused) {
		return fmt.Errorf("the wallet %w", err)
	}
	if err != nil {
		return fmt.Errorf("%w\nIs the wallet simulator at %s? meridiand's demo logs each simulator's URL; pass it with --wallet-url", err, url)
	}
	out, _ := json.Marshal(answer)
	fmt.Fprintf(stdout, "SCANNED  the wallet answered: %s\n", out)
	return nil
}
