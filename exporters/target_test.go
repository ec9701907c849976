package exporters

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func TestCheckTarget(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T) *sql.DB {
		wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
		require.NoError(t, err)
		t.Cleanup(func() { wh.Close() })
		return wh.DB()
	}
	// start logs a finished run of mode to target (rollbacks undo parent).
	start := func(t *testing.T, db *sql.DB, dest, mode, target string, parent int64) int64 {
		r, err := audit.Start(ctx, db, audit.RunOptions{Destination: dest, Mode: mode, Target: target, ParentRun: parent})
		require.NoError(t, err)
		require.NoError(t, r.Finish(ctx, nil))
		return r.ID
	}
	const a, b = "https://crm-trial.example.edu", "https://crm.example.edu"

	t.Run("a project that never pushed goes anywhere", func(t *testing.T) {
		require.NoError(t, CheckTarget(ctx, open(t), "twenty", b, false))
	})
	t.Run("another server than the newest push's is refused, naming both", func(t *testing.T) {
		db := open(t)
		start(t, db, "twenty", "push", b, 0)
		p := start(t, db, "twenty", "push", a, 0)
		start(t, db, "twenty", "verify", b, p) // a verify writes nothing
		start(t, db, "odoo", "push", b+" db school", 0)
		err := CheckTarget(ctx, db, "twenty", b, false)
		var te *TargetError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, TargetError{Destination: "twenty", Logged: a, Run: p, Target: b}, *te)
		assert.Contains(t, err.Error(), a)
		assert.Contains(t, err.Error(), b)
		assert.Contains(t, err.Error(), "--server-moved")
		assert.NoError(t, CheckTarget(ctx, db, "twenty", a, false))
		assert.NoError(t, CheckTarget(ctx, db, "twenty", "HTTPS://CRM-Trial.example.edu/", false), "the same address written another way")
		assert.NoError(t, CheckTarget(ctx, db, "twenty", b, true), "--server-moved lets it through")
	})
	t.Run("after a moved push, the new address is the log's", func(t *testing.T) {
		db := open(t)
		start(t, db, "twenty", "push", a, 0)
		start(t, db, "twenty", "push", b, 0) // as --server-moved lets it be logged
		assert.NoError(t, CheckTarget(ctx, db, "twenty", b, false))
		assert.Error(t, CheckTarget(ctx, db, "twenty", a, false))
	})
	t.Run("a push that a finished rollback undid holds nothing", func(t *testing.T) {
		db := open(t)
		old := start(t, db, "twenty", "push", b, 0)
		p := start(t, db, "twenty", "push", a, 0)
		assert.Error(t, CheckTarget(ctx, db, "twenty", b, false))
		r, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty", Mode: "rollback", Target: a, ParentRun: p})
		require.NoError(t, err)
		assert.Error(t, CheckTarget(ctx, db, "twenty", b, false), "a rollback not finished leaves the records")
		require.NoError(t, r.Finish(ctx, nil))
		assert.NoError(t, CheckTarget(ctx, db, "twenty", b, false), "the push before it went to this server")
		start(t, db, "twenty", "rollback", b, old)
		assert.NoError(t, CheckTarget(ctx, db, "twenty", "https://third.example.edu", false), "every push undone")
	})
	t.Run("an Odoo target's database is part of the server", func(t *testing.T) {
		db := open(t)
		start(t, db, "odoo", "push", "http://odoo.example.edu db trial", 0)
		assert.Error(t, CheckTarget(ctx, db, "odoo", "http://odoo.example.edu db school", false))
		assert.NoError(t, CheckTarget(ctx, db, "odoo", "http://odoo.example.edu/ db trial", false))
	})
	t.Run("a log without targets is not checked; a run without one is refused", func(t *testing.T) {
		db := open(t)
		start(t, db, "twenty", "push", "", 0)
		assert.NoError(t, CheckTarget(ctx, db, "twenty", b, false))
		assert.ErrorIs(t, CheckTarget(ctx, db, "twenty", "", false), ErrTargetUnknown)
	})
	t.Run("a rollback goes to its push's server", func(t *testing.T) {
		db := open(t)
		p := start(t, db, "twenty", "push", a, 0)
		q := start(t, db, "twenty", "push", b, 0)
		err := checkRollbackTarget(ctx, db, "twenty", p, b, false)
		var te *TargetError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, TargetError{Destination: "twenty", Logged: a, Run: p, Target: b, Rollback: true}, *te)
		assert.NoError(t, checkRollbackTarget(ctx, db, "twenty", p, a, false))
		assert.NoError(t, checkRollbackTarget(ctx, db, "twenty", q, b, false))
		assert.NoError(t, checkRollbackTarget(ctx, db, "twenty", p, b, true))
	})
}

func TestSameTarget(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"https://crm.example.edu", "https://crm.example.edu/", true},
		{"https://crm.example.edu", "HTTPS://CRM.EXAMPLE.EDU", true},
		{"https://crm.example.edu/twenty", "https://crm.example.edu/Twenty", false},
		{"https://crm.example.edu:8443", "https://crm.example.edu", false},
		{"http://crm.example.edu", "https://crm.example.edu", false},
		{"http://o.example.edu db a", "http://o.example.edu db A", false},
		{"http://o.example.edu db a", "http://O.example.edu/ db a", true},
		{"https://crm.example.edu workspace w1", "https://crm.example.edu workspace w2", false},
		{"https://crm.example.edu workspace w1", "https://crm.example.edu/ workspace w1", true},
		{"https://crm.example.edu", "https://crm.example.edu workspace w1", true}, // logged before workspaces were
		{"https://crm.example.edu workspace w1", "https://other.example.edu workspace w1", false},
	} {
		assert.Equal(t, c.same, SameTarget(c.a, c.b), "%q %q", c.a, c.b)
	}
}
