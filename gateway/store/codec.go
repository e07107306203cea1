package store

import (
	"errors"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/gateway/store/invariant"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Times are stored as integer Unix nanoseconds UTC: they sort and compare as
// integers in SQL (DueAttempts' next_action_at <= ?), and keep the full
// precision of a time.Time. Zero stands for the zero time.Time.

// checkTime reports a time that cannot be stored as nanoseconds.
func checkTime(field string, t time.Time) error { return invariant.CheckTime(field, t) }

func encodeTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func decodeTime(nanoseconds int64) time.Time {
	if nanoseconds == 0 {
		return time.Time{}
	}
	return time.Unix(0, nanoseconds).UTC()
}

// Merchant schemes are stored as one comma-separated column: scheme IDs are
// short names such as "alipayplus", and one column keeps a merchant one row.
// invariant.CheckMerchant refuses an ID that is empty or holds a comma.

func encodeSchemes(schemes []string) string { return strings.Join(schemes, ",") }

func decodeSchemes(column string) []string {
	if column == "" {
		return nil
	}
	return strings.Split(column, ",")
}

func encodeBool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// sqliteCode returns the extended result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	code := sqliteCode(err)
	return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKeyViolation reports a FOREIGN KEY constraint failure.
func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
