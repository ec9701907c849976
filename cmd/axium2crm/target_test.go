package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestPushToAnotherServerIsRefused: the audit log decides what a push
// creates, updates and skips, so a project that pushed to one server (a
// trial workspace) and is pointed at another (production) would skip
// every unchanged record there and leave it without them. Such a push, its
// dry run and a rollback are refused before any call, naming both
// servers; --server-moved says it is the same server at a new address.
func TestPushToAnotherServerIsRefused(t *testing.T) {
	dir := newTwentyProject(t, 6)
	r := cli(t, "", "map", "twenty", "--confirm", "--by", "test", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	trial := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	prod := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	t.Setenv("TWENTY_API_KEY", cliSecret)

	t.Setenv("TWENTY_URL", trial.URL)
	r = cli(t, "", "push", "twenty", "--project", dir, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var first exporters.PushReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &first))
	run := strconv.FormatInt(first.RunID, 10)
	people := trial.Count("person")
	require.Positive(t, people)

	t.Setenv("TWENTY_URL", prod.URL)
	for _, args := range [][]string{
		{"push", "twenty"},
		{"push", "twenty", "--dry-run"},
		{"rollback", "twenty", "--push", run},
	} {
		r = cli(t, "", append(args, "--project", dir)...)
		assert.Equal(t, exitValidation, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, trial.URL, args)
		assert.Contains(t, r.stderr, prod.URL, args)
		assert.Contains(t, r.stderr, "--server-moved", args)
	}
	assert.Zero(t, prod.CallCount(), "refused before any call to the other server")
	assert.Equal(t, people, trial.Count("person"), "the trial server untouched")

	// A verify reads the server it is pointed at, and says it is not the
	// push's.
	r = cli(t, "", "verify", "twenty", "--counts", "--project", dir)
	assert.NotEqual(t, 0, r.code, "nothing there: %s", r.stderr)
	assert.Contains(t, r.stderr, "push run "+run+" went to "+trial.URL+", not to "+prod.URL)

	// The same server at a new address: the push goes ahead (nothing has
	// changed, so nothing is sent) and the log is of the new address.
	r = cli(t, "", "push", "twenty", "--server-moved", "--project", dir, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var moved exporters.PushReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &moved))
	assert.Equal(t, prod.URL, moved.Target)
	r = cli(t, "", "push", "twenty", "--dry-run", "--project", dir)
	assert.Equal(t, 0, r.code, "the log's server is now the new address: %s", r.stderr)

	// The first push's records went to the trial server: undoing them
	// elsewhere is refused, and goes through at the trial server.
	r = cli(t, "", "rollback", "twenty", "--push", run, "--project", dir)
	assert.Equal(t, exitValidation, r.code, r.stderr)
	assert.Contains(t, r.stderr, "push run "+run+" went to "+trial.URL)
	t.Setenv("TWENTY_URL", trial.URL)
	r = cli(t, "", "push", "twenty", "--dry-run", "--project", dir)
	assert.Equal(t, exitValidation, r.code, "the old address is no longer the log's: %s", r.stderr)
	r = cli(t, "", "rollback", "twenty", "--push", run, "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Zero(t, trial.Count("person"), "the rollback at the push's own server removed its people")
}
