package simkit

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// The ledger file (Config.Path) is a journal: one JSON object a line,
// each ending in "\n", appended and never rewritten. Its first record is the
// header; every other record is one ledger command and holds the whole new
// state of what that command changed (a payment, a refund, or a refund and
// its payment), so replaying the file is putting each record's entries in
// order, the last state of an entry winning:
//
//	{"n":1,"op":"header","version":2,"hashKey":"5f0c…","createdAt":"2026-03-01T10:00:00Z"}
//	{"n":2,"op":"pay","seq":1,"payment":{"requestId":"…","status":"paid",…}}
//	{"n":7,"op":"refund","seq":4,"payment":{…,"refunded":400},"refund":{"requestId":"…",…}}
//
// "n" numbers the records from 1 without gaps, so a lost or repeated line is
// detected; "seq" is the ledger's id sequence after the command, so ids stay
// unique across restarts; the header's hashKey keys the idempotency hashes
// (Ledger.Hash), so a repeat after a restart is recognised as one.
// Records are validated when replayed, and a file that fails validation is
// refused, except for its last line: a crash while appending leaves a torn
// last line, which is dropped with a warning (and cut off the file when it
// is opened for writing). Nothing in the file reveals a wallet code: codes
// are masked and the request hashes are keyed.

// journalVersion is the version of the ledger file format in its header.
// Version 1 was the format before simkit (payments keyed by
// "paymentRequestId"); version 2 has neutral names and merchant-presented
// orders. A file of another version is refused.
const journalVersion = 2

// Record operations: the header, then one per kind of ledger command.
const (
	opHeader  = "header"
	opPay     = "pay"
	opSettle  = "settle"
	opInquire = "inquire"
	opCancel  = "cancel"
	opRefund  = "refund"
	opOrder   = "order"
	opScan    = "scan"
	opExpire  = "expire"
)

// ErrClosed is returned for ledger commands after Close.
var ErrClosed = errors.New("simkit: ledger closed")

