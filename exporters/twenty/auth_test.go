package twenty

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// A key revoked while a push runs stops it at once: the refusal is not the
// records' fault, so no batch is split and no record is logged as failed.
func TestPushStopsWhenTheKeyIsRevoked(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 600})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	var mu sync.Mutex
	personBatches, revokedAt := 0, 0
	srv.FailWhen(func(call int, r *http.Request) twentytest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost && r.URL.Path == "/rest/batch/people" {
			personBatches++
			if personBatches == 2 {
				revokedAt = call
				return twentytest.Revoke
			}
		}
		return twentytest.NoFault
	})

	rep, err := Push(context.Background(), wh.DB(), pushOpts(t, srv, nil))
	require.Error(t, err)
	var stop *StopError
	require.ErrorAs(t, err, &stop, "a revoked key stops the run: %v", err)
	assert.Equal(t, StopRevokedKey, stop.Reason)
	assert.Contains(t, err.Error(), "403")
	assert.Contains(t, err.Error(), "new API key", "the error says what to do")
	mu.Lock()
	after := srv.CallCount() - revokedAt + 1
	mu.Unlock()
	require.Positive(t, revokedAt, "the key was revoked during the push")
	assert.Less(t, after, 10, "calls from the revocation on")
	assert.Empty(t, rep.Failures, "no record is blamed for the key")
	var failed int
	require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_record WHERE action = 'fail'`).Scan(&failed))
	assert.Zero(t, failed, "no record failure logged")
	assert.Equal(t, 200, srv.Count("person"), "the batch before the revocation landed")
}

// Each refusal that no record causes ends an upsert after one call,
// whatever the size of the batch, with an error that says what to do.
func TestUpsertStopsOnRefusalsNoRecordCauses(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(srv *twentytest.Server, cfg *Config)
		plural string
		status int
		reason StopReason
		advice string
	}{
		{"wrong key", func(_ *twentytest.Server, cfg *Config) { cfg.APIKey = "not-the-key" }, "people", 401, StopBadKey, "TWENTY_API_KEY"},
		{"revoked key", func(srv *twentytest.Server, _ *Config) { srv.RevokeKey() }, "people", 403, StopRevokedKey, "new API key"},
		{"object denied to the key's role", func(srv *twentytest.Server, _ *Config) { srv.DenyObject("person") }, "people", 403, StopPermission, "role"},
		{"object missing", nil, "perioRecords", 400, StopMissingObject, "map"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
			cl, logs := testClient(t, srv, func(cfg *Config) {
				if c.setup != nil {
					c.setup(srv, cfg)
				}
			})
			res, err := cl.Upsert(context.Background(), c.plural, people(400))
			var stop *StopError
			require.ErrorAs(t, err, &stop)
			assert.Equal(t, c.status, stop.Status)
			assert.Equal(t, c.reason, stop.Reason)
			assert.Contains(t, err.Error(), c.advice)
			assert.Equal(t, 1, res.Calls, "not split")
			assert.Equal(t, 1, srv.CallCount())
			assert.Empty(t, res.Rejected)
			assert.NotContains(t, logs.String(), "record rejected")
			var ae *APIError
			assert.False(t, errors.As(err, &ae), "not an *APIError, which callers read as a refusal of the records")
		})
	}
}

// Refusals of the records themselves are still isolated record by record.
func TestUpsertStillIsolatesBadRecords(t *testing.T) {
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	cl, _ := testClient(t, srv, nil)
	recs := people(8)
	recs[5]["bogusField"] = 1
	res, err := cl.Upsert(context.Background(), "people", recs)
	require.NoError(t, err)
	require.Len(t, res.Rejected, 1)
	assert.Equal(t, recordID(recs[5]), res.Rejected[0].ID)
	assert.Len(t, res.OK, 7)
}

// The classification reads Twenty's answers, whatever the version: a 400
// that names a missing object or a missing permission is no record's fault.
func TestRecordFault(t *testing.T) {
	cases := []struct {
		status int
		msg    string
		record bool
	}{
		{400, "Invalid value 'DECEASED' for field 'patientStatus'", true},
		{400, `duplicate key value violates unique constraint "IDX_UNIQUE_87914cd3ce963115f8cb943e2ac"`, true},
		{409, "A record with this email already exists", true},
		{400, "object 'perioRecords' not found. eg: companies", false},
		{400, "Entity performing the request does not have permission", false},
		{400, "No object was found for the workspace associated with this API key. You may generate a new one here", false},
		{401, "Token invalid.", false},
		{403, "This API Key is revoked", false},
		{403, "Forbidden resource", false},
		{404, "Cannot POST /rest/batch/perioRecords", false},
		{402, "Payment Required", false},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			err := refusal(&APIError{Method: "POST", Path: "/rest/batch/people", Status: c.status, Messages: []string{c.msg}})
			var stop *StopError
			assert.Equal(t, !c.record, errors.As(err, &stop) || !recordFault(err), "%d %s", c.status, c.msg)
			if !c.record {
				assert.True(t, strings.Contains(err.Error(), c.msg), err.Error())
			}
		})
	}
}

// TestDryRunReportsObjectsTheKeyMayNotRead: a dry run goes on past an
// object the key's role may not read and lists every such object, where
// the push itself would stop at the first.
func TestDryRunReportsObjectsTheKeyMayNotRead(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 3})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	o := pushOpts(t, srv, nil)
	o.DryRun = true
	rep, err := Push(context.Background(), wh.DB(), o)
	require.NoError(t, err)
	assert.Empty(t, rep.Permissions)

	srv.DenyObject("task")
	srv.DenyObject("note")
	rep, err = Push(context.Background(), wh.DB(), o)
	require.NoError(t, err, "the dry run reports, it does not stop")
	require.Len(t, rep.Permissions, 2, "%v", rep.Permissions)
	assert.Contains(t, strings.Join(rep.Permissions, "\n"), "may not read tasks")
	assert.Contains(t, strings.Join(rep.Permissions, "\n"), "may not read notes")
	assert.Zero(t, srv.Count("person"), "nothing written")

	o.DryRun = false
	_, err = Push(context.Background(), wh.DB(), o)
	var stop *StopError
	require.ErrorAs(t, err, &stop, "the push stops on the first")
	assert.Equal(t, StopPermission, stop.Reason)
}
