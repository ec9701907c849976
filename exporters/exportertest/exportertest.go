// Package exportertest is the one test suite every exporters.Destination
// runs, each against its own in-process test server: on a warehouse built
// by the real pipeline (a generated axiUm export, loaded, every embedded
// model run, the data tests run, the map confirmed) it checks what the
// Destination contract promises, step by step:
//
//  1. a push is refused before any call to the server while the map is
//     unconfirmed;
//  2. a push creates exactly one destination record per table row;
//  3. a second push creates and updates nothing;
//  4. a push interrupted half-way, refused without resume, then resumed
//     ends with the same server state as (2);
//  5. verify right after the push is clean;
//  6. after a field is edited, a record deleted and one added behind the
//     migration's back, verify reports exactly those three;
//  7. a rollback of the push leaves the server as before it, and running
//     the rollback again changes nothing;
//
// and that ExportCSV writes one import row per table row of every object
// it does not leave to the push, without calling the server.
//
// A destination's package calls Run from a test of its own with a Harness
// that starts its test server.
package exportertest

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// Step names one check of the suite (a subtest of Run).
type Step string

// The suite's steps, in the order Run takes them.
const (
	RefuseUnconfirmed Step = "refuse_unconfirmed_map"
	CreateOnePerRow   Step = "create_one_record_per_row"
	SecondPushNoop    Step = "second_push_sends_nothing"
	ResumeInterrupted Step = "interrupted_then_resumed"
	VerifyClean       Step = "verify_clean"
	VerifyTampering   Step = "verify_finds_tampering"
	RollbackRestores  Step = "rollback_restores_and_reruns"
	ExportCSV         Step = "export_csv"
)

// Ref is one record: its warehouse table (schema-qualified) and its id
// as the table holds it.
type Ref struct {
	Table, ID string
}

// Harness gives the suite fresh destinations and their servers.
type Harness interface {
	// Start starts an empty test server in this process and returns a
	// Destination that pushes to it. The server lives until t ends.
	Start(t testing.TB) (exporters.Destination, Server)
	// Objects maps every destination table of db (schema.table) to the
	// destination object it fills (several tables may fill one object).
	Objects(t testing.TB, db *sql.DB) map[string]string
	// Skip names the steps the destination cannot support, with why;
	// nil runs them all.
	Skip() map[Step]string
	// Changeable names a destination table and a text column of it whose
	// change the destination takes as an update of existing records.
	Changeable() (table, column string)
}

// Server is what the suite may see and do at a test server.
type Server interface {
	// Calls is how many requests the server received so far.
	Calls() int
	// Count is how many records of a destination object the migration
	// owns at the server (all of them, or those bound to its ids).
	Count(object string) int
	// State is everything the server holds of the pushed objects, with
	// what the server stamps itself (write times, upload paths, database
	// ids) left out, so two servers' states compare with assert.Equal.
	State() any
	// InterruptPush arms a fault: half-way through a push's record writes
	// the server calls cancel, as a user's Ctrl-C would. Heal disarms it.
	InterruptPush(cancel context.CancelFunc)
	// InterruptFirstWrite arms a fault: the next record write is done and
	// committed, its answer lost, and cancel called. Heal disarms it.
	InterruptFirstWrite(cancel context.CancelFunc)
	Heal()
	// Preexisting puts a record at the server, as a user or an earlier
	// import would, that one of the migration's records would match (by a
	// unique value or by its id) and returns it.
	Preexisting(t testing.TB, db *sql.DB) Ref
	// Edit changes one field of one pushed record, as a user of the CRM
	// would, and returns the record and the field as verify names it.
	Edit(t testing.TB, db *sql.DB) (Ref, string)
	// Delete deletes one pushed record (not the one Edit changes).
	Delete(t testing.TB, db *sql.DB) Ref
	// AddExtra adds a record verify must count as extra: one the tables
	// do not hold, but that belongs to the migration's records.
	AddExtra(t testing.TB, db *sql.DB) Ref
	// RemoveExtra deletes the record AddExtra added, as its maker would.
	RemoveExtra(t testing.TB, r Ref)
}

// Patients is the size of the generated export: every object gets rows,
// a push spans several batches, and the suite stays quick.
const Patients = 25

