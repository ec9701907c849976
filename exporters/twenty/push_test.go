package twenty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// tableRows counts the rows of every table of the object plan.
func tableRows(t *testing.T, wh *warehouse.Warehouse) map[string]int {
	t.Helper()
	plan, err := ReadPlan(context.Background(), wh.DB())
	require.NoError(t, err)
	out := map[string]int{}
	// Workspace members are never written: users join by invitation.
	for _, o := range withoutMembers(plan).Objects {
		var n int
		require.NoError(t, wh.DB().QueryRow("SELECT count(*) FROM twenty."+warehouse.QuoteIdent(o.Table)).Scan(&n))
		out[o.NameSingular] = n
	}
	return out
}

func serverCounts(srv *twentytest.Server, objects map[string]int) map[string]int {
	out := map[string]int{}
	for o := range objects {
		out[o] = srv.Count(o)
	}
	return out
}

func pushOpts(t *testing.T, srv *twentytest.Server, mod func(*Config)) PushOptions {
	c, _ := testClient(t, srv, mod)
	m, err := NewMapper("America/New_York")
	require.NoError(t, err)
	return PushOptions{Client: c, Mapper: m, Args: "push twenty"}
}

func auditCounts(t *testing.T, wh *warehouse.Warehouse, runID int64) map[string]int64 {
	t.Helper()
	sum, err := audit.Summary(context.Background(), wh.DB(), runID)
	require.NoError(t, err)
	out := map[string]int64{}
	for _, c := range sum {
		if c.Table == SchemaObjectsTable || c.Table == SchemaFieldsTable {
			continue // data-model changes, not records
		}
		out[c.Action] += c.Records
	}
	return out
}

