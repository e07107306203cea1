package wire

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestMessageStringMasksTheWalletCode(t *testing.T) {
	m, err := Decode(purchase.bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := `"0200" 3="000000" 4=1250 7="0615103000" 11="000042" 12="113000" 13="0615" 22="031" 25="00" ` +
		`41="TERM0001" 42="MERCHANT0000001" 48={01="2810****1234"} 49="978"`
	if got := m.String(); got != want {
		t.Errorf("String():\n got %s\nwant %s", got, want)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("request", "message", m, "value", *m)
	for _, out := range []string{
		fmt.Sprint(m), fmt.Sprintf("%v", *m), fmt.Sprintf("%+v", m), fmt.Sprintf("%#v", m), fmt.Sprintf("%#v", *m),
		fmt.Sprintf("%v", m.PrivateData), fmt.Sprintf("%#v", m.PrivateData), logged.String(),
	} {
		if strings.Contains(out, walletCode) || strings.Contains(out, walletCode[4:14]) {
			t.Errorf("the wallet code leaks: %s", out)
		}
		if !strings.Contains(out, "2810****1234") {
			t.Errorf("no masked code in %s", out)
		}
	}
}

func TestMessageStringShowsDE90AndAmounts(t *testing.T) {
	m, err := Decode(reversal.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), `90={"0200" "000042" "0615103000"}`; !strings.Contains(got, want) {
		t.Errorf("String() = %s, want it to contain %s", got, want)
	}
	m, err = Decode(purchaseResponse.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), ` 6=1870 `; !strings.Contains(got, want) {
		t.Errorf("String() = %s, want it to contain %s", got, want)
	}
}
