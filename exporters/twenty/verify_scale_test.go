package twenty

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// tamperTwenty edits a patient's field, destroys a task and adds a note
// target linked to a migrated patient, as TestVerifyFindsTampering does.
func tamperTwenty(t *testing.T, rw *realWarehouse, c *Client) (patient, task, extra string) {
	t.Helper()
	ctx := context.Background()
	var note string
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.person WHERE _source_object = 'patient'`).Scan(&patient))
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.task`).Scan(&task))
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.note`).Scan(&note))
	require.NoError(t, c.Patch(ctx, "people", patient, Record{"city": "Edited in Twenty"}))
	found, err := c.Destroy(ctx, "tasks", task)
	require.NoError(t, err)
	require.True(t, found)
	extra = uuid.NewString()
	_, err = c.Upsert(ctx, "noteTargets", []Record{{"id": extra, "noteId": note, "personId": patient}})
	require.NoError(t, err)
	return patient, task, extra
}

// reads counts the calls the server admitted while f ran.
func reads(srv *twentytest.Server, f func()) int {
	before := srv.Stats().Calls
	f()
	return srv.Stats().Calls - before
}

// TestVerifyByListPages verifies the same tampered workspace by id
// batches (the way verify read before) and by list pages: the reports are
// the same, three differences, and list pages cost the server fewer
// reads. A verify with Counts finds the destroyed task and the added note
// target by their counts alone, in one call an object. The same holds
// against a test server that keeps its records compact (what the school-
// sized benchmarks use).
func TestVerifyByListPages(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			opt := twentytest.Options{RateLimit: -1, Version: twentytest.V1, Compact: compact}
			if compact {
				opt.ChunkDir = t.TempDir()
			}
			verifyByListPages(t, twentytest.New(t, opt))
		})
	}
}

func verifyByListPages(t *testing.T, srv *twentytest.Server) {
	ctx := context.Background()
	rw := buildReal(t, 15, 5)
	_, err := Push(ctx, rw.wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	c, _ := testClient(t, srv, nil)
	_, task, extra := tamperTwenty(t, rw, c)

	run := func(byIDs bool, counts bool) (VerifyReport, int) {
		old := verifyByIDs
		verifyByIDs = byIDs
		defer func() { verifyByIDs = old }()
		var rep VerifyReport
		n := reads(srv, func() {
			o := verifyOpts(t, rw, c)
			o.Counts = counts
			rep, err = Verify(ctx, rw.wh.DB(), o)
			require.NoError(t, err)
		})
		return rep, n
	}
	byIDs, before := run(true, false)
	byList, after := run(false, false)
	t.Logf("full verify, calls at the server: %d by id batches, %d by list pages", before, after)
	assert.Equal(t, byIDs.Objects, byList.Objects, "the same result either way")
	assert.Equal(t, 3, byList.Differences())
	assert.Less(t, after, before, "list pages cost fewer calls than id batches")
	assert.Equal(t, before, byIDs.ReadCalls, "the report counts every call the server saw")
	assert.Equal(t, after, byList.ReadCalls, "the report counts every call the server saw")
	assert.Equal(t, exporters.VerifyFull, byList.Mode)
	rows := tableRows(t, rw.wh)
	require.Len(t, byList.Counts, len(rows))
	for _, cnt := range byList.Counts {
		assert.Equal(t, rows[cnt.Object], cnt.Rows, cnt.Object)
		assert.Equal(t, cnt.Rows, cnt.Checked, "a full verify checks every row of %s", cnt.Object)
	}

	counts, calls := run(false, true)
	assert.Equal(t, exporters.VerifyCounts, counts.Mode)
	assert.LessOrEqual(t, calls, len(rows)+3, "one count an object, plus the workspace's objects and members")
	by := map[string]exporters.TableVerify{}
	for _, ov := range counts.Objects {
		by[ov.Object] = ov
	}
	assert.Equal(t, 1, by["task"].Missing, "the destroyed task %s, by count alone", task)
	assert.Equal(t, 1, by["noteTarget"].Extra, "the added note target %s, by count alone", extra)
	assert.Equal(t, 2, counts.Differences())
	for _, cnt := range counts.Counts {
		assert.Zero(t, cnt.Checked, "counts read no record")
	}
}

// TestVerifyListOrIDs: an object is read by list pages unless Twenty
// holds so many more of its records than the table that reading by id
// costs fewer calls.
func TestVerifyListOrIDs(t *testing.T) {
	cases := []struct {
		name               string
		rows, dest, people int
		links              int
		list               bool
	}{
		{"as many records as rows", 10000, 10000, 0, 0, true},
		{"a few records added in Twenty", 10000, 10050, 0, 0, false},
		{"linked to people: the id way lists them again", 10000, 10050, 2000, 1, true},
		{"a workspace mostly of other records", 1000, 100000, 2000, 1, false},
		{"empty: by id, no call", 0, 0, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := exporters.ObjectCount{Rows: tc.rows, Destination: tc.dest}
			assert.Equal(t, tc.list, listCalls(c) <= idCalls(c, tc.links, tc.people))
		})
	}
}

// TestVerifySample: a sample covers every object and every record type of
// each, in proportion, is the same on every run, says how much of each
// table it checked, and reads by id only the sampled records.
func TestVerifySample(t *testing.T) {
	ctx := context.Background()
	rw := buildReal(t, 15, 5)
	db := rw.wh.DB()
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Version: twentytest.V1})
	_, err := Push(ctx, db, pushOpts(t, srv, nil))
	require.NoError(t, err)
	c, _ := testClient(t, srv, nil)

	sample := func() VerifyReport {
		o := verifyOpts(t, rw, c)
		o.Sample = 40
		rep, err := Verify(ctx, db, o)
		require.NoError(t, err)
		return rep
	}
	rep := sample()
	assert.Equal(t, exporters.VerifySample, rep.Mode)
	assert.Zero(t, rep.Differences())

	// Every record type of every table, from the warehouse.
	want := map[string]map[string]int{} // table → record type → rows
	checked, total := 0, 0
	for _, cnt := range rep.Counts {
		table := cnt.Table[len("twenty."):]
		want[cnt.Object] = map[string]int{}
		r, err := db.Query(`SELECT coalesce(CAST(_source_object AS VARCHAR), ''), count(*) FROM twenty.` + warehouse.QuoteIdent(table) + ` GROUP BY 1`)
		require.NoError(t, err)
		for r.Next() {
			var typ string
			var n int
			require.NoError(t, r.Scan(&typ, &n))
			want[cnt.Object][typ] = n
		}
		require.NoError(t, r.Close())
		checked += cnt.Checked
		total += cnt.Rows
		assert.LessOrEqual(t, cnt.Checked, cnt.Rows)
	}
	require.Greater(t, total, 10*40, "the tables are much larger than the sample")
	got := map[string]map[string]int{}
	for _, s := range rep.Sample {
		assert.True(t, s.Found, s.ID)
		var typ string
		table := ""
		for _, cnt := range rep.Counts {
			if cnt.Object == s.Object {
				table = cnt.Table
			}
		}
		require.NoError(t, db.QueryRow(`SELECT coalesce(CAST(_source_object AS VARCHAR), '') FROM `+table+` WHERE id = ?`, s.ID).Scan(&typ))
		if got[s.Object] == nil {
			got[s.Object] = map[string]int{}
		}
		got[s.Object][typ]++
	}
	assert.Equal(t, checked, len(rep.Sample), "every checked record is shown")
	types := 0
	for obj, byType := range want {
		for typ, n := range byType {
			types++
			assert.GreaterOrEqual(t, got[obj][typ], 1, "%s %q is sampled", obj, typ)
			// In proportion: no more than its share of 40 rounded up, or one.
			assert.LessOrEqual(t, got[obj][typ], max(1, (40*n+total-1)/total), "%s %q", obj, typ)
		}
	}
	assert.LessOrEqual(t, checked, 40+types, "about 40, at least one a record type")
	assert.Less(t, checked, total)
	again := sample()
	assert.Equal(t, rep.Sample, again.Sample, "the sample is the same on every run")

	// Only the sampled records are read: one id batch per object.
	n := reads(srv, func() { sample() })
	assert.LessOrEqual(t, n, 2*len(rep.Counts)+3, "a count and one id batch an object")

	// A tampered record in the sample is found.
	var tampered string
	for _, s := range rep.Sample {
		if s.Object == "person" {
			tampered = s.ID
			break
		}
	}
	require.NotEmpty(t, tampered)
	require.NoError(t, c.Patch(ctx, "people", tampered, Record{"city": "Edited in Twenty"}))
	rep = sample()
	assert.Equal(t, 1, rep.Differences())
}
