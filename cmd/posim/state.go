package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// state is what posim remembers between runs, per terminal, like a real
// terminal does: its STAN counter and its last purchase, so that `posim
// reverse` without flags reverses it.
type state struct {
	STAN int          `json:"stan"`
	Last *lastRequest `json:"last,omitempty"`
}

type lastRequest struct {
	MTI              string `json:"mti"`
	ProcessingCode   string `json:"processing_code"`
	STAN             string `json:"stan"`
	TransmissionTime string `json:"transmission_time"`
	Amount           int64  `json:"amount"`
	RRN              string `json:"rrn,omitempty"`
	// Scheme and QR of a merchant-presented purchase, for posim scan.
	Scheme string `json:"scheme,omitempty"`
	QR     string `json:"qr,omitempty"`
}

func statePath(terminalID string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "meridian-posim", "terminal-"+terminalID+".json")
}

// loadState reads the terminal's state; a missing or unreadable file starts
// the STAN from the time of day, so that runs on a fresh machine do not
// collide with an earlier day's STANs.
func loadState(terminalID string) state {
	var s state
	b, err := os.ReadFile(statePath(terminalID))
	if err == nil && json.Unmarshal(b, &s) == nil && s.STAN > 0 {
		return s
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		warnf("cannot read posim state (%v); starting a new STAN sequence", err)
	}
	now := time.Now()
	s.STAN = (now.Hour()*3600+now.Minute()*60+now.Second())*10%999999 + 1
	return s
}

func saveState(terminalID string, s state) {
	p := statePath(terminalID)
	b, _ := json.MarshalIndent(s, "", "  ")
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err == nil {
		err = os.WriteFile(p, b, 0o600)
		if err == nil {
			return
		}
	}
	warnf("cannot save posim state to %s", p)
}
