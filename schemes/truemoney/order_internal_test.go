package truemoney

import (
	"errors"
	"testing"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

func testOrderMPM() emvco.MPM {
	return emvco.MPM{
		PointOfInitiation: emvco.PointOfInitiationDynamic,
		MerchantAccounts: []emvco.MerchantAccount{{Tag: QRAccountTag, GUID: QRGUID,
			Fields: []emvco.Field{{ID: QRTokenField, Value: "a1b2c3"}, {ID: QRExternalRefField, Value: "order-key"}}}},
		MCC: "5812", Currency: QRCurrencyNumeric, Amount: "150.00",
		Country: "CH", MerchantName: "Cafe Zurich", MerchantCity: "Zurich",
	}
}

func TestOrderPayloadIsCheckedBeforeItIsHandedOut(t *testing.T) {
	build := func(t *testing.T, change func(*emvco.MPM)) string {
		t.Helper()
		m := testOrderMPM()
		change(&m)
		qr, err := emvco.BuildMPM(m)
		if err != nil {
			t.Fatalf("BuildMPM: %v", err)
		}
		return qr
	}
	if err := checkOrderQR(&QROrder{QRPayload: build(t, func(*emvco.MPM) {})}, "order-key", 15000); err != nil {
		t.Fatalf("the order's own payload = %v", err)
	}
	bad := map[string]string{
		"no payload":       "",
		"not an MPM":       "hello",
		"another amount":   build(t, func(m *emvco.MPM) { m.Amount = "150.01" }),
		"no amount":        build(t, func(m *emvco.MPM) { m.Amount = "" }),
		"another currency": build(t, func(m *emvco.MPM) { m.Currency = "978" }),
		"another order":    build(t, func(m *emvco.MPM) { m.MerchantAccounts[0].Fields[1].Value = "someone-else" }),
		"no token": build(t, func(m *emvco.MPM) {
			m.MerchantAccounts[0].Fields = m.MerchantAccounts[0].Fields[1:]
		}),
		"another wallet's template": build(t, func(m *emvco.MPM) { m.MerchantAccounts[0].GUID = "COM.EXAMPLE" }),
	}
	for name, qr := range bad {
		t.Run(name, func(t *testing.T) {
			if err := checkOrderQR(&QROrder{QRPayload: qr}, "order-key", 15000); !errors.Is(err, errQRPayload) {
				t.Fatalf("checkOrderQR = %v, want errQRPayload", err)
			}
		})
	}
	if err := checkOrderQR(nil, "order-key", 15000); !errors.Is(err, errQRPayload) {
		t.Fatalf("checkOrderQR(nil) = %v", err)
	}
}