func TestPushCreatesOneRecordPerRowThenNothing(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 230, Files: 3})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	ctx := context.Background()
	want := tableRows(t, wh)

	rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	assert.Empty(t, rep.Failures)
	assert.Equal(t, want, serverCounts(srv, want), "one destination record per table row")
	stats := srv.Stats()
	for o, n := range want {
		assert.Equal(t, n, stats.Created[o], "created %s", o)
		assert.Zero(t, stats.Updated[o], "updated %s", o)
	}
	for _, n := range stats.BatchSizes {
		assert.LessOrEqual(t, n, MaxBatch)
	}
	assert.Equal(t, 3, stats.Uploads)

	perio, ok := srv.Object("perioRecord")
	require.True(t, ok, "custom object created")
	assert.True(t, perio.IsCustom)
	kinds := map[string]int{}
	for _, a := range rep.Schema {
		kinds[a.Kind]++
	}
	assert.Equal(t, 1, kinds["create object"])
	assert.Positive(t, kinds["create field"])

	// Spot-check one person and one attachment as stored.
	m, _ := NewMapper("America/New_York")
	rows, err := m.ReadTable(ctx, wh.DB(), "person", nil)
	require.NoError(t, err)
	rec, ok := srv.Record("person", rows[0].ID)
	require.True(t, ok)
	assert.Equal(t, rows[0].Payload["patientSince"], rec["patientSince"])
	assert.Equal(t, rows[0].Payload["emails"].(map[string]any)["primaryEmail"], rec["emails"].(map[string]any)["primaryEmail"])
	for _, a := range srv.Records("attachment") {
		data, ok := storedFile(srv, a)
		require.True(t, ok)
		assert.True(t, strings.HasPrefix(string(data), "%PDF-1.4 consent form"))
	}
	assert.EqualValues(t, totalRows(want), auditCounts(t, wh, rep.RunID)["create"], "every record sent is logged")

	// Again: nothing is created or updated, everything is logged as skipped.
	before := srv.Stats()
	rep2, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	after := srv.Stats()
	assert.Equal(t, before.Created, after.Created)
	assert.Equal(t, before.Updated, after.Updated)
	assert.Equal(t, len(before.BatchSizes), len(after.BatchSizes), "no batch call")
	assert.Empty(t, rep2.Schema)
	var members int
	require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM twenty.workspace_member`).Scan(&members))
	assert.EqualValues(t, totalRows(want)+members, auditCounts(t, wh, rep2.RunID)["skip"], "every record, and every member row (never written)")

	// A changed row is updated, and only it.
	_, err = wh.DB().Exec(`UPDATE twenty.person SET name__first_name = 'Changed' WHERE _source_key = 'P7'`)
	require.NoError(t, err)
	rep3, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Stats().Updated["person"])
	assert.EqualValues(t, 1, auditCounts(t, wh, rep3.RunID)["update"])
}

func totalRows(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// comparable strips what the server sets itself.
func comparable(recs map[string]map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range recs {
		c := map[string]any{}
		for k, v := range r {
			// The server stamps updatedAt, and createdAt when the payload has
			// none (in UTC, "Z"); upload paths are random.
			if k == "updatedAt" || k == "fullPath" || k == "file" || (k == "createdAt" && strings.HasSuffix(fmt.Sprint(v), "Z")) {
				continue
			}
			c[k] = v
		}
		out[id] = c
	}
	return out
}

func TestPushResumeAfterInterruption(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 450, Files: 2})
	passTests(t, wh)
	want := tableRows(t, wh)
	ctx := context.Background()

	// Reference: an uninterrupted push.
	refWh, _ := openFixture(t, fixtureOpts{People: 450, Files: 2})
	passTests(t, refWh)
	ref := twentytest.New(t, twentytest.Options{RateLimit: -1})
	_, err := Push(ctx, refWh.DB(), pushOpts(t, ref, nil))
	require.NoError(t, err)

	// Killed halfway: the 5th batch reaches the server and is written, but
	// the process dies before the answer arrives.
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	kctx, kill := context.WithCancel(ctx)
	var batches atomic.Int32
	srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
		if strings.HasPrefix(r.URL.Path, "/rest/batch/") && batches.Add(1) == 5 {
			kill()
			return twentytest.DropAfter
		}
		return twentytest.NoFault
	})
	rep, err := Push(kctx, wh.DB(), pushOpts(t, srv, nil))
	require.ErrorIs(t, err, context.Canceled)
	partial := totalRows(serverCounts(srv, want))
	require.Greater(t, partial, 0)
	require.Less(t, partial, totalRows(want))
	u, err := audit.Unfinished(ctx, wh.DB(), Destination, "push")
	require.NoError(t, err)
	require.NotNil(t, u)
	assert.Equal(t, rep.RunID, u.RunID)

	// A new push is refused until the interrupted one is resumed.
	srv.FailWhen(nil)
	_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	var ue *audit.UnfinishedError
	require.ErrorAs(t, err, &ue)

	o := pushOpts(t, srv, nil)
	o.Resume = true
	rep2, err := Push(ctx, wh.DB(), o)
	require.NoError(t, err)
	assert.True(t, rep2.Resumed)
	assert.Equal(t, rep.RunID, rep2.RunID)

	assert.Equal(t, want, serverCounts(srv, want))
	stats := srv.Stats()
	for obj, n := range want {
		assert.Equal(t, n, stats.Created[obj], "each %s created once", obj)
		assert.Zero(t, stats.Updated[obj], "nothing sent twice (%s)", obj)
	}
	for obj := range want {
		assert.Equal(t, comparable(ref.Records(obj)), comparable(srv.Records(obj)), "%s same as an uninterrupted push", obj)
	}
	counts := auditCounts(t, wh, rep.RunID)
	assert.EqualValues(t, totalRows(want), counts["create"], "each record logged once as created")
	u, err = audit.Unfinished(ctx, wh.DB(), Destination, "push")
	require.NoError(t, err)
	assert.Nil(t, u)
}

func TestPushIsolatesBadRecord(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 60})
	passTests(t, wh)
	_, err := wh.DB().Exec(`UPDATE twenty.person SET patient_status = 'DECEASED' WHERE _source_key = 'P13'`)
	require.NoError(t, err)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	rep, err := Push(context.Background(), wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	require.Len(t, rep.Failures, 4, "the person, then its task target, note target and perio record, whose person is missing")
	byObject := map[string]Failure{}
	for _, f := range rep.Failures {
		byObject[f.Object] = f
	}
	assert.Equal(t, "P13", byObject["person"].SourceKey)
	assert.Contains(t, byObject["person"].Reason, "Invalid value 'DECEASED'")
	assert.Equal(t, 59, srv.Count("person"))
	assert.Equal(t, 60, srv.Count("task"))
	var reason string
	require.NoError(t, wh.DB().QueryRow(`SELECT reason FROM meta.push_record WHERE action = 'fail' AND object = 'person'`).Scan(&reason))
	assert.Contains(t, reason, "DECEASED")
}

func TestPushRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("map never confirmed, then changed since confirmed", func(t *testing.T) {
		wh, _ := openFixture(t, fixtureOpts{People: 2})
		_, err := wh.DB().Exec(`INSERT INTO meta.test_result VALUES (1, 'twenty_person', 'fp', 'unique(id)', 'pass', 0, NULL, NULL, now())`)
		require.NoError(t, err)
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		var nc *mapping.NotConfirmedError
		require.ErrorAs(t, err, &nc)
		assert.Contains(t, err.Error(), "never been confirmed")
		assert.Zero(t, srv.CallCount(), "refused before any call")

		o := pushOpts(t, srv, nil)
		o.DryRun = true
		_, err = Push(ctx, wh.DB(), o)
		require.NoError(t, err, "a dry run is how the map is reviewed")

		confirmMap(t, wh)
		_, err = wh.DB().Exec(`UPDATE twenty.field_plan SET label = 'Chart' WHERE field_name = 'patientSince'`)
		require.NoError(t, err)
		_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.ErrorAs(t, err, &nc)
		assert.Contains(t, err.Error(), "changed since test confirmed it")
		assert.Zero(t, srv.Count("person"))
		var runs int
		require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_run`).Scan(&runs))
		assert.Zero(t, runs)
	})
	t.Run("no data test results", func(t *testing.T) {
		wh, _ := openFixture(t, fixtureOpts{People: 2})
		confirmMap(t, wh)
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		_, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		var te *exporters.GateError
		require.ErrorAs(t, err, &te)
		assert.Zero(t, srv.CallCount())
	})
	t.Run("failed data test, then forced", func(t *testing.T) {
		wh, _ := openFixture(t, fixtureOpts{People: 2})
		passTests(t, wh)
		failTest(t, wh, "twenty_person", "unique(emails__primary_email)")
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		_, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		var te *exporters.GateError
		require.ErrorAs(t, err, &te)
		assert.Contains(t, err.Error(), "unique(emails__primary_email)")
		o := pushOpts(t, srv, nil)
		o.Force = true
		_, err = Push(ctx, wh.DB(), o)
		require.NoError(t, err)
		assert.Equal(t, 2, srv.Count("person"))
	})
	t.Run("type conflict stops before any record", func(t *testing.T) {
		wh, _ := openFixture(t, fixtureOpts{People: 2})
		passTests(t, wh)
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		c, _ := testClient(t, srv, nil)
		p, _ := srv.Object("person")
		_, err := c.CreateField(ctx, FieldInput{ObjectMetadataID: p.ID, Type: "TEXT", Name: "patientStatus", Label: "Patient Status"})
		require.NoError(t, err)
		_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		var ce *ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Contains(t, err.Error(), "person.patientStatus: the workspace field is TEXT, the plan needs SELECT")
		assert.Zero(t, srv.Count("company"))
		_, ok := srv.Object("perioRecord")
		assert.False(t, ok, "no schema change either")
		var runs int
		require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_run`).Scan(&runs))
		assert.Zero(t, runs)
	})
	t.Run("export directory gone, then moved, then allowed", func(t *testing.T) {
		wh, export := openFixture(t, fixtureOpts{People: 3, Files: 2})
		passTests(t, wh)
		wh2, export2 := openFixture(t, fixtureOpts{People: 3, Files: 2}) // before the test leaves its directory
		passTests(t, wh2)
		moved := export + "-moved"
		require.NoError(t, os.Rename(export, moved))
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		_, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		var fe *exporters.FilesError
		require.ErrorAs(t, err, &fe)
		require.ErrorIs(t, err, exporters.ErrFilesMissing)
		assert.Contains(t, err.Error(), "2 documents from load batch 1's directory "+export+": no such file or directory")
		assert.Contains(t, err.Error(), "UPDATE meta.load_batch SET source_dir")
		assert.Zero(t, srv.CallCount(), "refused before any call")
		var runs int
		require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_run`).Scan(&runs))
		assert.Zero(t, runs)

		o := pushOpts(t, srv, nil)
		o.DryRun = true
		_, err = Push(ctx, wh.DB(), o)
		require.NoError(t, err, "a dry run changes nothing and reads no file")

		// A directory recorded relative to where load ran is taken from
		// where the push runs, as the push reads it.
		_, err = wh.DB().Exec(`UPDATE meta.load_batch SET source_dir = 'export'`)
		require.NoError(t, err)
		t.Chdir(filepath.Dir(export))
		_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.ErrorContains(t, err, "load batch 1's directory export: no such file or directory")
		require.NoError(t, os.Rename(moved, export))
		rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.NoError(t, err)
		assert.Empty(t, rep.Failures)
		assert.Equal(t, 2, srv.Count("attachment"))

		// Pushed, then the export archived: a push again sends no document,
		// so it is not refused; a document the CRM lost (deleted by the
		// log) needs its file again.
		require.NoError(t, os.RemoveAll(export))
		_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.NoError(t, err, "every document is held: no file to read")
		_, err = wh.DB().Exec(`INSERT INTO meta.push_record (run_id, destination, object, table_name, dest_id, action, logged_at)
			SELECT max(run_id), 'twenty', 'attachment', 'twenty.attachment', (SELECT CAST(id AS VARCHAR) FROM twenty.attachment ORDER BY id LIMIT 1), 'delete', now()
			FROM meta.push_run`)
		require.NoError(t, err)
		_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.ErrorContains(t, err, "1 document from load batch 1's directory export: no such file or directory")

		// --force is for the data tests, not the files.
		require.NoError(t, os.RemoveAll(export2))
		srv2 := twentytest.New(t, twentytest.Options{RateLimit: -1})
		o = pushOpts(t, srv2, nil)
		o.Force = true
		_, err = Push(ctx, wh2.DB(), o)
		require.ErrorIs(t, err, exporters.ErrFilesMissing)
		assert.Zero(t, srv2.CallCount())

		// Allowed with the directory gone: the records go, each document
		// fails with its reason.
		o = pushOpts(t, srv2, nil)
		o.AllowMissingFiles = true
		rep, err = Push(ctx, wh2.DB(), o)
		require.NoError(t, err)
		assert.Equal(t, 3, srv2.Count("person"))
		assert.Zero(t, srv2.Count("attachment"))
		require.Len(t, rep.Failures, 2)
		assert.Contains(t, rep.Failures[0].Reason, "no such file or directory")
	})
	t.Run("column without a field", func(t *testing.T) {
		wh, _ := openFixture(t, fixtureOpts{People: 2})
		passTests(t, wh)
		_, err := wh.DB().Exec(`ALTER TABLE twenty.person ADD COLUMN chart_number VARCHAR`)
		require.NoError(t, err)
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		_, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		assert.ErrorContains(t, err, "twenty.person column chart_number: no field chartNumber")
	})
}

