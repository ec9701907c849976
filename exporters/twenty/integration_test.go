package twenty

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveWorkspace checks the contract against a real Twenty server when
// TWENTY_URL and TWENTY_API_KEY are set: it reads the data model and runs a
// dry-run push of a small fixture. It writes nothing to the workspace.
func TestLiveWorkspace(t *testing.T) {
	url, key := os.Getenv("TWENTY_URL"), os.Getenv("TWENTY_API_KEY")
	if url == "" || key == "" {
		t.Skip("TWENTY_URL and TWENTY_API_KEY are not set")
	}
	c, err := NewClient(Config{BaseURL: url, APIKey: key, Calls: 50, Window: time.Minute})
	require.NoError(t, err)
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

	wh, _ := openFixture(t, fixtureOpts{People: 3})
	passTests(t, wh)
	rep, err := Push(ctx, wh.DB(), PushOptions{Client: c, DryRun: true})
	if err != nil {
		t.Logf("dry run against the live workspace: %v", err)
	}
	t.Logf("schema changes a push would make: %+v", rep.Schema)
}