// Run runs every step for the destination h starts.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	skip := h.Skip()
	step := func(s Step, fn func(t *testing.T)) bool {
		return t.Run(string(s), func(t *testing.T) {
			if why, ok := skip[s]; ok {
				t.Skip(why)
			}
			fn(t)
		})
	}
	dest, srv := h.Start(t)
	name := dest.Name()
	base := buildWarehouse(t, name)
	db := copyWarehouse(t, base, name, false)
	objects := h.Objects(t, db)
	require.NotEmpty(t, objects, "the harness maps the tables to objects")
	rows := tableRows(t, db, objects)
	for table, n := range rows {
		require.Positive(t, n, "the fixture gives every table rows (%s)", table)
	}
	want := perObject(rows, objects)

	counts := func(s Server) map[string]int {
		out := map[string]int{}
		for o := range want {
			out[o] = s.Count(o)
		}
		return out
	}
	before := counts(srv)
	beforeState := srv.State()
	var pushRun int64
	var pushedState any

	step(RefuseUnconfirmed, func(t *testing.T) {
		calls := srv.Calls()
		_, err := dest.Push(ctx, db, exporters.PushOptions{})
		var nc *mapping.NotConfirmedError
		require.ErrorAs(t, err, &nc)
		assert.Equal(t, name, nc.Destination)
		assert.Equal(t, calls, srv.Calls(), "no call reached the server")
		assert.Equal(t, before, counts(srv))
	})
	confirm(t, db, name)

	created := step(CreateOnePerRow, func(t *testing.T) {
		rep, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.NoError(t, err)
		require.Zero(t, rep.Failures, "%+v", rep.Detail)
		pushRun = rep.RunID
		require.Positive(t, pushRun)
		got := counts(srv)
		for o, n := range want {
			assert.Equal(t, n, got[o]-before[o], "one %s per table row", o)
		}
		byTable := map[string]exporters.TableCount{}
		for _, c := range rep.Tables {
			byTable[c.Table] = c
		}
		for table, n := range rows {
			c := byTable[table]
			assert.Equal(t, objects[table], c.Object, table)
			assert.Equal(t, n, c.Rows, table)
			assert.Equal(t, n, c.Created, "%s: every row created", table)
			assert.Zero(t, c.Updated+c.Skipped+c.Failed, table)
		}
		pushedState = srv.State()
	})
	if !created {
		t.Fatal("the first push failed: the later steps depend on it")
	}

	step(SecondPushNoop, func(t *testing.T) {
		rep, err := dest.Push(ctx, db, exporters.PushOptions{Args: "exportertest"})
		require.NoError(t, err)
		assert.NotEqual(t, pushRun, rep.RunID, "a run of its own")
		for _, c := range rep.Tables {
			assert.Equal(t, rows[c.Table], c.Skipped, "%s: every row skipped", c.Table)
			assert.Zero(t, c.Created+c.Updated+c.Failed, c.Table)
		}
		assert.Equal(t, pushedState, srv.State(), "nothing changed at the server")
	})

	step(ResumeInterrupted, func(t *testing.T) {
		dest2, srv2 := h.Start(t)
		db2 := copyWarehouse(t, base, name, true)
		kctx, cancel := context.WithCancel(ctx)
		defer cancel()
		srv2.InterruptPush(cancel)
		rep, err := dest2.Push(kctx, db2, exporters.PushOptions{Args: "exportertest"})
		require.Error(t, err)
		require.ErrorIs(t, err, context.Canceled)
		srv2.Heal()
		require.Positive(t, rep.RunID, "the run was logged as started")
		partial, total := 0, 0
		for o, n := range want {
			partial += srv2.Count(o)
			total += n
		}
		require.Positive(t, partial, "some records landed before the interruption")
		require.Less(t, partial, total, "the push stopped half-way")

		// A call the cancelled push had on the wire may still reach the
		// server after the push returned: count from when it is quiet.
		calls := quietCalls(srv2)
		_, err = dest2.Push(ctx, db2, exporters.PushOptions{Args: "exportertest"})
		var ue *audit.UnfinishedError
		require.ErrorAs(t, err, &ue, "a new push is refused while one is unfinished")
		assert.Equal(t, rep.RunID, ue.RunID)
		assert.Equal(t, calls, srv2.Calls(), "refused before any call")

		res, err := dest2.Push(ctx, db2, exporters.PushOptions{Resume: true, Args: "exportertest"})
		require.NoError(t, err)
		assert.True(t, res.Resumed)
		assert.Equal(t, rep.RunID, res.RunID, "the interrupted run carried on")
		assert.Zero(t, res.Failures)
		assert.Equal(t, want, counts(srv2), "nothing sent twice, nothing lost")
		assert.Equal(t, pushedState, srv2.State(), "the same end as an uninterrupted push")

		_, err = dest2.Push(ctx, db2, exporters.PushOptions{Resume: true})
		assert.ErrorIs(t, err, audit.ErrNothingToResume)
	})

	step(VerifyClean, func(t *testing.T) {
		rep, err := dest.Verify(ctx, db, exporters.VerifyOptions{Args: "exportertest"})
		require.NoError(t, err)
		assert.Zero(t, rep.Differences(), "clean right after the push: %s", describe(rep))
		assert.GreaterOrEqual(t, rep.PushRun, pushRun)
		seen := map[string]bool{}
		for _, tv := range rep.Tables {
			seen[tv.Table] = true
			assert.Equal(t, rows[tv.Table], tv.Expected, tv.Table)
			assert.Equal(t, rows[tv.Table], tv.Found, tv.Table)
		}
		for table := range rows {
			assert.True(t, seen[table], "verify reads %s", table)
		}
	})

	var extra Ref
	step(VerifyTampering, func(t *testing.T) {
		edited, field := srv.Edit(t, db)
		deleted := srv.Delete(t, db)
		extra = srv.AddExtra(t, db)
		require.NotEqual(t, edited, deleted)
		rep, err := dest.Verify(ctx, db, exporters.VerifyOptions{Args: "exportertest"})
		require.NoError(t, err)
		assert.Equal(t, 3, rep.Differences(), describe(rep))
		for _, tv := range rep.Tables {
			var mismatched int
			var missing, extras []string
			if tv.Table == edited.Table {
				mismatched = 1
				if assert.Len(t, tv.Differences, 1, tv.Table) {
					assert.Equal(t, edited.ID, tv.Differences[0].ID)
					assert.Equal(t, field, tv.Differences[0].Field)
					assert.NotEqual(t, tv.Differences[0].Source, tv.Differences[0].Destination)
				}
			}
			if tv.Table == deleted.Table {
				missing = []string{deleted.ID}
			}
			if tv.Table == extra.Table {
				extras = []string{extra.ID}
			}
			assert.Equal(t, mismatched, tv.Mismatched, tv.Table)
			assert.Equal(t, missing, nilIfEmpty(tv.MissingIDs), tv.Table)
			assert.Equal(t, extras, nilIfEmpty(tv.ExtraIDs), tv.Table)
			assert.Equal(t, len(missing), tv.Missing, tv.Table)
			assert.Equal(t, len(extras), tv.Extra, tv.Table)
		}
	})

	step(RollbackRestores, func(t *testing.T) {
		if extra.ID != "" {
			// Not the push's record: its maker removes it.
			srv.RemoveExtra(t, extra)
		}
		rb, err := dest.Rollback(ctx, db, pushRun, exporters.RollbackOptions{Args: "exportertest"})
		require.NoError(t, err)
		assert.Equal(t, pushRun, rb.PushRun)
		undone := 0
		for _, c := range rb.Tables {
			assert.Zero(t, c.Restored, "%s: the push created every record, it updated none", c.Table)
			undone += c.Destroyed + c.AlreadyGone
		}
		total := 0
		for _, n := range rows {
			total += n
		}
		assert.Equal(t, total, undone, "every record the push created is undone once")
		assert.Equal(t, before, counts(srv))
		assert.Equal(t, beforeState, srv.State(), "the server as before the push")

		calls := srv.Calls()
		again, err := dest.Rollback(ctx, db, pushRun, exporters.RollbackOptions{Args: "exportertest"})
		require.NoError(t, err)
		for _, c := range again.Tables {
			assert.Zero(t, c.Destroyed+c.Restored, "%s: nothing left to undo", c.Table)
		}
		assert.Equal(t, beforeState, srv.State(), "a second rollback changes nothing")
		t.Logf("the second rollback made %d calls", srv.Calls()-calls)

		_, err = dest.Rollback(ctx, db, pushRun+1000, exporters.RollbackOptions{})
		assert.Error(t, err, "an unknown run is refused")
	})

	step(ExportCSV, func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "import")
		calls := srv.Calls()
		rep, err := dest.ExportCSV(ctx, db, dir)
		require.NoError(t, err)
		assert.Equal(t, calls, srv.Calls(), "no call to the server")
		assert.FileExists(t, rep.Readme)
		require.NotEmpty(t, rep.Files)
		inFiles := map[string]int{}
		for _, f := range rep.Files {
			recs := readCSV(t, f.Path)
			require.NotEmpty(t, recs, f.Path)
			assert.Len(t, recs[0], f.Columns, "%s: header", f.Path)
			assert.Equal(t, f.Rows, len(recs)-1, "%s: rows", f.Path)
			inFiles[f.Object] += f.Rows
		}
		for o, n := range want {
			if got, ok := inFiles[o]; ok {
				assert.Equal(t, n, got, "%s: one import row per table row", o)
				continue
			}
			assert.True(t, mentions(rep.Skipped, o), "%s has no file and the report says why (%v)", o, rep.Skipped)
		}
	})

	defects(t, h, base, name, step)
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func mentions(lines []string, word string) bool {
	for _, l := range lines {
		if strings.Contains(l, word) {
			return true
		}
	}
	return false
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	require.NoError(t, err, path)
	return recs
}