func TestPushDryRunAndSample(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 20, Files: 20})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	ctx := context.Background()
	o := pushOpts(t, srv, nil)
	o.DryRun = true
	rep, err := Push(ctx, wh.DB(), o)
	require.NoError(t, err)
	assert.True(t, rep.DryRun)
	assert.NotEmpty(t, rep.Schema)
	creates := map[string]int{}
	for _, c := range rep.Objects {
		creates[c.Object] = c.Create
	}
	assert.Equal(t, 20, creates["person"])
	assert.Equal(t, 20, creates["attachment"])
	// The data model, the version the server states, the members, and for
	// each object the workspace already has and the push would write, how
	// many records it holds (more than the log knows would mean reading
	// which, so the plan counts updates as the push will).
	created := map[string]bool{}
	for _, a := range rep.Schema {
		if a.Kind == "create object" {
			created[a.Object] = true
		}
	}
	counted := 0
	for _, c := range rep.Objects {
		if !created[c.Object] && c.Create+c.Update > 0 {
			counted++
		}
	}
	assert.Equal(t, 3+counted, srv.CallCount(), "a dry run only reads")
	st := srv.Stats()
	assert.Empty(t, st.Created, "a dry run creates nothing")
	assert.Empty(t, st.Updated)
	assert.Empty(t, st.Destroyed)
	_, ok := srv.Object("perioRecord")
	assert.False(t, ok)

	o = pushOpts(t, srv, nil)
	o.Sample = 3
	rep, err = Push(ctx, wh.DB(), o)
	require.NoError(t, err)
	got := map[string]int{}
	for _, obj := range []string{"person", "task", "taskTarget", "note", "noteTarget", "perioRecord", "attachment", "company", "workspaceMember"} {
		got[obj] = srv.Count(obj)
	}
	assert.Equal(t, 3, got["person"])
	for _, obj := range []string{"task", "taskTarget", "note", "noteTarget", "perioRecord"} {
		assert.Equal(t, 3, got[obj], obj)
	}
	assert.Equal(t, 3, got["attachment"])
	assert.LessOrEqual(t, got["company"], 2)
	assert.Zero(t, got["workspaceMember"], "members join by invitation")
	// Every relation stored points to a record the sample sent.
	for _, tt := range srv.Records("taskTarget") {
		id, _ := tt["targetPersonId"].(string)
		_, ok := srv.Record("person", id)
		assert.True(t, ok, "task target %v points at a sampled person", tt["id"])
	}
}

