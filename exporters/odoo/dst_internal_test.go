package odoo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty"
)

// The two wall times a daylight-saving change makes odd land at the same
// instant in both CRMs: the spring-forward gap moved forward by the gap,
// the repeated fall-back hour at its first (daylight) occurrence.
func TestDaylightSavingSameInstantInBothCRMs(t *testing.T) {
	const zone = "America/New_York"
	ny, err := time.LoadLocation(zone)
	require.NoError(t, err)
	m, err := twenty.NewMapper(zone)
	require.NoError(t, err)
	cases := []struct{ wall, want string }{
		{"2026-03-08 02:30:00", "2026-03-08 07:30:00"}, // 03:30 EDT
		{"2026-11-01 01:30:00", "2026-11-01 05:30:00"}, // 01:30 EDT
		{"2026-06-30 09:15:00", "2026-06-30 13:15:00"},
	}
	for _, c := range cases {
		t.Run(c.wall, func(t *testing.T) {
			// The driver returns a naive TIMESTAMP as UTC fields.
			naive, err := time.Parse(time.DateTime, c.wall)
			require.NoError(t, err)

			viaTwenty, err := m.Value(naive, "TIMESTAMP")
			require.NoError(t, err)
			tw, err := time.Parse(time.RFC3339Nano, viaTwenty.(string))
			require.NoError(t, err)

			viaLoad, err := importText(naive, "TIMESTAMP", time.UTC, ny) // push: load over RPC in UTC
			require.NoError(t, err)
			viaAPI, err := formatTime(naive, "TIMESTAMP", ny) // values written through create/write
			require.NoError(t, err)

			assert.Equal(t, c.want, tw.UTC().Format(time.DateTime), "Twenty")
			assert.Equal(t, c.want, viaLoad, "Odoo load")
			assert.Equal(t, c.want, viaAPI, "Odoo API value")
		})
	}
}
