package exportertest

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
)

// The steps below each reproduce a way a push, a resume or a rollback lost
// or stranded records, found in review; every destination must pass them.
const (
	// RollbackUnresumed: a push interrupted after the destination took a
	// write whose answer never came, rolled back without a resume, leaves
	// the destination as it was before the push.
	RollbackUnresumed Step = "rollback_of_unresumed_interrupted_push"
	// UpdateInterrupted: an update the destination committed before the
	// push was interrupted keeps the record's original values as its
	// pre-image through the resume, so the rollback restores them.
	UpdateInterrupted Step = "interrupted_update_keeps_original_values"
	// PreexistingSurvives: a record the destination held before the push
	// that the migration's records would match (Twenty: the same primary
	// e-mail; Odoo: the same external id) is not overwritten beyond what a
	// rollback restores, and not deleted by the rollback.
	PreexistingSurvives Step = "record_there_before_survives_push_and_rollback"
	// GateCurrentTests: a push needs data tests that ran on the current
	// build of the models; a dry run is always allowed.
	GateCurrentTests Step = "gate_needs_tests_of_the_current_build"
	// DryRunAfterCrash: after an interrupted push, a dry run plans what
	// the resume then does.
	DryRunAfterCrash Step = "dry_run_after_crash_matches_resume"
	// OlderRollbackRefused: a push cannot be rolled back while a later
	// push wrote the same records and was not rolled back.
	OlderRollbackRefused Step = "rollback_of_older_push_refused_under_newer"
)

