package twenty

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestLiveWorkspace runs the workspace flow against a real Twenty server
// when TWENTY_URL and TWENTY_API_KEY are set (use a fresh workspace; the
// key needs a role with the Data Model permission and every object
// permission): a dry run, a push of a small fixture, a second push that
// changes nothing, a verify, and a rollback with --schema, each checked by
// reading the workspace back. It leaves the workspace as it found it.
func TestLiveWorkspace(t *testing.T) {
	url, key := os.Getenv("TWENTY_URL"), os.Getenv("TWENTY_API_KEY")
	if url == "" || key == "" {
		t.Skip("TWENTY_URL and TWENTY_API_KEY are not set")
	}
	c, err := NewClient(Config{BaseURL: url, APIKey: key, Calls: 50, Window: time.Minute})
	require.NoError(t, err)
	workspaceFlow(t, c)
}

// TestWorkspaceFlow runs the same flow against the test server in 2.43
// mode, so the live test's own checks are known to hold where the contract
// does.
func TestWorkspaceFlow(t *testing.T) {
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	c, _ := testClient(t, srv, nil)
	workspaceFlow(t, c)
}

func workspaceFlow(t *testing.T, c *Client) {
	ctx := context.Background()
	objs, err := c.Objects(ctx)
	require.NoError(t, err)
	names := map[string]ObjectMeta{}
	for _, o := range objs {
		names[o.NameSingular] = o
	}
	for _, n := range []string{"person", "company", "task", "note", "attachment", "workspaceMember"} {
		assert.Contains(t, names, n)
	}
	f, ok := names["person"].Field("emails")
	require.True(t, ok)
	assert.Equal(t, "EMAILS", f.Type)

	wh, _ := openFixture(t, fixtureOpts{People: 3, Files: 1})
	passTests(t, wh)
	m, err := NewMapper("America/New_York")
	require.NoError(t, err)
	opts := PushOptions{Client: c, Mapper: m, Args: "push twenty"}

	// What each object holds, by Twenty's own count (0 for an object the
	// workspace does not have).
	totals := func(watch []string) map[string]int {
		objs, err := c.Objects(ctx)
		require.NoError(t, err)
		plural := map[string]string{}
		for _, o := range objs {
			plural[o.NameSingular] = o.NamePlural
		}
		out := map[string]int{}
		for _, n := range watch {
			if plural[n] == "" {
				out[n] = 0
				continue
			}
			total, err := c.Total(ctx, plural[n])
			require.NoError(t, err, n)
			out[n] = total
		}
		return out
	}
	watch := []string{"person", "company", "task", "taskTarget", "note", "noteTarget", "attachment"}
	standard := totals(watch)

	dry := opts
	dry.DryRun = true
	plan, err := Push(ctx, wh.DB(), dry)
	require.NoError(t, err, "the dry run reads only")
	assert.Equal(t, standard, totals(watch), "a dry run writes nothing")
	planned := map[string]int{}
	for _, o := range plan.Objects {
		planned[o.Object] += o.Create
		if _, ok := standard[o.Object]; !ok {
			watch = append(watch, o.Object)
		}
	}
	before := totals(watch)

	rep, err := Push(ctx, wh.DB(), opts)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	after := totals(watch)
	created := map[string]int{}
	for _, o := range rep.Objects {
		created[o.Object] += o.Create
		assert.Equal(t, before[o.Object]+created[o.Object], after[o.Object], "%s: Twenty holds what the push created", o.Object)
	}
	assert.Equal(t, planned, created, "the dry run planned the creates the push made")

	again, err := Push(ctx, wh.DB(), opts)
	require.NoError(t, err)
	for _, o := range again.Objects {
		assert.Zero(t, o.Create+o.Update, "%s: a second push changes nothing", o.Object)
	}
	assert.Equal(t, after, totals(watch))

	v, err := Verify(ctx, wh.DB(), VerifyOptions{Client: c, Mapper: m})
	require.NoError(t, err)
	assert.Zero(t, v.Differences(), "verify finds every record as pushed")

	rb, err := Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID, Schema: true})
	require.NoError(t, err)
	assert.Equal(t, before, totals(watch), "the rollback left every object as before")
	objs, err = c.Objects(ctx)
	require.NoError(t, err)
	for _, o := range objs {
		if _, had := names[o.NameSingular]; !had {
			t.Errorf("object %s is still there after rollback --schema", o.NameSingular)
		}
	}
	if len(rep.Schema) > 0 {
		assert.NotEmpty(t, rb.Schema, "the data-model changes were undone")
	}
}
