package alipayplus_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// BenchmarkPayRoundTrip measures one signed pay request from the partner-API
// client through the simulator over loopback HTTP and back, verified; four
// RSA operations (two signs, two verifies) dominate it:
// go test -bench PayRoundTrip -benchmem ./schemes/alipayplus/
func BenchmarkPayRoundTrip(b *testing.B) {
	keys := alipayplus.SharedTestKeys()
	s, err := sim.New(sim.Config{AcquirerPublicKey: &keys.Acquirer.PublicKey, WalletPrivateKey: keys.Wallet, MaxLedgerEntries: 10_000_000})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	client, err := alipayplus.NewClient(alipayplus.ClientConfig{BaseURL: srv.URL, ClientID: clientID,
		PrivateKey: keys.Acquirer, WalletPublicKey: &keys.Wallet.PublicKey})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	n := 0
	for b.Loop() {
		n++
		req := wirePayRequest(fmt.Sprintf("bench-%d", n))
		resp, err := client.Pay(context.Background(), req)
		if err != nil || resp.Result.ResultStatus != alipayplus.ResultSuccess {
			b.Fatalf("Pay = %v, %v", resp, err)
		}
	}
}

// BenchmarkAdapterPay measures one Pay through the whole adapter: gRPC over
// loopback to the adapter, then the signed HTTP round trip to the simulator:
// go test -bench AdapterPay -benchmem ./schemes/alipayplus/
func BenchmarkAdapterPay(b *testing.B) {
	keys := alipayplus.SharedTestKeys()
	s, err := sim.New(sim.Config{AcquirerPublicKey: &keys.Acquirer.PublicKey, WalletPrivateKey: keys.Wallet, MaxLedgerEntries: 10_000_000})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	adapter := serveAdapter(b, adapterConfig(srv.URL))
	n := 0
	for b.Loop() {
		n++
		resp, err := adapter.Pay(context.Background(), payRequest(fmt.Sprintf("bench-%d", n), alipayCode, 1000))
		if err != nil || resp.Result.GetStatus() != success {
			b.Fatalf("Pay = %v, %v", resp, err)
		}
	}
}

func wirePayRequest(id string) *alipayplus.PayRequest {
	amount := alipayplus.NewAmount("EUR", 1000)
	return &alipayplus.PayRequest{
		ProductCode:      alipayplus.ProductCodeInStorePayment,
		PaymentRequestID: id,
		Order: alipayplus.Order{ReferenceOrderID: id, OrderDescription: "bench", OrderAmount: amount,
			Merchant: alipayplus.Merchant{ReferenceMerchantID: "M-1", MerchantName: "Bench", MerchantMCC: "5812"}},
		PaymentAmount: amount,
		PaymentMethod: alipayplus.PaymentMethod{PaymentMethodType: alipayplus.PaymentMethodConnectWallet, PaymentMethodID: alipayCode},
	}
}