// describe lists every difference of a report, for a failing assertion.
func describe(rep exporters.VerifyReport) string {
	var b strings.Builder
	for _, tv := range rep.Tables {
		if tv.Missing+tv.Extra+tv.Mismatched == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s: missing %v extra %v mismatched %d\n", tv.Table, tv.MissingIDs, tv.ExtraIDs, tv.Mismatched)
		for _, d := range tv.Differences {
			fmt.Fprintf(&b, "  %s %s: source %q, destination %q\n", d.ID, d.Field, d.Source, d.Destination)
		}
	}
	return b.String()
}

// tableRows counts the rows of every mapped table.
func tableRows(t testing.TB, db *sql.DB, objects map[string]string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for table := range objects {
		schema, name, ok := strings.Cut(table, ".")
		require.True(t, ok, "%s is schema-qualified", table)
		var n int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM "+warehouse.QuoteIdent(schema)+"."+warehouse.QuoteIdent(name)).Scan(&n))
		out[table] = n
	}
	return out
}

func perObject(rows map[string]int, objects map[string]string) map[string]int {
	out := map[string]int{}
	for table, n := range rows {
		out[objects[table]] += n
	}
	return out
}

// built is a warehouse file built once per Run and copied for each
// destination that needs a fresh audit log.
type built struct {
	path string
}

