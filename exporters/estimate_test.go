package exporters

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func TestEstimateArithmetic(t *testing.T) {
	plan := func() []TableEstimate {
		return []TableEstimate{
			{Table: "x.company", Records: 2, Calls: 2},
			{Table: "x.person", Records: 1000, Calls: 7},
			{Table: "x.perio", Records: 0, Calls: 0},
		}
	}
	t.Run("at a rate limit, every call costs one interval", func(t *testing.T) {
		p := Pace{CallEvery: 600 * time.Millisecond, Limit: "100 calls per 1m0s", FixedCalls: 5}
		est := p.Estimate(plan(), MeasuredPace{})
		assert.Equal(t, 14, est.Calls)
		assert.InDelta(t, 14*0.6, est.Seconds, 1e-9)
		assert.InDelta(t, 7*0.6, est.Tables[1].Seconds, 1e-9)
		assert.InDelta(t, 1000/(7*0.6), est.Tables[1].RecordsPerSecond, 1e-9)
		assert.Zero(t, est.Tables[2].Seconds)
		assert.Contains(t, est.Basis, "100 calls per 1m0s")
		assert.Empty(t, est.Caveat)
	})
	t.Run("measured rates, a table the measured push did not send at its overall rate", func(t *testing.T) {
		p := Pace{DefaultPerSecond: 150, DefaultWhy: "a stated figure"}
		m := MeasuredPace{Run: 7, PerSecond: map[string]float64{"x.company": 4}, Overall: 250}
		est := p.Estimate(plan(), m)
		assert.InDelta(t, 2.0/4+1000.0/250, est.Seconds, 1e-9)
		assert.True(t, est.Tables[0].Measured)
		assert.False(t, est.Tables[1].Measured)
		assert.Equal(t, 250.0, est.Tables[1].RecordsPerSecond)
		assert.Equal(t, int64(7), est.MeasuredRun)
		assert.Contains(t, est.Caveat, "x.person")
		assert.NotContains(t, est.Caveat, "x.perio", "a table with nothing to send needs no caveat")
	})
	t.Run("no earlier push: the default rate, said to be rough", func(t *testing.T) {
		p := Pace{DefaultPerSecond: 150, DefaultWhy: "a stated figure"}
		est := p.Estimate(plan(), MeasuredPace{})
		assert.InDelta(t, 1002.0/150, est.Seconds, 1e-9)
		assert.Contains(t, est.Basis, "150 records a second (a default: a stated figure)")
		assert.Contains(t, est.Caveat, "no earlier push")
		assert.Zero(t, est.MeasuredRun)
	})
	t.Run("no rate at all: no duration, and the basis says so", func(t *testing.T) {
		est := Pace{}.Estimate(plan(), MeasuredPace{})
		assert.Zero(t, est.Seconds)
		assert.Contains(t, est.Basis, "no rate")
	})
}

func TestMeasuredRates(t *testing.T) {
	t.Run("a table prepared ahead starts when the one before it ends", func(t *testing.T) {
		per, overall := rates([]tableSpan{
			{table: "b", records: 100, first: 1_500, last: 3_000},
			{table: "a", records: 200, first: 0, last: 2_000},
		})
		assert.InDelta(t, 100.0, per["a"], 1e-9) // 200 in 2 s
		assert.InDelta(t, 100.0, per["b"], 1e-9) // 100 in 1 s, from a's end
		assert.InDelta(t, 100.0, overall, 1e-9)
	})
	t.Run("from the log: the newest push to the same target that finished in one go", func(t *testing.T) {
		wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
		require.NoError(t, err)
		t.Cleanup(func() { wh.Close() })
		db := wh.DB()
		t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		run := func(id int64, target, status string, resumes int) {
			_, err := db.Exec(`INSERT INTO meta.push_run (run_id, destination, mode, target, status, started_at, resumes) VALUES (?, 'odoo', 'push', ?, ?, ?, ?)`,
				id, target, status, t0, resumes)
			require.NoError(t, err)
		}
		entry := func(id int64, table, action string, n int, at time.Duration) {
			for i := range n {
				_, err := db.Exec(`INSERT INTO meta.push_record (run_id, destination, object, table_name, dest_id, action, logged_at) VALUES (?, 'odoo', 'm', ?, ?, ?, ?)`,
					id, table, table+string(rune('a'+i)), action, t0.Add(at))
				require.NoError(t, err)
			}
		}
		run(1, "https://erp.example.edu db", "finished", 0)
		entry(1, "odoo.res_partner", "pending", 4, 0)
		entry(1, "odoo.res_partner", "create", 4, 2*time.Second)
		entry(1, "odoo.account_move", "pending", 3, time.Second) // prepared while res_partner was sent
		entry(1, "odoo.account_move", "create", 3, 5*time.Second)
		run(2, "https://erp.example.edu db", "finished", 1) // resumed: its times span the interruption
		entry(2, "odoo.res_partner", "pending", 4, 0)
		entry(2, "odoo.res_partner", "update", 4, time.Hour)
		run(3, "https://other.example.edu db", "finished", 0)
		entry(3, "odoo.res_partner", "pending", 1, 0)
		entry(3, "odoo.res_partner", "create", 1, time.Second)
		run(4, "https://erp.example.edu db", "failed", 0)
		entry(4, "odoo.res_partner", "pending", 1, 0)
		entry(4, "odoo.res_partner", "create", 1, time.Second)

		m, err := Measure(context.Background(), db, "odoo", "https://erp.example.edu db")
		require.NoError(t, err)
		assert.Equal(t, int64(1), m.Run)
		assert.InDelta(t, 2.0, m.PerSecond["odoo.res_partner"], 1e-9)  // 4 in 2 s
		assert.InDelta(t, 1.0, m.PerSecond["odoo.account_move"], 1e-9) // 3 in 3 s, from the partners' end
		assert.InDelta(t, 7.0/5, m.Overall, 1e-9)

		none, err := Measure(context.Background(), db, "odoo", "https://new.example.edu db")
		require.NoError(t, err)
		assert.Zero(t, none.Run)
	})
}

