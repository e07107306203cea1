package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// printResponse says what the host answered, as a terminal's screen or
// receipt would.
func printResponse(w io.Writer, cmd string, req, resp *wire.Message, cur fx.Currency) {
	verdict := "DECLINED"
	switch resp.ResponseCode {
	case wire.RCApproved:
		verdict = "APPROVED"
		if cmd == "status" {
			verdict = "APPROVED (purchase stands)"
		}
	case wire.RCInProgress:
		verdict = "IN PROGRESS"
	}
	fmt.Fprintf(w, "%s  RC %s: %s\n", verdict, resp.ResponseCode, wire.RCMeaning(resp.ResponseCode))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "  %s\t%s\n", k, v)
		}
	}
	row("RRN", resp.RRN)
	row("approval code", resp.ApprovalCode)
	if v, ok := resp.PrivateData.Get(wire.TagWalletBrand); ok {
		row("wallet", v)
	}
	if req.Has(4) {
		row("amount", formatAmount(req.Amount, cur)) // the response echoes it
	}
	if resp.Has(6) {
		if wc, ok := fx.ByNumeric(resp.WalletCurrency); ok {
			row("wallet charged", formatAmount(resp.WalletAmount, wc))
			if rate, ok := de10Rate(resp.ConversionRate); ok {
				row("exchange rate", "1 "+cur.Code+" = "+rate+" "+wc.Code)
			}
		}
	}
	if v, ok := resp.PrivateData.Get(wire.TagFXMarkup); ok {
		row("mark-up", v+" % over the ECB euro reference rate")
	}
	if v, ok := resp.PrivateData.Get(wire.TagSchemeTransactionID); ok {
		row("scheme txn id", v)
	}
	row("terminal", req.TerminalID)
	row("STAN", req.STAN)
	row("time (DE 7)", req.TransmissionTime)
	tw.Flush()
	if (cmd == "pay" || cmd == "qr") && resp.ResponseCode == wire.RCApproved {
		fmt.Fprintf(w, "  (refund: posim refund --rrn %s --amount ...; reverse: posim reverse)\n", resp.RRN)
	}
}

func printJSON(w io.Writer, req, resp *wire.Message) error {
	out := map[string]any{
		"request":  map[string]any{"mti": req.MTI, "stan": req.STAN, "transmission_time": req.TransmissionTime, "terminal_id": req.TerminalID},
		"mti":      resp.MTI,
		"rc":       resp.ResponseCode,
		"meaning":  wire.RCMeaning(resp.ResponseCode),
		"approved": resp.ResponseCode == wire.RCApproved,
		"rrn":      resp.RRN,
		"approval": resp.ApprovalCode,
		"amount":   resp.Amount,
		"currency": resp.Currency,
	}
	if v, ok := resp.PrivateData.Get(wire.TagWalletBrand); ok {
		out["wallet"] = v
	}
	if v, ok := resp.PrivateData.Get(wire.TagSchemeTransactionID); ok {
		out["scheme_txn_id"] = v
	}
	if v, ok := resp.PrivateData.Get(wire.TagQRPayload); ok {
		out["qr"] = v
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// de10Rate reads DE 10 (n8: the number of decimal places, then 7 digits)
// as a decimal string, as a receipt prints it.
func de10Rate(v string) (string, bool) {
	if len(v) != 8 || v[0] < '0' || v[0] > '7' {
		return "", false
	}
	for i := 1; i < 8; i++ {
		if v[i] < '0' || v[i] > '9' {
			return "", false
		}
	}
	places := int(v[0] - '0')
	digits := v[1:]
	whole, frac := digits[:7-places], digits[7-places:]
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if frac == "" {
		return whole, true
	}
	return whole + "." + frac, true
}
