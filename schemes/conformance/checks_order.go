package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/emvco"
)

// orderLifetime is the expires_in_seconds the kit asks for.
const orderLifetime = 5 * time.Minute

func (r *runner) newOrder(minorUnits int64) *schemev1.CreateOrderRequest {
	return &schemev1.CreateOrderRequest{
		IdempotencyKey:   r.key(),
		Amount:           r.money(minorUnits),
		Merchant:         r.cfg.Merchant,
		OrderDescription: "Meridian conformance kit",
		ExpiresInSeconds: int64(orderLifetime / time.Second),
		MerchantAmount:   r.money(minorUnits),
	}
}

func checkOrderLifecycle(ctx context.Context, r *runner, _ *notes) error {
	if !r.caps.GetSupportsMerchantPresented() {
		return skip("the capabilities say supports_merchant_presented is false")
	}
	req := r.newOrder(approved)
	first, err := r.createOrderOK(ctx, req)
	if err != nil {
		return err
	}
	again, err := r.createOrder(ctx, req)
	if err != nil {
		return err
	}
	if err := r.want("the repeated CreateOrder (same key, same content)", again.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if again.GetSchemeTransactionId() != first.GetSchemeTransactionId() || again.GetQrPayload() != first.GetQrPayload() {
		return errors.New("the repeated CreateOrder answered another order (scheme_transaction_id or qr_payload differ): a repeat must return the first order")
	}
	key := req.GetIdempotencyKey()
	if err := r.wantInquire(ctx, key, schemev1.ResultStatus_RESULT_STATUS_PENDING); err != nil {
		return fmt.Errorf("%w (the order waits for the customer)", err)
	}
	if err := r.cancelOK(ctx, key, "Cancel of the waiting order"); err != nil {
		return err
	}
	return r.wantCancelled(ctx, key, "after Cancel of the order")
}

// createOrderOK creates an order and checks the answer: SUCCESS, a
// payload in the format the capabilities name, an expiry in the future.
func (r *runner) createOrderOK(ctx context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	resp, err := r.createOrder(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := r.want("CreateOrder", resp.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return nil, err
	}
	if resp.GetQrPayload() == "" {
		return nil, errors.New("CreateOrder answered SUCCESS without a qr_payload")
	}
	format := resp.GetQrFormat()
	if want := r.caps.GetMerchantPresentedFormat(); format != want {
		return nil, fmt.Errorf("CreateOrder answered qr_format %s, the capabilities say %s", format, want)
	}
	expires, err := time.Parse(time.RFC3339, resp.GetExpiresAt())
	if err != nil {
		return nil, fmt.Errorf("CreateOrder answered expires_at %q, want an RFC 3339 time", resp.GetExpiresAt())
	}
	if !expires.After(time.Now()) {
		return nil, fmt.Errorf("CreateOrder answered expires_at %s, which has passed", resp.GetExpiresAt())
	}
	if format == schemev1.QRFormat_QR_FORMAT_EMVCO_MPM {
		if err := emvco.ValidateMPM(resp.GetQrPayload()); err != nil {
			return nil, fmt.Errorf("CreateOrder answered a qr_payload that is not a valid EMVCo MPM: %w", err)
		}
	}
	return resp, nil
}

func checkOrderScanned(ctx context.Context, r *runner, n *notes) error {
	switch {
	case !r.caps.GetSupportsMerchantPresented():
		return skip("the capabilities say supports_merchant_presented is false")
	case r.cfg.ScanURL == "":
		return skip("no scan URL given (--scan-url, Config.ScanURL): the kit cannot play the customer")
	}
	req := r.newOrder(approved)
	order, err := r.createOrderOK(ctx, req)
	if err != nil {
		return err
	}
	if err := r.scan(ctx, order.GetQrPayload()); err != nil {
		return err
	}
	inq, err := r.inquireUntil(ctx, req.GetIdempotencyKey())
	if err != nil {
		return err
	}
	if err := r.want("Inquire of the scanned order", inq.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if inq.GetSchemeTransactionId() == "" {
		n.add("Inquire of the paid order answered without a scheme_transaction_id")
	}
	return nil
}

// scan plays the customer: it posts the order's payload to the sandbox's
// scan endpoint.
func (r *runner) scan(ctx context.Context, payload string) error {
	body, err := json.Marshal(map[string]string{"qr": payload})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.ScanURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("scan URL %s: %w", r.cfg.ScanURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("the scan (POST %s) failed: %w", r.cfg.ScanURL, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	r.cfg.Logf("scan POST %s -> HTTP %d", r.cfg.ScanURL, resp.StatusCode)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the scan (POST %s) answered HTTP %d: %s", r.cfg.ScanURL, resp.StatusCode, strings.TrimSpace(string(answer)))
	}
	return nil
}

// scanEndpoint completes a scan URL: one without a path is a simulator's
// base URL, whose scan endpoint is /sim/scan.
func scanEndpoint(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("conformance: scan URL %q: want http://host:port[/path]", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/sim/scan"
	}
	return u.String(), nil
}