// buildWarehouse generates an export, loads it, runs every embedded model
// and the data tests (those of the destination's models must pass), and
// leaves the map unconfirmed. The export directory stays until t ends:
// attachments are read from it.
func buildWarehouse(t *testing.T, destination string) built {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	_, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: Patients, Seed: 7, Format: "csv"})
	require.NoError(t, err)
	path := filepath.Join(dir, "base.duckdb")
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: path, Threads: 1})
	require.NoError(t, err)
	defer wh.Close()
	rep, err := loaders.Load(ctx, wh.DB(), export, loaders.Options{Specs: loaders.DefaultSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed())
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	sources := models.Sources(loaders.DefaultSpecs())
	run, err := set.Run(ctx, wh.DB(), models.RunOptions{Sources: sources, TempDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	res, err := set.Test(ctx, wh.DB(), nil, sources)
	require.NoError(t, err)
	for _, r := range res {
		if strings.HasPrefix(r.Model, destination+"_") {
			require.Equal(t, "pass", r.Status, "%s %s: %s %v", r.Model, r.Test, r.Message, r.Samples)
		}
	}
	require.NoError(t, wh.Close())
	return built{path: path}
}

// copyWarehouse opens a copy of the built warehouse, with the
// destination's map confirmed when confirmed is set.
func copyWarehouse(t testing.TB, b built, destination string, confirmed bool) *sql.DB {
	t.Helper()
	data, err := os.ReadFile(b.path)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: path, Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	if confirmed {
		confirm(t, wh.DB(), destination)
	}
	return wh.DB()
}

// confirm confirms the destination's map as a person would after
// reviewing it.
func confirm(t testing.TB, db *sql.DB, destination string) {
	t.Helper()
	ctx := context.Background()
	m, err := mapping.Read(ctx, db, destination)
	require.NoError(t, err)
	if m.Confirmed != nil {
		return
	}
	_, err = mapping.Confirm(ctx, db, m, "exportertest", "", 0)
	require.NoError(t, err)
}

// quietCalls is the server's call count once no call has arrived for a
// moment (at most a few seconds).
func quietCalls(srv interface{ Calls() int }) int {
	n := srv.Calls()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		m := srv.Calls()
		if m == n {
			return n
		}
		n = m
	}
	return n
}
