package simkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Paths of the test endpoints every simulator serves besides its wallet's
// API. They are not part of any wallet, so they are not signed.
const (
	// PathLedger serves the ledger as a Snapshot in JSON (GET).
	PathLedger = "/sim/ledger"
	// PathScan is the simulated customer scanning a merchant-presented QR
	// code and paying it (POST, ScanRequest).
	PathScan = "/sim/scan"
)

// DefaultMaxScanBytes bounds the body of a scan request.
const DefaultMaxScanBytes = 16 << 10

// Holds keeps the answers the 93 rule holds, and ends them all at once
// when the simulator closes, so an http.Server's Shutdown need not wait
// SlowDelay for them. The zero value is not usable; use NewHolds.
type Holds struct {
	once    sync.Once
	closing chan struct{}
}

// NewHolds returns Holds that hold until closed.
func NewHolds() *Holds {
	return &Holds{closing: make(chan struct{})}
}

// Wait holds for d. It returns false when it ends early because ctx ended
// (the client went away) or Close was called; the payment is then paid at
// its settle time by the ledger all the same.
func (h *Holds) Wait(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-h.closing:
		return false
	}
}

// Close ends every hold, now and later. A second call does nothing.
func (h *Holds) Close() {
	h.once.Do(func() { close(h.closing) })
}

// LedgerHandler serves GET PathLedger: the ledger's Snapshot as JSON.
func LedgerHandler(l *Ledger, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(l.Snapshot()); err != nil && log != nil {
			log.LogAttrs(r.Context(), slog.LevelWarn, "simkit: write ledger", slog.String("error", err.Error()))
		}
	})
}

// ScanRequest is the body of POST PathScan.
type ScanRequest struct {
	// QR is the payload as the merchant displays it.
	QR string `json:"qr"`
	// WalletBrand, when set, names the wallet the customer pays with,
	// instead of the simulator's default.
	WalletBrand string `json:"walletBrand,omitempty"`
}

// ScanAnswer is the body of the answer to POST PathScan: the order after
// the scan (HTTP 200), or Error alone with HTTP 4xx or 5xx.
type ScanAnswer struct {
	// Status is the order's state after the scan: paid, failed, processing
	// (91 and 92), or cancelled (93, cancelled while held).
	Status           Status `json:"status,omitempty"`
	RequestID        string `json:"requestId,omitempty"`
	WalletTxnID      string `json:"walletTxnId,omitempty"`
	Amount           int64  `json:"amount,omitempty"`
	Currency         string `json:"currency,omitempty"`
	MerchantAmount   int64  `json:"merchantAmount,omitempty"`
	MerchantCurrency string `json:"merchantCurrency,omitempty"`
	WalletBrand      string `json:"walletBrand,omitempty"`
	// ResultCode is the wallet's code of a declined payment.
	ResultCode string `json:"resultCode,omitempty"`
	Error      string `json:"error,omitempty"`
}

// ScanHandler serves POST PathScan for a simulator: it decodes the QR
// payload into its order, pays it (Ledger.Scan) and, for the 93 rule,
// holds the answer. It answers 404 for a payload that names no order of
// the ledger, 409 for an order expired, cancelled or already scanned, 400
// for a malformed request, and 503 when the ledger cannot record the scan
// or the hold was ended by Holds.Close.
type ScanHandler struct {
	// Ledger is the simulator's ledger. Required.
	Ledger *Ledger
	// Decode turns a QR payload, as displayed, into the scan of its order:
	// its Token, and who pays. ok false: the payload is not one this
	// simulator issues. Required.
	Decode func(qr string) (cmd ScanCommand, ok bool)
	// Holds ends held answers when the simulator closes. Required.
	Holds *Holds
	// MaxBodyBytes bounds the request body. Default DefaultMaxScanBytes.
	MaxBodyBytes int64
	// Logger receives a debug line per scan. Default: none.
	Logger *slog.Logger
}

