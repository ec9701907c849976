package odoo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// callsDuring counts the calls the server received while f ran.
func callsDuring(s *odootest.Server, f func()) int {
	before := len(s.Calls())
	f()
	return len(s.Calls()) - before
}

// TestVerifyCallsAndCounts verifies the same tampered database the way
// verify read before (external ids 1,000 a call, records 500 a call, every
// axium external id read again for extras) and the way it reads now
// (counts first, a page of 2,000 rows in two calls, extras looked for only
// where a count says so): the same three differences, fewer calls at the
// server. A verify with Counts finds the unlinked event and the added
// partner by their counts alone, one call a model.
func TestVerifyCallsAndCounts(t *testing.T) {
	ctx := context.Background()
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "jsonrpc")
	push, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	require.Empty(t, push.Failures)
	tp := tamper(t, c, f)

	// Pages of 50 rows, so that these tables (up to 456 rows) span
	// several pages as a school's span many of 2,000: the old way then
	// reads 12 records and 25 external ids a call, as 500 and 1,000 in
	// pages of 2,000.
	defer odoo.SetVerifyPageRows(50)()
	run := func(byIDs, counts bool) (*odoo.VerifyReport, int) {
		defer odoo.SetVerifyByIDs(byIDs)()
		var rep *odoo.VerifyReport
		n := callsDuring(s, func() {
			o := odoo.VerifyOptions{TimeZone: newYork, Counts: counts}
			rep, err = odoo.Verify(ctx, f.db, c, o)
			require.NoError(t, err)
		})
		return rep, n
	}
	old, before := run(true, false)
	now, after := run(false, false)
	t.Logf("full verify, calls at the server: %d the old way, %d now", before, after)
	assertTampering(t, f, old, tp)
	assertTampering(t, f, now, tp)
	assert.Equal(t, old.Tables, now.Tables, "the same report either way")
	assert.Less(t, after, before, "fewer calls than the old way")
	assert.Equal(t, after, now.ReadCalls, "the report counts every call the server saw")
	assert.Equal(t, exporters.VerifyFull, now.Mode)
	rows := f.rows(t)
	require.Len(t, now.Counts, len(rows), "one count a model")
	for _, cnt := range now.Counts {
		assert.Equal(t, rows[cnt.Object], cnt.Rows, cnt.Object)
		assert.Equal(t, cnt.Rows, cnt.Checked, "a full verify checks every row of %s", cnt.Object)
	}

	counts, calls := run(false, true)
	assert.Equal(t, exporters.VerifyCounts, counts.Mode)
	assert.Equal(t, len(rows), calls, "one call a model")
	by := map[string]odoo.TableVerify{}
	for _, tv := range counts.Tables {
		by[tv.Model] = tv
	}
	assert.Equal(t, 1, by["calendar.event"].Missing, "the unlinked event %s, by count alone", tp.deleted)
	assert.Equal(t, 1, by["res.partner"].Extra, "the partner %s added with an axium id, by count alone", tp.added)
	assert.Equal(t, 2, counts.Differences())
	for _, cnt := range counts.Counts {
		assert.Zero(t, cnt.Checked, "counts read no record")
	}
}

// TestVerifySample: a sample covers every table and every record type of
// each, in proportion, is the same on every run, says how much of each
// model it checked, and finds a tampered record it holds.
func TestVerifySample(t *testing.T) {
	ctx := context.Background()
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	push, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	require.Empty(t, push.Failures)

	const n = 40
	sample := func() *odoo.VerifyReport {
		o := verifyOpts()
		o.Sample = n
		rep, err := odoo.Verify(ctx, f.db, c, o)
		require.NoError(t, err)
		return rep
	}
	rep := sample()
	assert.Equal(t, exporters.VerifySample, rep.Mode)
	assert.Zero(t, rep.Differences(), describe(rep))

	want := map[string]map[string]int{} // table → record type → rows
	total := 0
	for _, tv := range rep.Tables {
		want[tv.Table] = map[string]int{}
		r, err := f.db.Query(`SELECT coalesce(CAST(_source_object AS VARCHAR), ''), count(*) FROM odoo.` + warehouse.QuoteIdent(tv.Table[len("odoo."):]) + ` GROUP BY 1`)
		require.NoError(t, err)
		for r.Next() {
			var typ string
			var k int
			require.NoError(t, r.Scan(&typ, &k))
			want[tv.Table][typ] = k
			total += k
		}
		require.NoError(t, r.Close())
	}
	require.Greater(t, total, 10*n, "the tables are much larger than the sample")
	got := map[string]map[string]int{}
	for _, sb := range rep.Sample {
		assert.True(t, sb.Found, sb.XID)
		for _, fp := range sb.Fields {
			assert.True(t, fp.Same, "%s %s: %q vs %q", sb.XID, fp.Field, fp.Source, fp.Destination)
		}
		var typ string
		require.NoError(t, f.db.QueryRow(`SELECT coalesce(CAST(_source_object AS VARCHAR), '') FROM `+sb.Table+` WHERE id = ?`, sb.XID).Scan(&typ))
		if got[sb.Table] == nil {
			got[sb.Table] = map[string]int{}
		}
		got[sb.Table][typ]++
	}
	types := 0
	for table, byType := range want {
		for typ, k := range byType {
			types++
			assert.GreaterOrEqual(t, got[table][typ], 1, "%s %q is sampled", table, typ)
			assert.LessOrEqual(t, got[table][typ], max(1, (n*k+total-1)/total), "%s %q in proportion", table, typ)
		}
	}
	checked, rows := 0, 0
	for _, cnt := range rep.Counts {
		checked += cnt.Checked
		rows += cnt.Rows
		assert.LessOrEqual(t, cnt.Checked, cnt.Rows, cnt.Object)
	}
	assert.Equal(t, len(rep.Sample), checked, "every checked record is shown")
	assert.Equal(t, total, rows)
	assert.LessOrEqual(t, checked, n+types, "about n, at least one a record type")
	assert.Equal(t, rep.Sample, sample().Sample, "the same sample on every run")

	// A tampered patient in the sample is found.
	var patient string
	for _, sb := range rep.Sample {
		if sb.Table == "odoo.res_partner_patient" {
			patient = sb.XID
			break
		}
	}
	require.NotEmpty(t, patient)
	_, err = c.Execute(ctx, "res.partner", "write", []any{[]any{xidID(t, c, patient)}, map[string]any{"city": "Tampered City"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, sample().Differences())
}
