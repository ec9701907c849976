package twenty

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestMemberWhoJoinsGetsTheirTasks: a provider who is not a workspace
// member is listed to invite and their tasks go unassigned; once they
// accept the invitation, the next push assigns their tasks to the member
// Twenty made for them, and only theirs.
func TestMemberWhoJoinsGetsTheirTasks(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 6})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	ctx := context.Background()
	const email = "provider1@school.example.edu"

	// The tasks whose assignee is provider 1, and the others with one.
	var mine, others []string
	rows, err := wh.DB().QueryContext(ctx, `SELECT t.id, m.user_email FROM twenty.task t JOIN twenty.workspace_member m ON m.id = t.assignee_id ORDER BY t.id`)
	require.NoError(t, err)
	for rows.Next() {
		var id, e string
		require.NoError(t, rows.Scan(&id, &e))
		if e == email {
			mine = append(mine, id)
		} else {
			others = append(others, id)
		}
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, mine)
	require.NotEmpty(t, others)

	rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	require.NotNil(t, rep.Members)
	assert.Contains(t, rep.Members.ToInvite, email)
	assert.Equal(t, len(mine)+len(others), rep.Members.Unassigned)
	for _, id := range append(append([]string(nil), mine...), others...) {
		task, ok := srv.Record("task", id)
		require.True(t, ok, id)
		assert.Nil(t, task["assigneeId"], "task %s went unassigned: its provider is no member yet", id)
	}
	assert.Zero(t, srv.Count("workspaceMember"), "the push wrote no member")

	srv.Invite(email)
	memberID, err := srv.Join(email, "Doc Provider 1")
	require.NoError(t, err)

	rep, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	assert.Equal(t, []string{email}, rep.Members.Joined)
	assert.NotContains(t, rep.Members.ToInvite, email)
	assert.Equal(t, len(others), rep.Members.Unassigned)
	updated := 0
	for _, o := range rep.Objects {
		if o.Object == "task" {
			updated = o.Update
		}
	}
	assert.Equal(t, len(mine), updated, "only the joined member's tasks changed")
	for _, id := range mine {
		task, _ := srv.Record("task", id)
		assert.Equal(t, memberID, task["assigneeId"], "task %s is assigned to the member who joined", id)
	}
	for _, id := range others {
		task, _ := srv.Record("task", id)
		assert.Nil(t, task["assigneeId"], "task %s stays unassigned", id)
	}
	assert.Equal(t, 1, srv.Count("workspaceMember"))
}

// TestPushInvitesWithAUserToken: with a workspace admin's access token the
// push invites the providers who are not members (Twenty serves
// sendInvitations to a user only), says so in the report and the audit
// log, and a dry run invites nobody; with the API key alone nobody is
// invited. A provider who accepts is assigned their tasks by the next push.
func TestPushInvitesWithAUserToken(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 6})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	ctx := context.Background()
	withUser := func(c *Config) { c.UserToken = srv.UserToken() }

	dry := pushOpts(t, srv, withUser)
	dry.DryRun = true
	rep, err := Push(ctx, wh.DB(), dry)
	require.NoError(t, err)
	assert.Empty(t, srv.Invitations(), "a dry run invites nobody")
	assert.Len(t, rep.Members.ToInvite, 2)

	// The API key alone: listed, not invited.
	rep, err = Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	assert.Empty(t, srv.Invitations())
	assert.Empty(t, rep.Members.Invited)

	rep, err = Push(ctx, wh.DB(), pushOpts(t, srv, withUser))
	require.NoError(t, err)
	want := []string{"provider1@school.example.edu", "provider2@school.example.edu"}
	assert.ElementsMatch(t, want, rep.Members.Invited)
	assert.ElementsMatch(t, want, srv.Invitations())
	var n int
	require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND reason LIKE '%the push sent % an invitation%'`, rep.RunID).Scan(&n))
	assert.Equal(t, 2, n, "the audit log says who was invited")

	id, err := srv.Join(want[0], "Doc Provider 1")
	require.NoError(t, err)
	rep, err = Push(ctx, wh.DB(), pushOpts(t, srv, withUser))
	require.NoError(t, err)
	assert.Equal(t, []string{want[0]}, rep.Members.Joined)
	assert.Equal(t, []string{want[1]}, rep.Members.Invited, "the one still invited is invited again")
	assigned := 0
	for _, task := range srv.Records("task") {
		if task["assigneeId"] == id {
			assigned++
		}
	}
	assert.Positive(t, assigned, "the member who accepted has their tasks")
}

// TestInvitationsNeedAUser: an API key is refused by Twenty; the client
// says why without calling.
func TestInvitationsNeedAUser(t *testing.T) {
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	c, _ := testClient(t, srv, nil)
	_, _, err := c.SendInvitations(context.Background(), []string{"a@b.example"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TWENTY_USER_TOKEN")
	assert.Zero(t, srv.CallCount())
}