func TestPushAttachmentChecksum(t *testing.T) {
	wh, export := openFixture(t, fixtureOpts{People: 3, Files: 2})
	passTests(t, wh)
	require.NoError(t, os.WriteFile(filepath.Join(export, "attachments", "consent_2.pdf"), []byte("tampered"), 0o600))
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	rep, err := Push(context.Background(), wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	require.Len(t, rep.Failures, 1)
	assert.Contains(t, rep.Failures[0].Reason, "SHA-256")
	assert.Equal(t, 1, srv.Count("attachment"))
}

func TestPushUnder429AndNoSecretInAudit(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 30, Files: 1})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{APIKey: secretKey, RateLimit: 3, RateWindow: 200 * time.Millisecond})
	o := pushOpts(t, srv, func(c *Config) { c.BatchSize = 10; c.RetryBase = 20 * time.Millisecond })
	rep, err := Push(context.Background(), wh.DB(), o)
	require.NoError(t, err)
	assert.Empty(t, rep.Failures)
	assert.Positive(t, srv.Stats().Throttled, "the server throttled")
	assert.Equal(t, 30, srv.Count("person"))
	var leaks int
	require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_run r FULL JOIN meta.push_record p USING (run_id)
		WHERE concat_ws('|', r.target, r.args, r.message, p.reason, p.pre_image) LIKE '%DO-NOT-LEAK%'`).Scan(&leaks))
	assert.Zero(t, leaks)
	assert.False(t, errors.Is(err, context.Canceled))
}

// preImages reads the pre-images a run logged, by destination id.
func preImages(t *testing.T, wh *warehouse.Warehouse, runID int64) map[string]map[string]any {
	t.Helper()
	// A record's first update entry of the run holds its values before the
	// run (a resend after an interruption logs what it read then), as
	// audit.UndoPlan reads it.
	rows, err := wh.DB().Query(`SELECT dest_id, pre_image FROM meta.push_record WHERE run_id = ? AND action = 'update'
		QUALIFY row_number() OVER (PARTITION BY dest_id ORDER BY logged_at) = 1`, runID)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]map[string]any{}
	for rows.Next() {
		var id string
		var pre *string
		require.NoError(t, rows.Scan(&id, &pre))
		require.NotNil(t, pre, "update of %s has a pre-image", id)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(*pre), &m))
		out[id] = m
	}
	require.NoError(t, rows.Err())
	return out
}

func TestPushKeepsPreImages(t *testing.T) {
	ctx := context.Background()
	t.Run("update of a record the last push sent", func(t *testing.T) {
		wh, _ := openFixture(t, fixtureOpts{People: 5})
		passTests(t, wh)
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		_, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.NoError(t, err)
		var id string
		require.NoError(t, wh.DB().QueryRow(`SELECT id FROM twenty.person WHERE _source_key = 'P2'`).Scan(&id))
		before, ok := srv.Record("person", id)
		require.True(t, ok)
		_, err = wh.DB().Exec(`UPDATE twenty.person SET name__first_name = 'Changed' WHERE _source_key = 'P2'`)
		require.NoError(t, err)
		rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.NoError(t, err)
		pre := preImages(t, wh, rep.RunID)
		require.Len(t, pre, 1)
		assert.Equal(t, before["name"], pre[id]["name"], "the name as the destination held it")
		assert.NotContains(t, pre[id], "id")
		after, _ := srv.Record("person", id)
		assert.Equal(t, "Changed", after["name"].(map[string]any)["firstName"])
	})
	t.Run("records already at the destination", func(t *testing.T) {
		wh, _ := openFixture(t, fixtureOpts{People: 5})
		passTests(t, wh)
		srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
		c, _ := testClient(t, srv, nil)
		var id string
		require.NoError(t, wh.DB().QueryRow(`SELECT id FROM twenty.company WHERE _source_key = '1'`).Scan(&id))
		_, err := c.Upsert(ctx, "companies", []Record{{"id": id, "name": "Typed in by hand"}})
		require.NoError(t, err)
		rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
		require.NoError(t, err)
		counts := map[string]ObjectCount{}
		for _, o := range rep.Objects {
			counts[o.Object] = o
		}
		assert.Equal(t, 1, counts["company"].Update, "the hand-made company is updated, not created")
		assert.Equal(t, 1, counts["company"].Create)
		pre := preImages(t, wh, rep.RunID)
		require.Len(t, pre, 1)
		assert.Equal(t, "Typed in by hand", pre[id]["name"])
		assert.Contains(t, pre[id], "domainName", "a field the record lacked is kept as null")
		assert.Nil(t, pre[id]["domainName"])
	})
}

// TestPushPreImageSurvivesCrash updates a record Twenty already holds
// (typed in by hand, or sent by the last push) and kills the process right
// after Twenty applied the write, before its answer arrives. The resumed
// push still logs the record as an update whose pre-image is the value from
// before the crashed write: not as a create (a rollback would destroy a
// record the push did not make) and not with the new value it would read
// back now. A rollback of the push then puts the workspace back as it was.
func TestPushPreImageSurvivesCrash(t *testing.T) {
	cases := []struct {
		name, object, plural, key, want string
		setup                           func(t *testing.T, wh *warehouse.Warehouse, srv *twentytest.Server, c *Client, id string)
		value                           func(r map[string]any) any
	}{
		{name: "record typed in by hand", object: "company", plural: "companies", key: "1", want: "Typed in by hand",
			setup: func(t *testing.T, _ *warehouse.Warehouse, _ *twentytest.Server, c *Client, id string) {
				_, err := c.Upsert(context.Background(), "companies", []Record{{"id": id, "name": "Typed in by hand"}})
				require.NoError(t, err)
			},
			value: func(r map[string]any) any { return r["name"] }},
		{name: "record the last push sent", object: "person", plural: "people", key: "P2", want: "First2",
			setup: func(t *testing.T, wh *warehouse.Warehouse, srv *twentytest.Server, _ *Client, _ string) {
				_, err := Push(context.Background(), wh.DB(), pushOpts(t, srv, nil))
				require.NoError(t, err)
				_, err = wh.DB().Exec(`UPDATE twenty.person SET name__first_name = 'Changed' WHERE _source_key = 'P2'`)
				require.NoError(t, err)
			},
			value: func(r map[string]any) any { return r["name"].(map[string]any)["firstName"] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			wh, _ := openFixture(t, fixtureOpts{People: 5})
			passTests(t, wh)
			srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
			c, _ := testClient(t, srv, nil)
			var id string
			require.NoError(t, wh.DB().QueryRow(`SELECT id FROM twenty.`+tc.object+` WHERE _source_key = ?`, tc.key).Scan(&id))
			tc.setup(t, wh, srv, c, id)
			before := storeState(srv)

			kctx, kill := context.WithCancel(ctx)
			srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
				if r.URL.Path == "/rest/batch/"+tc.plural {
					kill()
					return twentytest.DropAfter
				}
				return twentytest.NoFault
			})
			_, err := Push(kctx, wh.DB(), pushOpts(t, srv, nil))
			require.ErrorIs(t, err, context.Canceled)
			srv.FailWhen(nil)
			got, _ := srv.Record(tc.object, id)
			require.NotEqual(t, tc.want, tc.value(got), "the crashed write landed")

			o := pushOpts(t, srv, nil)
			o.Resume = true
			rep, err := Push(ctx, wh.DB(), o)
			require.NoError(t, err)
			require.True(t, rep.Resumed)
			pre := preImages(t, wh, rep.RunID)
			require.Contains(t, pre, id, "logged as an update")
			assert.Equal(t, tc.want, tc.value(pre[id]), "the pre-image is the value before the crashed write")
			var creates int
			require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND action = 'create' AND dest_id = ?`,
				rep.RunID, id).Scan(&creates))
			assert.Zero(t, creates, "not logged as created")
			pend, err := audit.PendingPreImages(ctx, wh.DB(), rep.RunID, "twenty."+tc.object)
			require.NoError(t, err)
			assert.Empty(t, pend, "resolved by the acknowledged update")

			_, err = Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID})
			require.NoError(t, err)
			assert.Equal(t, before, storeState(srv), "the rollback put back the workspace as it was before the crashed push")
		})
	}
}