// record is one line of the ledger file.
type record struct {
	N  uint64 `json:"n"`
	Op string `json:"op"`
	// Header fields.
	Version   int       `json:"version,omitempty"`
	HashKey   string    `json:"hashKey,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// Command fields.
	Seq     int64    `json:"seq,omitempty"`
	Payment *Payment `json:"payment,omitempty"`
	Refund  *Refund  `json:"refund,omitempty"`
}

// journal appends ledger records to the ledger file and makes them durable
// with group commit: a command's record is encoded into pending under the
// ledger lock, and the command's caller then waits in waitDurable, where one
// waiter at a time writes everything pending and syncs it, for itself and
// for every record appended meanwhile (one fsync for many commands).
type journal struct {
	path string
	file *os.File
	log  *slog.Logger
	// sync makes the written records durable: (*os.File).Sync, replaced by
	// tests to observe or fail it. Guarded by flushMu once the journal is
	// shared.
	sync func(*os.File) error

	mu       sync.Mutex // guards pending, appended, failed
	pending  []byte     // encoded records not yet written
	appended uint64     // number of the last record appended
	failed   error      // first write or sync error, or ErrClosed; sticky

	flushMu sync.Mutex    // held while writing and syncing a batch; guards spare, closed
	spare   []byte        // the previous batch's buffer, reused for pending
	closed  bool          // the file is closed
	durable atomic.Uint64 // number of the last record written and synced
}

// openJournal opens or creates the ledger file at path, locks it against
// other simulators, replays it into l (which must be new and not shared
// yet) and returns the journal and the key of the idempotency hashes.
func openJournal(path string, l *Ledger, log *slog.Logger) (*journal, []byte, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("simkit: open ledger: %w", err)
	}
	j, hashKey, err := startJournal(f, path, l, log)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return j, hashKey, nil
}

func startJournal(f *os.File, path string, l *Ledger, log *slog.Logger) (*journal, []byte, error) {
	if err := lockFile(f); err != nil {
		return nil, nil, fmt.Errorf("simkit: ledger %s is in use by another simulator: %w", path, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, fmt.Errorf("simkit: read ledger %s: %w", path, err)
	}
	r, err := replay(l, data, path)
	if err != nil {
		return nil, nil, err
	}
	j := &journal{path: path, file: f, log: log, sync: (*os.File).Sync}
	if r.torn != nil {
		warnTorn(log, path, r.torn)
		if err := j.cut(int64(r.valid)); err != nil {
			return nil, nil, err
		}
	}
	if r.records == 0 {
		key, err := j.create(l.cfg.Now())
		return j, key, err
	}
	j.appended = r.records
	j.durable.Store(r.records)
	return j, r.hashKey, nil
}

// cut truncates the file to its valid records, so new records follow the
// last whole one.
func (j *journal) cut(valid int64) error {
	if err := j.file.Truncate(valid); err != nil {
		return fmt.Errorf("simkit: cut the torn line off ledger %s: %w", j.path, err)
	}
	if err := j.sync(j.file); err != nil {
		return fmt.Errorf("simkit: sync ledger %s: %w", j.path, err)
	}
	return nil
}

// create writes the header of a new ledger file and makes the file's
// directory entry durable too.
func (j *journal) create(now time.Time) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key)
	j.append(&record{Op: opHeader, Version: journalVersion, HashKey: hex.EncodeToString(key), CreatedAt: now.UTC()})
	if err := j.waitDurable(1); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		return nil, fmt.Errorf("simkit: sync the directory of ledger %s: %w", j.path, err)
	}
	return key, nil
}

// append encodes rec as the next record and returns its number. It does not
// write: waitDurable does. Called with the ledger lock held, so records are
// in the order of the commands.
func (j *journal) append(rec *record) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.appended++
	rec.N = j.appended
	if j.failed != nil {
		// Not written; waitDurable reports the failure for this number.
		return j.appended
	}
	line, err := json.Marshal(rec)
	if err != nil {
		j.failLocked(fmt.Errorf("encode record %d: %w", rec.N, err))
		return j.appended
	}
	j.pending = append(j.pending, line...)
	j.pending = append(j.pending, '\n')
	return j.appended
}

// last returns the number of the last record appended; nil-safe (0).
func (j *journal) last() uint64 {
	if j == nil {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.appended
}

// failure returns why the journal takes no more records, or nil; nil-safe.
func (j *journal) failure() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.failed
}

// waitDurable returns once records up to n are written and synced, or the
// error that prevents it; nil-safe (a ledger in memory is never waited for).
func (j *journal) waitDurable(n uint64) error {
	if j == nil {
		return nil
	}
	for j.durable.Load() < n {
		if err := j.flush(); err != nil {
			return err
		}
	}
	return nil
}

// flush writes and syncs every pending record: one write and one sync for
// all the commands that appended while the previous flush was syncing.
func (j *journal) flush() error {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.mu.Lock()
	batch, last, failed := j.pending, j.appended, j.failed
	if failed != nil || last <= j.durable.Load() {
		// Failed, or an earlier flush took these records.
		j.mu.Unlock()
		return failed
	}
	// The batch's buffer becomes spare only once written; until then,
	// appends go to the other one.
	j.pending, j.spare = j.spare[:0], nil
	j.mu.Unlock()
	_, err := j.file.Write(batch)
	if err == nil {
		err = j.sync(j.file)
	}
	if err != nil {
		// After a failed write or fsync nobody knows what is on disk: the
		// journal takes nothing more, and every waiting command's answer is
		// an error, which the acquirer sees as an unknown outcome.
		j.mu.Lock()
		j.failLocked(err)
		failed = j.failed
		j.mu.Unlock()
		return failed
	}
	j.spare = batch
	j.durable.Store(last)
	return nil
}

func (j *journal) failLocked(err error) {
	if j.failed != nil {
		return
	}
	j.failed = fmt.Errorf("simkit: ledger %s: %w", j.path, err)
	j.log.Error("simkit: ledger file failed; it takes no more changes (simulators answer HTTP 503)", "error", j.failed.Error())
}

// close writes and syncs what is pending and closes the file; later
// commands get ErrClosed. A second close does nothing; nil-safe.
func (j *journal) close() error {
	if j == nil {
		return nil
	}
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	j.mu.Lock()
	batch, last, failed := j.pending, j.appended, j.failed
	j.pending = nil
	if j.failed == nil {
		j.failed = ErrClosed
	}
	j.mu.Unlock()
	var err error
	if failed == nil && last > j.durable.Load() {
		if _, err = j.file.Write(batch); err == nil {
			err = j.sync(j.file)
		}
		if err != nil {
			err = fmt.Errorf("simkit: ledger %s: %w", j.path, err)
		} else {
			j.durable.Store(last) // the commands waiting for these may answer
		}
	}
	if closeErr := j.file.Close(); closeErr != nil && err == nil {
		err = fmt.Errorf("simkit: close ledger %s: %w", j.path, closeErr)
	}
	return err
}

// replayed is what replay found in a ledger file.
type replayed struct {
	records uint64 // records replayed, the header included
	hashKey []byte
	// valid is the length of the file's valid records: what precedes the
	// torn line, or the whole file.
	valid int
	torn  *tornLine
}

// tornLine is a last line that does not decode, left by a crash mid-write.
type tornLine struct {
	line  int
	bytes int
}

// replay rebuilds l from the ledger file's content data. Only the last line
// may be torn; any other line that is not a valid record, in itself or as
// the successor of the records before it, makes replay fail.
func replay(l *Ledger, data []byte, path string) (replayed, error) {
	var r replayed
	var seq int64
	for pos, lineNo := 0, 1; pos < len(data); lineNo++ {
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			// A record's line ends with its newline: without one, the
			// record was never completely written.
			r.torn = &tornLine{line: lineNo, bytes: len(data) - pos}
			return r, nil
		}
		next := pos + end + 1
		rec, err := decodeRecord(data[pos : pos+end])
		if err != nil && next == len(data) {
			r.torn = &tornLine{line: lineNo, bytes: len(data) - pos}
			return r, nil
		}
		if err == nil {
			err = l.replayRecord(rec, &r, &seq)
		}
		if err != nil {
			return r, &CorruptLedgerError{Path: path, Line: lineNo, Err: err}
		}
		r.records, r.valid, pos = rec.N, next, next
	}
	return r, nil
}

// CorruptLedgerError reports a ledger file that cannot be replayed: a line
// other than the last is not a valid record. The simulator refuses to start
// on it rather than lose or invent money; the file needs a person.
type CorruptLedgerError struct {
	Path string
	Line int // 1-based
	Err  error
}

func (e *CorruptLedgerError) Error() string {
	return fmt.Sprintf("simkit: ledger %s is corrupt at line %d: %v (only a torn last line is tolerated)", e.Path, e.Line, e.Err)
}

func (e *CorruptLedgerError) Unwrap() error { return e.Err }

// decodeRecord decodes one line strictly: a field this version does not
// know is an error, not something to drop.
func decodeRecord(line []byte) (*record, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	rec := &record{}
	if err := dec.Decode(rec); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value on the line")
	}
	return rec, nil
}

// replayRecord checks rec against the records before it and applies it.
func (l *Ledger) replayRecord(rec *record, r *replayed, seq *int64) error {
	if rec.N != r.records+1 {
		return fmt.Errorf("record number %d follows %d: a record is missing, repeated or out of order", rec.N, r.records)
	}
	if rec.Op == opHeader || r.records == 0 {
		return replayHeader(rec, r)
	}
	if rec.Seq < *seq {
		return fmt.Errorf("record %d: id sequence %d goes back from %d", rec.N, rec.Seq, *seq)
	}
	if err := checkRecordShape(rec); err != nil {
		return fmt.Errorf("record %d (%s): %w", rec.N, rec.Op, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if rf := rec.Refund; rf != nil && rf.Succeeded() && rec.Payment == nil && l.payments[rf.PaymentRequestID] == nil {
		return fmt.Errorf("record %d: successful refund %s of unknown payment %s", rec.N, rf.RequestID, rf.PaymentRequestID)
	}
	if rec.Payment != nil {
		l.putPaymentLocked(rec.Payment)
	}
	if rec.Refund != nil {
		l.putRefundLocked(rec.Refund)
	}
	l.sequence, *seq = rec.Seq, rec.Seq
	return nil
}

func replayHeader(rec *record, r *replayed) error {
	switch {
	case rec.Op != opHeader:
		return fmt.Errorf("the first record is %q, want the header", rec.Op)
	case r.records != 0:
		return fmt.Errorf("record %d is a second header", rec.N)
	case rec.Version != journalVersion:
		return fmt.Errorf("ledger file version %d, this simulator reads version %d (version 1 files predate simkit: start a new file)", rec.Version, journalVersion)
	}
	key, err := hex.DecodeString(rec.HashKey)
	if err != nil || len(key) != 32 {
		return errors.New("header: hashKey is not 32 bytes of hex")
	}
	r.hashKey = key
	return nil
}

// checkRecordShape checks that a command record holds what its operation
// changes and that its entries are plausible.
func checkRecordShape(rec *record) error {
	switch rec.Op {
	case opPay, opSettle, opInquire, opCancel, opOrder, opScan, opExpire:
		if rec.Payment == nil || rec.Refund != nil {
			return errors.New("want a payment and no refund")
		}
	case opRefund:
		if rec.Refund == nil {
			return errors.New("want a refund")
		}
	default:
		return fmt.Errorf("unknown operation %q", rec.Op)
	}
	if p := rec.Payment; p != nil {
		if err := checkPaymentShape(p); err != nil {
			return err
		}
	}
	if rf := rec.Refund; rf != nil {
		switch {
		case !validID(rf.RequestID) || !validID(rf.PaymentRequestID):
			return errors.New("refund without valid request ids")
		case rf.MinorUnits < 0:
			return fmt.Errorf("refund %s: a negative amount", rf.RequestID)
		case rec.Payment != nil && rec.Payment.RequestID != rf.PaymentRequestID:
			return fmt.Errorf("refund %s of payment %s recorded with payment %s", rf.RequestID, rf.PaymentRequestID, rec.Payment.RequestID)
		}
	}
	return nil
}

func checkPaymentShape(p *Payment) error {
	switch {
	case !validID(p.RequestID):
		return errors.New("payment without a valid requestId")
	case !knownStatus(p.Status):
		return fmt.Errorf("payment %s: unknown status %q", p.RequestID, p.Status)
	case p.MinorUnits < 0 || p.MerchantMinorUnits < 0 || p.Charges < 0 || p.Reversed < 0 || p.Refunded < 0 ||
		p.PayCalls < 0 || p.Inquiries < 0 || p.PaysAtInquiry < 0:
		return fmt.Errorf("payment %s: a negative amount or count", p.RequestID)
	case (p.Status == StatusAwaitingCustomer || p.Status == StatusExpired) && p.OrderToken == "":
		return fmt.Errorf("payment %s: %s but not an order", p.RequestID, p.Status)
	case p.Status == StatusAwaitingCustomer && p.ExpiresAt.IsZero():
		return fmt.Errorf("order %s: awaiting the customer without an expiry", p.RequestID)
	}
	return nil
}

// maxIDLength bounds the request ids a record may hold: partners' ids are
// at most 64 to 100 characters; longer is a damaged file.
const maxIDLength = 256

func validID(id string) bool {
	return id != "" && len(id) <= maxIDLength
}

func warnTorn(log *slog.Logger, path string, torn *tornLine) {
	log.Warn("simkit: ledger: ignoring a torn last line, left by a crash while it was written",
		"path", path, "line", torn.line, "bytes", torn.bytes)
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
