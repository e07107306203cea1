package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// defaultScanTimeout bounds a scan; longer than the default --slow-delay,
// since a 93 scan is answered only when its hold ends.
const defaultScanTimeout = 2 * time.Minute

// scan is the customer scanning a merchant-presented QR code and paying it
// in the wallet app: it posts the payload to a running walletsim's
// /sim/scan and says what became of the order.
func scan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("scan", stderr)
	baseURL := fs.String("url", "", "base URL of a running walletsim")
	qr := fs.String("qr", "", "the QR payload as displayed")
	timeout := fs.Duration("timeout", defaultScanTimeout, "how long to wait for the answer")
	if status, done := parse(fs, args, stdout); done {
		return status
	}
	switch {
	case *baseURL == "":
		fmt.Fprintln(stderr, "walletsim scan: --url is required (the URL walletsim printed when it started)")
		return exitUsage
	case *qr == "":
		fmt.Fprintln(stderr, "walletsim scan: --qr is required (the payload the terminal displays)")
		return exitUsage
	case *timeout <= 0:
		fmt.Fprintln(stderr, "walletsim scan: --timeout must be positive")
		return exitUsage
	}
	answer, err := simkit.Scan(ctx, &http.Client{Timeout: *timeout}, *baseURL, *qr)
	var refused *simkit.ScanError
	switch {
	case errors.As(err, &refused):
		fmt.Fprintf(stderr, "walletsim scan: not paid: %s (HTTP %d)\n", refused.Message, refused.StatusCode)
		return exitFailure
	case err != nil:
		fmt.Fprintln(stderr, "walletsim scan:", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, describeScan(answer))
	return exitOK
}

// describeScan says in plain words what a scan did.
func describeScan(a *simkit.ScanAnswer) string {
	amount := formatMoney(a.Currency, a.Amount)
	if a.MerchantCurrency != "" && (a.MerchantCurrency != a.Currency || a.MerchantAmount != a.Amount) {
		amount += " (the merchant's " + formatMoney(a.MerchantCurrency, a.MerchantAmount) + ")"
	}
	switch a.Status {
	case simkit.StatusPaid:
		return fmt.Sprintf("paid: order %s, %s charged to the customer's %s wallet", a.RequestID, amount, a.WalletBrand)
	case simkit.StatusFailed:
		return fmt.Sprintf("declined: order %s, %s not charged; the wallet answered %s", a.RequestID, amount, a.ResultCode)
	case simkit.StatusProcessing:
		return fmt.Sprintf("in process: order %s, %s; the wallet decides later (the gateway's inquiries will tell)", a.RequestID, amount)
	case simkit.StatusCancelled:
		return fmt.Sprintf("not paid: order %s, %s; it was cancelled while the payment was held", a.RequestID, amount)
	}
	return fmt.Sprintf("order %s is %s, %s", a.RequestID, a.Status, amount)
}

// formatMoney writes an amount in major units when the currency is known, so
// people read "EUR 12.50"; otherwise in minor units.
func formatMoney(currency string, minorUnits int64) string {
	c, ok := fx.ByCode(currency)
	if !ok {
		return fmt.Sprintf("%s %d (minor units)", currency, minorUnits)
	}
	digits := strconv.FormatInt(minorUnits, 10)
	if c.Exponent == 0 {
		return currency + " " + digits
	}
	if len(digits) <= c.Exponent {
		digits = strings.Repeat("0", c.Exponent-len(digits)+1) + digits
	}
	point := len(digits) - c.Exponent
	return currency + " " + digits[:point] + "." + digits[point:]
}