func (h *ScanHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxScanBytes
	}
	var req ScanRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		scanError(w, http.StatusRequestEntityTooLarge, "the request body is too large")
		return
	}
	if err := json.Unmarshal(body, &req); err != nil || strings.TrimSpace(req.QR) == "" {
		scanError(w, http.StatusBadRequest, `want a JSON body {"qr": "<payload as displayed>"}`)
		return
	}
	cmd, ok := h.Decode(req.QR)
	if !ok {
		scanError(w, http.StatusNotFound, "the QR payload names no order of this wallet")
		return
	}
	if req.WalletBrand != "" {
		cmd.WalletBrand = req.WalletBrand
	}
	res, err := h.Ledger.Scan(cmd)
	if err == nil && res.Hold {
		if !h.Holds.Wait(r.Context(), h.Ledger.cfg.SlowDelay) {
			scanError(w, http.StatusServiceUnavailable, "the simulator is shutting down; the payment is still paid at its settle time")
			return
		}
		res.Payment, err = h.Ledger.SettleSlow(res.Payment.RequestID)
	}
	if err != nil {
		scanError(w, http.StatusServiceUnavailable, "the simulator's ledger is unavailable")
		return
	}
	if h.Logger != nil {
		h.Logger.LogAttrs(r.Context(), slog.LevelDebug, "sim scan", slog.String("requestId", res.Payment.RequestID),
			slog.String("outcome", string(res.Outcome)), slog.String("status", string(res.Payment.Status)))
	}
	if status, msg := scanRefusal(res); status != 0 {
		scanError(w, status, msg)
		return
	}
	writeJSON(w, http.StatusOK, scanAnswer(&res.Payment))
}

// scanRefusal is the HTTP status and message of a scan the ledger refused,
// or 0.
func scanRefusal(res ScanResult) (int, string) {
	p := &res.Payment
	switch res.Outcome {
	case OutcomeOK:
		return 0, ""
	case OutcomeNotFound:
		return http.StatusNotFound, "no order has this QR code"
	case OutcomeExpired:
		return http.StatusConflict, fmt.Sprintf("order %s expired at %s unpaid", p.RequestID, p.ExpiresAt.UTC().Format(time.RFC3339))
	case OutcomeClosed:
		return http.StatusConflict, fmt.Sprintf("order %s was cancelled", p.RequestID)
	case OutcomeAlreadyScanned:
		return http.StatusConflict, fmt.Sprintf("order %s was already scanned; it is %s", p.RequestID, p.Status)
	}
	return http.StatusConflict, fmt.Sprintf("order %s: %s", p.RequestID, res.Outcome)
}

func scanAnswer(p *Payment) *ScanAnswer {
	return &ScanAnswer{
		Status:           p.Status,
		RequestID:        p.RequestID,
		WalletTxnID:      p.WalletTxnID,
		Amount:           p.MinorUnits,
		Currency:         p.Currency,
		MerchantAmount:   p.MerchantMinorUnits,
		MerchantCurrency: p.MerchantCurrency,
		WalletBrand:      p.WalletBrand,
		ResultCode:       p.ResultCode,
	}
}

func scanError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, &ScanAnswer{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ScanError is a scan the simulator refused (HTTP 4xx or 5xx).
type ScanError struct {
	StatusCode int
	Message    string
}

func (e *ScanError) Error() string {
	return fmt.Sprintf("scan refused (HTTP %d): %s", e.StatusCode, e.Message)
}

// Scan asks the simulator at baseURL to scan qr and pay its order, as a
// customer would (POST PathScan). A refusal is a *ScanError.
func Scan(ctx context.Context, client *http.Client, baseURL, qr string) (*ScanAnswer, error) {
	body, err := json.Marshal(ScanRequest{QR: qr})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(baseURL, "/")+PathScan, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("simkit: scan: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("simkit: scan: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("simkit: scan: read the answer: %w", err)
	}
	var answer ScanAnswer
	decodeErr := json.Unmarshal(data, &answer)
	if resp.StatusCode != http.StatusOK {
		msg := answer.Error
		if decodeErr != nil || msg == "" {
			msg = strings.TrimSpace(string(data))
		}
		return nil, &ScanError{StatusCode: resp.StatusCode, Message: msg}
	}
	if decodeErr != nil {
		return nil, fmt.Errorf("simkit: scan: the answer is not a scan answer: %w", decodeErr)
	}
	return &answer, nil
}
