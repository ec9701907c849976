package wallclock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/wallclock"
)

func TestInstant(t *testing.T) {
	cases := []struct {
		name, zone, wall, want string // want in UTC
	}{
		{"an ordinary winter time", "America/New_York", "2026-01-15 09:30:00", "2026-01-15T14:30:00Z"},
		{"an ordinary summer time", "America/New_York", "2026-07-15 09:30:00", "2026-07-15T13:30:00Z"},
		{"the spring-forward gap moves forward by the gap", "America/New_York", "2026-03-08 02:30:00", "2026-03-08T07:30:00Z"},
		{"the gap's first minute", "America/New_York", "2026-03-08 02:00:00", "2026-03-08T07:00:00Z"},
		{"just before the gap", "America/New_York", "2026-03-08 01:59:00", "2026-03-08T06:59:00Z"},
		{"just after the gap", "America/New_York", "2026-03-08 03:00:00", "2026-03-08T07:00:00Z"},
		{"the repeated hour is its first occurrence", "America/New_York", "2026-11-01 01:30:00", "2026-11-01T05:30:00Z"},
		{"after the repeated hour", "America/New_York", "2026-11-01 02:30:00", "2026-11-01T07:30:00Z"},
		{"a half-hour change (gap)", "Australia/Lord_Howe", "2026-10-04 02:15:00", "2026-10-03T15:45:00Z"},
		{"a half-hour change (repeated)", "Australia/Lord_Howe", "2026-04-05 01:45:00", "2026-04-04T14:45:00Z"},
		{"southern hemisphere gap", "Australia/Sydney", "2026-10-04 02:30:00", "2026-10-03T16:30:00Z"},
		{"a zone without daylight time", "America/Phoenix", "2026-03-08 02:30:00", "2026-03-08T09:30:00Z"},
		{"UTC", "UTC", "2026-03-08 02:30:00", "2026-03-08T02:30:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc, err := time.LoadLocation(c.zone)
			require.NoError(t, err)
			naive, err := time.Parse(time.DateTime, c.wall)
			require.NoError(t, err)
			got := wallclock.Instant(naive, loc)
			assert.Equal(t, c.want, got.UTC().Format(time.RFC3339))
			assert.Equal(t, loc, got.Location())
		})
	}
}

// The naive value's own location is ignored: only its fields count.
func TestInstantReadsTheFieldsOnly(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	a := wallclock.Instant(time.Date(2026, 3, 8, 2, 30, 0, 5, time.UTC), ny)
	b := wallclock.Instant(time.Date(2026, 3, 8, 2, 30, 0, 5, time.FixedZone("X", 3600)), ny)
	assert.True(t, a.Equal(b))
	assert.Equal(t, 5, a.Nanosecond())
}
