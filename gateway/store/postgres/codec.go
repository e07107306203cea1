package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Times are timestamptz, which keeps microseconds: the store truncates the
// times it stamps itself to the microsecond, so that what a caller is
// handed equals what it reads back. A zero time.Time is stored as NULL,
// except a zero next action time, stored as -infinity (see the schema).

// stamp reads the clock as the journal will store it: UTC, whole
// microseconds, no monotonic reading.
func (s *Store) stamp() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

func encodeTime(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// encodeDue encodes a next action time: zero is -infinity, due at once.
func encodeDue(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// decodeTime turns NULL and ±infinity into the zero time, and any other
// time into UTC (pgx hands it in the local zone).
func decodeTime(t pgtype.Timestamptz) time.Time {
	if !t.Valid || t.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return t.Time.UTC()
}
