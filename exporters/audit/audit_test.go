package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
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

	// The per-page reads agree with the whole-table one, for their ids only.
	page, err := audit.LastHashesOf(ctx, db, "odoo", "odoo.res_partner_patient", []string{"axium.patient_1", "axium.patient_2", "axium.patient_9"})
	require.NoError(t, err)
	assert.Equal(t, got, page)
	page, err = audit.LastHashesOf(ctx, db, "odoo", "odoo.res_partner_patient", []string{"axium.patient_2", "axium.patient_3"})
	require.NoError(t, err)
	assert.Empty(t, page)
	held, err := audit.HeldCount(ctx, db, "odoo", "odoo.res_partner_patient")
	require.NoError(t, err)
	assert.Equal(t, 1, held)

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

// TestLogKeepsValuesExactly: entries travel to DuckDB as one JSON
// document, so text full of JSON and escapes must come back byte for byte,
// and empty values as NULL.
func TestLogKeepsValuesExactly(t *testing.T) {
	ctx := context.Background()
	db := open(t).DB()
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "odoo"})
	require.NoError(t, err)
	pre := "{\"name\":\"Latex, \\\"severe\\\"\\n\",\"n\":null,\"ü\":\"\u2028\"}"
	require.NoError(t, run.Log(ctx, []audit.Entry{
		{Object: "res.partner", Table: "odoo.t", SourceKey: "k|1", DestID: "axium.p_1", DestDBID: 42, Action: audit.Update,
			Reason: "it's \"quoted\"", PayloadHash: "h", PreImage: pre},
		{Object: "res.partner", Table: "odoo.t", DestID: "axium.p_2", Action: audit.Create},
		// A server's message with bytes that are not UTF-8 is kept as
		// encoding/json would keep it; DuckDB's text must be UTF-8.
		{Object: "res.partner", Table: "odoo.t", DestID: "axium.p_3", Action: audit.Fail, Reason: "bad \xff byte"},
	}))
	var bad string
	require.NoError(t, db.QueryRow(`SELECT reason FROM meta.push_record WHERE dest_id = 'axium.p_3'`).Scan(&bad))
	assert.Equal(t, "bad \uFFFD byte", bad)
	var key, reason, got string
	var dbid int64
	require.NoError(t, db.QueryRow(`SELECT source_key, dest_db_id, reason, pre_image FROM meta.push_record WHERE dest_id = 'axium.p_1'`).
		Scan(&key, &dbid, &reason, &got))
	assert.Equal(t, "k|1", key)
	assert.EqualValues(t, 42, dbid)
	assert.Equal(t, `it's "quoted"`, reason)
	assert.Equal(t, pre, got)
	var nulls int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM meta.push_record WHERE dest_id = 'axium.p_2'
		AND source_key IS NULL AND dest_db_id IS NULL AND reason IS NULL AND payload_hash IS NULL AND pre_image IS NULL`).Scan(&nulls))
	assert.Equal(t, 1, nulls)
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

func TestGoneAndUndoPlan(t *testing.T) {
	ctx := context.Background()
	db := open(t).DB()
	_, err := db.Exec("CREATE TABLE twenty.person AS SELECT * FROM (VALUES ('a'), ('c')) v(id)")
	require.NoError(t, err)
	push, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty"})
	require.NoError(t, err)
	require.NoError(t, push.Log(ctx, []audit.Entry{
		{Object: "person", Table: "twenty.person", SourceKey: "1", DestID: "a", Action: audit.Create, PayloadHash: "1"},
		{Object: "person", Table: "twenty.person", SourceKey: "2", DestID: "b", Action: audit.Create, PayloadHash: "2"},
		{Object: "person", Table: "twenty.person", SourceKey: "3", DestID: "c", Action: audit.Update, PayloadHash: "3", PreImage: `{"name":"old"}`},
		{Object: "person", Table: "twenty.person", SourceKey: "3", DestID: "c", Action: audit.Update, PayloadHash: "4", PreImage: `{"name":"between"}`},
		{Object: "person", Table: "twenty.person", SourceKey: "4", DestID: "d", Action: audit.Fail, Reason: "bad"},
	}))
	require.NoError(t, push.Finish(ctx, nil))

	gone, err := audit.Gone(ctx, db, "twenty", "twenty", "person", "id")
	require.NoError(t, err)
	assert.Equal(t, []audit.GoneRecord{{DestID: "b", SourceKey: "2"}}, gone, "b was pushed and is no longer in the table; d never landed")
	page, err := audit.GonePage(ctx, db, "twenty", "twenty", "person", "id", "", 1)
	require.NoError(t, err)
	assert.Equal(t, gone, page)
	page, err = audit.GonePage(ctx, db, "twenty", "twenty", "person", "id", "b", 1)
	require.NoError(t, err)
	assert.Empty(t, page, "the next page starts after the last id read")

	plan, err := audit.UndoPlan(ctx, db, push.ID)
	require.NoError(t, err)
	require.Len(t, plan["twenty.person"], 3)
	assert.Equal(t, audit.Undo{Table: "twenty.person", Object: "person", DestID: "c", Action: "update", PreImage: `{"name":"old"}`, SourceKey: "3"},
		plan["twenty.person"][2], "the first pre-image of the run is the state before it")

	// A rollback interrupted after undoing a: a re-run plans the rest only.
	rb, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty", Mode: "rollback", ParentRun: push.ID})
	require.NoError(t, err)
	require.NoError(t, rb.Log(ctx, []audit.Entry{{Object: "person", Table: "twenty.person", DestID: "a", Action: audit.Delete}}))
	plan, err = audit.UndoPlan(ctx, db, push.ID)
	require.NoError(t, err)
	require.Len(t, plan["twenty.person"], 2)
	assert.Equal(t, "b", plan["twenty.person"][0].DestID)

	_, err = audit.UndoPlan(ctx, db, rb.ID)
	assert.ErrorContains(t, err, "not a push")
	_, err = audit.UndoPlan(ctx, db, 999)
	assert.ErrorContains(t, err, "no such run")
}

// TestWriterLosesNothing queues entries from several goroutines, cancels
// the run's context half-way, and finds every entry queued in the log once
// the writer is closed; a second run's writer stops at the first failed
// insert and says so.
func TestWriterLosesNothing(t *testing.T) {
	db := open(t).DB()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty"})
	require.NoError(t, err)
	w := run.Writer(ctx)
	const senders, each = 4, 300
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if s == 0 && i == each/2 {
					cancel()
				}
				id := fmt.Sprintf("%d-%d", s, i)
				assert.NoError(t, w.Log([]audit.Entry{{Object: "person", Table: "twenty.person", DestID: id, Action: audit.Create}}))
			}
		}()
	}
	wg.Wait()
	require.Error(t, ctx.Err())
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "closing twice is harmless")
	assert.ErrorIs(t, w.Log([]audit.Entry{{Object: "person", Table: "twenty.person", DestID: "late", Action: audit.Create}}), audit.ErrWriterClosed)
	var n, distinct int
	require.NoError(t, db.QueryRow("SELECT count(*), count(DISTINCT dest_id) FROM meta.push_record WHERE run_id = ?", run.ID).Scan(&n, &distinct))
	assert.Equal(t, senders*each, n)
	assert.Equal(t, senders*each, distinct)

	t.Run("flush makes entries durable before it returns", func(t *testing.T) {
		w := run.Writer(context.Background())
		defer w.Close()
		require.NoError(t, w.Log([]audit.Entry{{Object: "person", Table: "twenty.person", DestID: "flushed", Action: audit.Pending, PreImage: "{}"}}))
		require.NoError(t, w.Flush())
		var got int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM meta.push_record WHERE dest_id = 'flushed'").Scan(&got))
		assert.Equal(t, 1, got)
	})
	t.Run("an insert error stops the writer", func(t *testing.T) {
		w := run.Writer(context.Background())
		_, err := db.Exec("ALTER TABLE meta.push_record RENAME TO push_record_away")
		require.NoError(t, err)
		require.NoError(t, w.Log([]audit.Entry{{Object: "person", Table: "twenty.person", DestID: "x", Action: audit.Create}}))
		assert.Error(t, w.Flush())
		assert.Error(t, w.Log([]audit.Entry{{Object: "person", Table: "twenty.person", DestID: "y", Action: audit.Create}}))
		assert.Error(t, w.Close())
		_, err = db.Exec("ALTER TABLE meta.push_record_away RENAME TO push_record")
		require.NoError(t, err)
	})
}

// TestPendingPreImages: a pre-image logged as pending stays pending until
// an entry of the same run acknowledges the record; an unresolved one is
// what a rollback restores.
func TestPendingPreImages(t *testing.T) {
	ctx := context.Background()
	db := open(t).DB()
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty"})
	require.NoError(t, err)
	e := func(id, action, pre string) audit.Entry {
		return audit.Entry{Object: "person", Table: "twenty.person", DestID: id, Action: action, PreImage: pre, PayloadHash: "h"}
	}
	require.NoError(t, run.Log(ctx, []audit.Entry{
		e("a", audit.Pending, `{"name":"a0"}`), e("b", audit.Pending, `{"name":"b0"}`), e("c", audit.Pending, `{"name":"c0"}`),
		e("a", audit.Update, `{"name":"a0"}`), e("c", audit.Fail, ""),
	}))
	// b written twice by an attempt and its resume: the first is the truth.
	require.NoError(t, run.Log(ctx, []audit.Entry{e("b", audit.Pending, `{"name":"b-after-write"}`)}))
	got, err := audit.PendingPreImages(ctx, db, run.ID, "twenty.person")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"b": `{"name":"b0"}`}, got)
	other, err := audit.PendingPreImages(ctx, db, run.ID, "twenty.company")
	require.NoError(t, err)
	assert.Empty(t, other)

	require.NoError(t, run.Finish(ctx, context.Canceled))
	plan, err := audit.UndoPlan(ctx, db, run.ID)
	require.NoError(t, err)
	var acts []string
	for _, u := range plan["twenty.person"] {
		acts = append(acts, u.DestID+":"+u.Action+":"+u.PreImage)
	}
	assert.Equal(t, []string{`a:update:{"name":"a0"}`, `b:update:{"name":"b0"}`}, acts)
}

func TestInterruptedVerifyDoesNotBlock(t *testing.T) {
	ctx := context.Background()
	db := open(t).DB()
	v1, err := audit.Start(ctx, db, audit.RunOptions{Destination: "odoo", Mode: "verify"})
	require.NoError(t, err)
	// v1 dies without Finish; a new verify starts anyway.
	v2, err := audit.Start(ctx, db, audit.RunOptions{Destination: "odoo", Mode: "verify"})
	require.NoError(t, err)
	assert.NotEqual(t, v1.ID, v2.ID)
	var status string
	require.NoError(t, db.QueryRow("SELECT status FROM meta.push_run WHERE run_id = ?", v1.ID).Scan(&status))
	assert.Equal(t, "abandoned", status)
	// A push interrupted the same way still blocks.
	_, err = audit.Start(ctx, db, audit.RunOptions{Destination: "odoo"})
	require.NoError(t, err)
	_, err = audit.Start(ctx, db, audit.RunOptions{Destination: "odoo"})
	var unf *audit.UnfinishedError
	require.ErrorAs(t, err, &unf)
}