// defects runs the steps above, each on a fresh server and a fresh copy
// of the warehouse.
func defects(t *testing.T, h Harness, b built, name string, step func(Step, func(*testing.T)) bool) {
	ctx := context.Background()
	fresh := func(t *testing.T) (exporters.Destination, Server, *sql.DB) {
		dest, srv := h.Start(t)
		return dest, srv, copyWarehouse(t, b, name, true)
	}
	// interrupted pushes with a fault armed (Server.InterruptPush or
	// Server.InterruptFirstWrite) that cancels the push, and heals the
	// server once the push has stopped.
	interrupted := func(t *testing.T, dest exporters.Destination, srv Server, db *sql.DB, arm func(Server, context.CancelFunc)) exporters.PushReport {
		t.Helper()
		kctx, cancel := context.WithCancel(ctx)
		defer cancel()
		arm(srv, cancel)
		rep, err := dest.Push(kctx, db, exporters.PushOptions{Args: "exportertest"})
		require.ErrorIs(t, err, context.Canceled)
		srv.Heal()
		return rep
	}

	step(RollbackUnresumed, func(t *testing.T) {
		dest, srv, db := fresh(t)
		before := srv.State()
		rep := interrupted(t, dest, srv, db, Server.InterruptPush)
		require.Positive(t, rep.RunID)

		_, err := dest.Rollback(ctx, db, rep.RunID, exporters.RollbackOptions{Args: "exportertest"})
		require.NoError(t, err)
		assert.Equal(t, before, srv.State(), "the rollback undid every write, including the one whose answer was lost")

		// The settled, rolled-back push is closed: a new push starts.
		again, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.NoError(t, err)
		assert.NotEqual(t, rep.RunID, again.RunID)
	})

	step(UpdateInterrupted, func(t *testing.T) {
		dest, srv, db := fresh(t)
		first, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.NoError(t, err)
		require.Zero(t, first.Failures)
		pushed := srv.State()

		table, column := h.Changeable()
		changed := changeRows(t, db, table, column)
		require.Positive(t, changed)
		rep := interrupted(t, dest, srv, db, Server.InterruptFirstWrite)
		require.NotEqual(t, pushed, srv.State(), "the interrupted update landed")

		res, err := dest.Push(ctx, db, exporters.PushOptions{Resume: true, Args: "exportertest"})
		require.NoError(t, err)
		assert.Equal(t, rep.RunID, res.RunID)

		_, err = dest.Rollback(ctx, db, rep.RunID, exporters.RollbackOptions{Args: "exportertest"})
		require.NoError(t, err)
		assert.Equal(t, pushed, srv.State(), "the rollback restored the values from before the interrupted update")
	})

	step(PreexistingSurvives, func(t *testing.T) {
		dest, srv, db := fresh(t)
		planted := srv.Preexisting(t, db)
		before := srv.State()
		rep, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.NoError(t, err)
		var created int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND dest_id = ? AND action = 'create'`,
			rep.RunID, planted.ID).Scan(&created))
		assert.Zero(t, created, "the record that was there before is not logged as created by the push")

		// With the data model the push added, so the record compares
		// field for field with what it was.
		_, err = dest.Rollback(ctx, db, rep.RunID, exporters.RollbackOptions{Schema: true, Args: "exportertest"})
		require.NoError(t, err)
		assert.Equal(t, before, srv.State(), "the record that was there before is as it was, and nothing else is left")
	})

	step(GateCurrentTests, func(t *testing.T) {
		dest, srv, db := fresh(t)
		calls := srv.Calls()
		// The models are rebuilt (a new load, `run`) and not tested since.
		rebuild(t, db, name)
		_, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.ErrorIs(t, err, exporters.ErrTestsFailed)
		assert.Contains(t, err.Error(), "after its data tests last ran")
		assert.Equal(t, calls, srv.Calls(), "refused before any call")

		_, err = dest.Push(ctx, db, exporters.PushOptions{DryRun: true, Args: "exportertest"})
		require.NoError(t, err, "a dry run is always allowed")

		// No data test ever ran.
		_, err = db.Exec("DELETE FROM meta.test_result")
		require.NoError(t, err)
		_, err = dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.ErrorIs(t, err, exporters.ErrTestsFailed)
		_, err = dest.Push(ctx, db, exporters.PushOptions{DryRun: true, Args: "exportertest"})
		require.NoError(t, err, "a dry run is always allowed")
	})

	step(DryRunAfterCrash, func(t *testing.T) {
		dest, srv, db := fresh(t)
		interrupted(t, dest, srv, db, Server.InterruptPush)

		plan, err := dest.Push(ctx, db, exporters.PushOptions{DryRun: true, Args: "exportertest"})
		require.NoError(t, err)
		res, err := dest.Push(ctx, db, exporters.PushOptions{Resume: true, Args: "exportertest"})
		require.NoError(t, err)
		assert.Equal(t, planned(plan), planned(res), "the dry run planned what the resume did")
	})

	step(OlderRollbackRefused, func(t *testing.T) {
		dest, _, db := fresh(t)
		first, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.NoError(t, err)
		table, column := h.Changeable()
		require.Positive(t, changeRows(t, db, table, column))
		second, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.NoError(t, err)
		_, err = dest.Rollback(ctx, db, first.RunID, exporters.RollbackOptions{Args: "exportertest"})
		var ne *exporters.NewerPushError
		require.ErrorAs(t, err, &ne)
		assert.Equal(t, second.RunID, ne.Newer[0].RunID)

		_, err = dest.Rollback(ctx, db, second.RunID, exporters.RollbackOptions{Args: "exportertest"})
		require.NoError(t, err)
		_, err = dest.Rollback(ctx, db, first.RunID, exporters.RollbackOptions{Args: "exportertest"})
		require.NoError(t, err, "newest first, then the older one")
		var ue *audit.UnfinishedError
		assert.False(t, errors.As(err, &ue))
	})
}

// planned is a push report's counts by table, to compare a plan with a run.
func planned(rep exporters.PushReport) map[string][4]int {
	out := map[string][4]int{}
	for _, c := range rep.Tables {
		out[c.Table] = [4]int{c.Created, c.Updated, c.Skipped, c.Failed}
	}
	return out
}

var viewSource = regexp.MustCompile(`(?i)FROM\s+("?snap"?\."?[A-Za-z0-9_]+"?)`)

// changeRows changes column of every third row of a destination table, as
// a new export would: the table is a view over the run's stored table,
// which is changed in place. It returns the rows changed.
func changeRows(t testing.TB, db *sql.DB, table, column string) int64 {
	t.Helper()
	schema, name, _ := strings.Cut(table, ".")
	stored := table
	var def string
	err := db.QueryRow("SELECT sql FROM duckdb_views() WHERE schema_name = ? AND view_name = ?", schema, name).Scan(&def)
	if err == nil {
		m := viewSource.FindStringSubmatch(def)
		require.NotNil(t, m, "%s reads a stored table: %s", table, def)
		stored = m[1]
	} else {
		require.ErrorIs(t, err, sql.ErrNoRows)
	}
	q := `UPDATE ` + stored + ` SET "` + column + `" = coalesce("` + column + `", '') || ' (changed)'
		WHERE hash(id) % 3 = 0`
	res, err := db.Exec(q)
	require.NoError(t, err, q)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	return n
}

// rebuild runs the destination's models again, as `axium2crm run` does
// after a new load, without running their data tests.
func rebuild(t testing.TB, db *sql.DB, destination string) {
	t.Helper()
	ctx := context.Background()
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	var model string
	require.NoError(t, db.QueryRow("SELECT model FROM meta.model_run WHERE schema_name = ? ORDER BY row_count, model LIMIT 1", destination).Scan(&model))
	run, err := set.Run(ctx, db, models.RunOptions{Select: []string{model}, Sources: models.Sources(loaders.DefaultSpecs()), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.NotEmpty(t, run.Results)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
}
