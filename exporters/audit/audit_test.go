package audit_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func open(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh
}

func TestRunLifecycleAndResume(t *testing.T) {
	ctx := context.Background()
	db := open(t).DB()

	_, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty", Resume: true})
	require.ErrorIs(t, err, audit.ErrNothingToResume)

	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty", Target: "https://crm.example.org"})
	require.NoError(t, err)
	require.NoError(t, run.Log(ctx, []audit.Entry{
		{Object: "person", Table: "twenty.person", SourceKey: "1", DestID: "a", Action: audit.Create, PayloadHash: "h1"},
		{Object: "person", Table: "twenty.person", SourceKey: "2", DestID: "b", Action: audit.Fail, Reason: "duplicate email"},
	}))

	// Interrupted: the process died with the run still marked running.
	_, err = audit.Start(ctx, db, audit.RunOptions{Destination: "twenty"})
	var unf *audit.UnfinishedError
	require.ErrorAs(t, err, &unf)
	assert.Equal(t, run.ID, unf.RunID)
	assert.Contains(t, err.Error(), "--resume")

	// Another destination is not blocked.
	other, err := audit.Start(ctx, db, audit.RunOptions{Destination: "odoo"})
	require.NoError(t, err)
	require.NoError(t, other.Finish(ctx, nil))

	resumed, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty", Resume: true})
	require.NoError(t, err)
	assert.Equal(t, run.ID, resumed.ID)
	assert.True(t, resumed.Resumed)
	require.NoError(t, resumed.Log(ctx, []audit.Entry{
		{Object: "person", Table: "twenty.person", SourceKey: "2", DestID: "b", Action: audit.Create, PayloadHash: "h2"},
	}))
	require.NoError(t, resumed.Finish(ctx, nil))

	var status string
	var resumes int
	require.NoError(t, db.QueryRow("SELECT status, resumes FROM meta.push_run WHERE run_id = ?", run.ID).Scan(&status, &resumes))
	assert.Equal(t, "finished", status)
	assert.Equal(t, 1, resumes)

	next, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty"})
	require.NoError(t, err)
	assert.Greater(t, next.ID, run.ID)
	require.NoError(t, next.Finish(ctx, context.Canceled))
	require.NoError(t, db.QueryRow("SELECT status FROM meta.push_run WHERE run_id = ?", next.ID).Scan(&status))
	assert.Equal(t, "cancelled", status)

	sum, err := audit.Summary(ctx, db, run.ID)
	require.NoError(t, err)
	assert.Equal(t, []audit.Count{
		{Table: "twenty.person", Action: "create", Records: 2},
		{Table: "twenty.person", Action: "fail", Records: 1},
	}, sum)
}

func TestLastHashesFollowsNewestEntry(t *testing.T) {
	ctx := context.Background()
	db := open(t).DB()
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "odoo"})
	require.NoError(t, err)
	log := func(e audit.Entry) {
		e.Object, e.Table = "res.partner", "odoo.res_partner_patient"
		require.NoError(t, run.Log(ctx, []audit.Entry{e}))
	}
	log(audit.Entry{DestID: "axium.patient_1", DestDBID: 7, Action: audit.Create, PayloadHash: "v1"})
	log(audit.Entry{DestID: "axium.patient_1", DestDBID: 7, Action: audit.Update, PayloadHash: "v2"})
	log(audit.Entry{DestID: "axium.patient_2", DestDBID: 8, Action: audit.Create, PayloadHash: "w1"})
	log(audit.Entry{DestID: "axium.patient_2", DestDBID: 8, Action: audit.Delete})
	log(audit.Entry{DestID: "axium.patient_3", Action: audit.Fail, Reason: "ValidationError"})
	log(audit.Entry{DestID: "axium.patient_1", Action: audit.Skip, PayloadHash: "v2"})

	got, err := audit.LastHashes(ctx, db, "odoo", "odoo.res_partner_patient")
	require.NoError(t, err)
	assert.Equal(t, map[string]audit.Sent{"axium.patient_1": {PayloadHash: "v2", DBID: 7}}, got)

	other, err := audit.LastHashes(ctx, db, "twenty", "odoo.res_partner_patient")
	require.NoError(t, err)
	assert.Empty(t, other)

	err = run.Log(ctx, []audit.Entry{{Object: "x", Table: "t", DestID: "1", Action: "upsert"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown action")
}

func TestHashIsCanonical(t *testing.T) {
	a, err := audit.Hash(map[string]any{"b": 1, "a": "x"})
	require.NoError(t, err)
	b, err := audit.Hash(map[string]any{"a": "x", "b": 1})
	require.NoError(t, err)
	c, err := audit.Hash(map[string]any{"a": "y", "b": 1})
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	_, err = audit.Hash(map[string]any{"f": func() {}})
	assert.Error(t, err)
}

func TestLogManyEntriesInChunks(t *testing.T) {
	ctx := context.Background()
	db := open(t).DB()
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty"})
	require.NoError(t, err)
	var es []audit.Entry
	for i := range 1234 {
		es = append(es, audit.Entry{Object: "person", Table: "twenty.person", DestID: strconv.Itoa(i), Action: audit.Create, PayloadHash: "h"})
	}
	require.NoError(t, run.Log(ctx, es))
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM meta.push_record WHERE run_id = ?", run.ID).Scan(&n))
	assert.Equal(t, 1234, n)
}
