package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestNothingSilentlyEmpty: an export whose patient file matches no pattern
// is listed by load with the patterns tried, and run and export then refuse
// (exit 3) instead of building and writing empty tables and files.
func TestNothingSilentlyEmpty(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	mig := filepath.Join(dir, "mig")
	require.NoError(t, os.MkdirAll(export, 0o700))
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(export, name), []byte(content), 0o600))
	}
	// Another institution's name for the patient report; the clinic list
	// matches the default pattern.
	write("PatientList.csv", "Patient,LastName\n100,Ng\n")
	write("clinic.csv", "Clinic,Name\nMAIN,Main clinic\n")

	r := cli(t, "", "init", mig)
	require.Equal(t, 0, r.code, r.stderr)

	r = cli(t, "", "load", export, "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "PatientList.csv", "the unmatched file is listed")
	assert.Contains(t, r.stderr, "patient.{csv,", "with the patterns tried for patient")
	assert.Contains(t, r.stderr, "no file matched patient")

	r = cli(t, "", "run", "--project", mig)
	assert.Equal(t, exitValidation, r.code, "run on a project without patients: %s", r.stderr)
	assert.Contains(t, r.stderr, "raw.patient is empty")
	assert.NotContains(t, r.stdout, "Snapshot", "nothing was built")

	// A selection that reads no patient still builds.
	r = cli(t, "", "run", "--project", mig, "--select", "stg_clinic")
	require.Equal(t, 0, r.code, r.stderr)
	out := filepath.Join(dir, "twenty-import")
	r = cli(t, "", "export", "twenty", "--out", out, "--project", mig)
	assert.Equal(t, exitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "twenty.person has not been built")

	// Models built on an empty project (as an earlier version did): export
	// refuses to write empty import files.
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(mig, warehouse.FileName)})
	require.NoError(t, err)
	for _, q := range []string{`CREATE TABLE twenty.person AS SELECT 'x' AS id WHERE false`,
		`CREATE TABLE odoo.res_partner_patient AS SELECT 'x' AS id WHERE false`} {
		_, err = wh.DB().Exec(q)
		require.NoError(t, err)
	}
	require.NoError(t, wh.Close())
	for _, crm := range []string{"twenty", "odoo"} {
		r = cli(t, "", "export", crm, "--out", out, "--project", mig)
		assert.Equal(t, exitValidation, r.code, r.stderr)
		assert.Contains(t, r.stderr, "is empty: no patient was loaded")
	}
	entries, _ := os.ReadDir(out)
	assert.Empty(t, entries, "no import file written")
	// Nor does push (dry run or not) send an empty migration.
	t.Setenv("TWENTY_URL", "http://127.0.0.1:1")
	t.Setenv("TWENTY_API_KEY", "none")
	for _, args := range [][]string{{"push", "twenty", "--dry-run"}, {"push", "twenty"}} {
		r = cli(t, "", append(args, "--project", mig)...)
		assert.Equal(t, exitValidation, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, "is empty: no patient was loaded")
	}

	// An export where nothing matches at all fails the load and lists both.
	empty := filepath.Join(dir, "other")
	require.NoError(t, os.MkdirAll(empty, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(empty, "PatList.txt"), []byte("Patient\n1\n"), 0o600))
	r = cli(t, "", "load", empty, "--project", mig)
	assert.NotEqual(t, 0, r.code)
	assert.Contains(t, r.stderr, "PatList.txt")
	assert.Contains(t, r.stderr, "patient.{csv,")
}
