package kakaopay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testSecret = "DEV0123456789ABCDEFabcdef"

func TestSecretLoadsFromAFileOrAnEnvironmentVariable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kakaopay.secret")
	if err := os.WriteFile(file, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAKAOPAY_TEST_SECRET", "  "+testSecret+"  ")
	for _, source := range []string{file, "env:KAKAOPAY_TEST_SECRET"} {
		got, err := LoadSecret(source)
		if err != nil || got != testSecret {
			t.Errorf("LoadSecret(%q) = %q, %v", source, got, err)
		}
	}
}

func TestBadSecretSourcesFailWithoutShowingTheSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("KAKAOPAY_EMPTY", "")
	cases := map[string]string{
		"empty source":       "",
		"missing file":       filepath.Join(dir, "absent"),
		"unset variable":     "env:KAKAOPAY_NOT_SET_ANYWHERE",
		"empty variable":     "env:KAKAOPAY_EMPTY",
		"blank file":         write("blank", " \n"),
		"pasted header":      write("header", "SECRET_KEY "+testSecret),
		"control character":  write("control", testSecret+"\x00x"),
		"file far too large": write("large", strings.Repeat("A", maxSecretBytes+1)),
	}
	for name, source := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := LoadSecret(source)
			if err == nil {
				t.Fatalf("LoadSecret succeeded with %q", got)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
}
