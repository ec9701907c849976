// Package wallclock turns a naive timestamp, as axiUm records it (the
// clinic's wall clock, no zone), into an instant. Every destination uses
// it, so the same row lands at the same instant in every CRM.
//
// The rule, for the two wall times a daylight-saving change makes odd
// (PostgreSQL's and java.time's; Go's time.Date leaves both unspecified):
//   - a wall time that does not exist (the spring-forward gap, 02:30 on
//     2026-03-08 in America/New_York) moves forward by the length of the
//     gap: 03:30 daylight time, 07:30 UTC, the time a clock not yet set
//     forward would have shown;
//   - a wall time that occurs twice (fall back, 01:30 on 2026-11-01) is
//     the first occurrence, daylight time: 01:30 EDT, 05:30 UTC.
package wallclock

import "time"

// Instant is the instant the clock of loc showed naive's wall time (its
// fields are read whatever its own location), by the package's rule.
func Instant(naive time.Time, loc *time.Location) time.Time {
	wall := time.Date(naive.Year(), naive.Month(), naive.Day(), naive.Hour(), naive.Minute(), naive.Second(),
		naive.Nanosecond(), time.UTC)
	// A wall time has at most two readings: the offsets in force a day
	// either side of it (zones do not change twice within a day).
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	_, after := wall.Add(24 * time.Hour).In(loc).Zone()
	var first time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(loc).Zone(); o == off && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if first.IsZero() {
		// In the gap: read with the offset in force before it, which moves
		// the wall time forward by the gap.
		first = wall.Add(-time.Duration(before) * time.Second)
	}
	return first.In(loc)
}
