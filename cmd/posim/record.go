package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
)

// Limits of the record file's writer.
const (
	// recordQueueMax bounds the outcomes waiting to be written; terminals
	// wait when it is full.
	recordQueueMax = 4096
	// recordBufferBytes is the write buffer; it is flushed when full, every
	// recordFlushInterval, and at the end.
	recordBufferBytes   = 64 << 10
	recordFlushInterval = time.Second
)

// recordWriter writes `posim load --record`: one JSON line (load.Outcome)
// per purchase, as the outcomes arrive, so that a crash harness can
// reconcile them with the gateway's journal and the wallet's ledger.
type recordWriter struct {
	f     *os.File
	queue chan load.Outcome
	done  chan struct{}
	err   error // the first write error; set by loop, read after done
}

func createRecord(path string) (*recordWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	w := &recordWriter{f: f, queue: make(chan load.Outcome, recordQueueMax), done: make(chan struct{})}
	go w.loop()
	return w, nil
}

// Write queues one outcome; it waits while the queue is full. It may be
// called from many goroutines, never after Close.
func (w *recordWriter) Write(o load.Outcome) { w.queue <- o }

func (w *recordWriter) loop() {
	defer close(w.done)
	buf := bufio.NewWriterSize(w.f, recordBufferBytes)
	enc := json.NewEncoder(buf)
	ticker := time.NewTicker(recordFlushInterval)
	defer ticker.Stop()
	for {
		select {
		case o, ok := <-w.queue:
			if !ok {
				if w.err == nil {
					w.err = buf.Flush()
				}
				return
			}
			if w.err == nil { // after an error, keep taking outcomes so no terminal waits
				w.err = enc.Encode(o)
			}
		case <-ticker.C:
			if w.err == nil {
				w.err = buf.Flush()
			}
		}
	}
}

// Close writes what is queued and closes the file. A nil writer is a no-op.
func (w *recordWriter) Close() error {
	if w == nil {
		return nil
	}
	close(w.queue)
	<-w.done
	return errors.Join(w.err, w.f.Close())
}