func TestProgressLine(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	// Two tables of 1,000 rows: the log holds 400 of the second's.
	tr := newTracker([]string{"person", "note"}, []int{1000, 1000}, []int{0, 400}, nil)
	assert.Contains(t, tr.status(t0), "not known until the first records are answered")

	// Half of the first table read: 400 of its 500 rows to send (100
	// unchanged), 300 answered in 3 s.
	tr.page(0, 500, 400, 0, 100, t0)
	tr.answered(0, 300)
	// Expected: person 400 + 500 × 0.8 = 800; note 600 new + 400 × 0 changed.
	assert.InDelta(t, 800, tr.expected(0), 1e-9)
	assert.InDelta(t, 600, tr.expected(1), 1e-9)
	line := tr.status(t0.Add(3 * time.Second))
	assert.Contains(t, line, "300 of about 1400 records sent (21%)")
	assert.Contains(t, line, "100 records/s")
	assert.Contains(t, line, "about 11s left") // 1,100 left at 100 a second
	assert.Contains(t, line, "now person: 300 of about 800")

	t.Run("once every record is sent the line says what was sent and how long the end takes", func(t *testing.T) {
		tr := newTracker([]string{"crm.lead"}, []int{500}, []int{0}, nil)
		tr.page(0, 500, 500, 0, 0, t0)
		tr.answered(0, 500)
		tr.allSent(t0.Add(5 * time.Second))
		line := tr.status(t0.Add(3*time.Minute + 5*time.Second))
		assert.Equal(t, "progress: all 500 records sent in 5s (100 records/s); finishing the push, 3m00s so far", line)

		none := newTracker([]string{"crm.lead"}, []int{500}, []int{500}, nil)
		none.page(0, 500, 0, 0, 500, t0)
		none.allSent(t0)
		assert.Equal(t, "progress: no records to send; finishing the push, 20s so far", none.status(t0.Add(20*time.Second)))
	})

	t.Run("a table that costs more a record weighs more", func(t *testing.T) {
		tr := newTracker([]string{"res.partner", "account.payment"}, []int{100, 100}, []int{0, 0}, []float64{0.01, 0.1})
		tr.page(0, 100, 100, 0, 0, t0)
		tr.answered(0, 100) // 1 s for 100 at 0.01: as planned
		assert.Contains(t, tr.status(t0.Add(time.Second)), "about 10s left")
	})

	t.Run("the table sent now goes at its own pace once it has gone a while", func(t *testing.T) {
		// Nothing measured before: both tables cost one. The first went at
		// 100 a second, the second at 10.
		tr := newTracker([]string{"x_perio_record", "account.payment"}, []int{1000, 1000}, []int{0, 0}, nil)
		tr.page(0, 1000, 1000, 0, 0, t0)
		tr.answered(0, 1000)
		tr.page(1, 1000, 1000, 0, 0, t0.Add(10*time.Second))
		tr.answered(1, 100)
		// 10 s into the payments: too early for their own pace, the
		// push's average (1,100 in 20 s) gives 900 left 16 s.
		assert.Contains(t, tr.status(t0.Add(20*time.Second)), "about 16s left")
		tr.answered(1, 200)
		// 30 s into them, 300 sent: 700 left at 10 a second.
		assert.Contains(t, tr.status(t0.Add(40*time.Second)), "about 1m10s left")
	})
}

func TestFormatSeconds(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want string
	}{{0, "0s"}, {0.4, "under 1s"}, {45, "45s"}, {750, "12m30s"}, {3*3600 + 5*60, "3h05m"}, {52 * 3600, "2d04h"}} {
		assert.Equal(t, tc.want, FormatSeconds(tc.s), "%v", tc.s)
	}
}
