package twenty

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

var allObjects = []string{"company", "person", "workspaceMember", "task", "taskTarget", "note", "noteTarget", "perioRecord", "attachment"}

// storeState is every record of the server, without what the server
// stamps on each write (updatedAt) and without null fields (a restored
// field the record never had comes back as null).
func storeState(srv *twentytest.Server) map[string]map[string]map[string]any {
	out := map[string]map[string]map[string]any{}
	for _, o := range allObjects {
		out[o] = map[string]map[string]any{}
		for id, r := range srv.Records(o) {
			c := map[string]any{}
			for k, v := range r {
				if k != "updatedAt" && v != nil {
					c[k] = v
				}
			}
			out[o][id] = c
		}
	}
	return out
}

// TestRollbackTwenty pushes into a workspace that already holds records
// (a company and a person the push updates, and a person it never
// touches), rolls back with an interruption half-way, runs the rollback
// again, and finds the workspace exactly as before the push; verify then
// finds nothing of the push; --schema removes the custom object and fields.
// Records are destroyed 100 a call (the server refuses more) and restored
// in batches, so the rollback costs a few calls per table, not one per
// record.
func TestRollbackTwenty(t *testing.T) {
	ctx := context.Background()
	wh, _ := openFixture(t, fixtureOpts{People: 150, Files: 2})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1}) // Twenty 2.43: person.city is a custom field the push creates
	c, _ := testClient(t, srv, nil)

	var company, person string
	require.NoError(t, wh.DB().QueryRow(`SELECT id FROM twenty.company WHERE _source_key = '1'`).Scan(&company))
	require.NoError(t, wh.DB().QueryRow(`SELECT id FROM twenty.person WHERE _source_key = 'P3'`).Scan(&person))
	res, err := c.Upsert(ctx, "companies", []Record{{"id": company, "name": "Typed in by hand"}})
	require.NoError(t, err)
	require.Empty(t, res.Rejected)
	res, err = c.Upsert(ctx, "people", []Record{
		{"id": person, "name": map[string]any{"firstName": "Old", "lastName": "Name"}, "jobTitle": "kept"},
		{"id": uuid.NewString(), "name": map[string]any{"firstName": "Not", "lastName": "Ours"}},
	})
	require.NoError(t, err)
	require.Empty(t, res.Rejected)
	before := storeState(srv)
	_, hadPerio := srv.Object("perioRecord")
	require.False(t, hadPerio)
	require.Zero(t, srv.Files())

	rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	assert.NotEqual(t, before, storeState(srv))
	require.Positive(t, srv.Files(), "the attachments' files were uploaded")
	pre := preImages(t, wh, rep.RunID)
	assert.Len(t, pre, 2, "the company and the person already there were updated, with pre-images")

	// Interrupted at the third destroy call.
	var deletes atomic.Int32
	kctx, kill := context.WithCancel(ctx)
	srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
		if r.Method == http.MethodDelete && deletes.Add(1) == 3 {
			kill()
			return twentytest.DropBefore
		}
		return twentytest.NoFault
	})
	_, err = Rollback(kctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID})
	require.ErrorIs(t, err, context.Canceled)
	assert.NotEqual(t, before, storeState(srv), "half undone")

	rb, err := Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID})
	require.NoError(t, err)
	assert.True(t, rb.Resumed)
	assert.Equal(t, before, storeState(srv), "created records destroyed, updated ones restored")
	assert.Zero(t, srv.Files(), "destroying the attachments removed their files (Twenty's FilesFieldDeletionJob)")
	restored := 0
	for _, tc := range rb.Tables {
		restored += tc.Restored
	}
	assert.Equal(t, 2, restored)
	assert.Positive(t, rb.SchemaLeft, "data-model changes kept without --schema")

	var deleted, restores int
	require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FILTER (action = 'delete'), count(*) FILTER (action = 'restore')
		FROM meta.push_record p JOIN meta.push_run r USING (run_id) WHERE r.mode = 'rollback' AND r.parent_run = ?`, rep.RunID).Scan(&deleted, &restores))
	assert.Equal(t, totalRows(tableRows(t, wh))-2, deleted, "each created record destroyed once, across both rollback runs")
	assert.Equal(t, 2, restores)
	srv.FailWhen(nil)
	wantDestroys := 0
	for _, o := range rep.Objects {
		wantDestroys += (o.Create + MaxMutation - 1) / MaxMutation
	}
	assert.EqualValues(t, wantDestroys+1, deletes.Load(), "100 records a destroy call, plus the call the interruption dropped")
	assert.Equal(t, 2*2, rb.Calls-(int(deletes.Load())-3),
		"the resumed run's calls: its destroys, then an existence read and an upsert for each of the two restored tables")

	// Again: nothing left to undo.
	rb, err = Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID})
	require.NoError(t, err)
	assert.Empty(t, rb.Tables)

	m, _ := NewMapper("America/New_York")
	v, err := Verify(ctx, wh.DB(), VerifyOptions{Client: c, Mapper: m})
	require.NoError(t, err)
	for _, ov := range v.Objects {
		switch ov.Object {
		case "company", "person":
			assert.Equal(t, 1, ov.Found, "only the record that was there before (%s)", ov.Object)
			assert.Equal(t, 1, ov.Mismatched, "and it holds its old values (%s)", ov.Object)
		default:
			assert.Zero(t, ov.Found, ov.Object)
		}
		assert.Zero(t, ov.Extra, ov.Object)
	}

	rb, err = Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID, Schema: true})
	require.NoError(t, err)
	assert.NotEmpty(t, rb.Schema)
	_, ok := srv.Object("perioRecord")
	assert.False(t, ok, "custom object removed")
	p, _ := srv.Object("person")
	for _, f := range p.Fields {
		assert.False(t, f.IsCustom && f.Name == "patientStatus", "custom field removed")
	}
	assert.Equal(t, before, storeState(srv))
}

// TestRollbackSaysHowFarItIs: a rollback writes, every ProgressEvery, the
// records undone of those the log left to undo, the rate and the time
// left.
func TestRollbackSaysHowFarItIs(t *testing.T) {
	ctx := context.Background()
	wh, _ := openFixture(t, fixtureOpts{People: 40})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	c, _ := testClient(t, srv, nil)
	srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
		if r.Method == http.MethodDelete {
			time.Sleep(20 * time.Millisecond) // a server that takes its time
		}
		return twentytest.NoFault
	})
	var mu sync.Mutex
	var lines []string
	_, err = Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID, ProgressEvery: 10 * time.Millisecond,
		Progress: func(s string) { mu.Lock(); lines = append(lines, s); mu.Unlock() }})
	require.NoError(t, err)
	total := totalRows(tableRows(t, wh))
	var progress []string
	for _, l := range lines {
		if strings.HasPrefix(l, "rollback progress:") {
			progress = append(progress, l)
		}
	}
	require.NotEmpty(t, progress, "%v", lines)
	assert.Contains(t, progress[0], fmt.Sprintf("of %d records undone", total))
	assert.Regexp(t, `records/s, about .* left \(now [a-z_]+\)`, progress[len(progress)-1])
}
