package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSnapshotDiffRollback: two runs after a changed model give two
// snapshots; diff names the changed rows and fields; rollback returns the
// table to the first.
func TestSnapshotDiffRollback(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	mig := filepath.Join(dir, "mig")
	r := cli(t, "", "fixtures", "generate", "--out", export, "--patients", "40", "--seed", "11")
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "init", mig)
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "load", export, "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)

	// A project-local destination model, as an institution would add one.
	md := filepath.Join(mig, "models", "twenty")
	require.NoError(t, os.MkdirAll(md, 0o700))
	write := func(sql string) {
		require.NoError(t, os.WriteFile(filepath.Join(md, "twenty_probe.sql"), []byte(sql), 0o600))
	}
	require.NoError(t, os.WriteFile(filepath.Join(md, "twenty_probe.yml"), []byte("key: [id]\n"), 0o600))
	write(`SELECT patient_id AS id, last_name, city, "_batch_id" FROM {{ ref "stg_patient" }}`)
	r = cli(t, "", "run", "--project", mig, "--select", "+twenty_probe")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Snapshot S1: 1 destination tables")

	write(`SELECT patient_id AS id, CASE WHEN patient_id IN ('100003', '100005') THEN 'CHANGED' ELSE last_name END AS last_name, city, "_batch_id"
FROM {{ ref "stg_patient" }} WHERE patient_id <> '100007'`)
	r = cli(t, "", "run", "--project", mig, "--select", "+twenty_probe")
	require.Equal(t, 0, r.code, r.stderr)

	r = cli(t, "", "snapshot", "list", "--project", mig, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var list []struct {
		ID     int64
		Status string
		Rows   int64
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list, 2)
	assert.Equal(t, int64(40), list[0].Rows)
	assert.Equal(t, int64(39), list[1].Rows)

	r = cli(t, "", "diff", "S1", "S2", "--project", mig, "--json", "--details")
	require.Equal(t, 0, r.code, r.stderr)
	var rep struct {
		Tables []struct {
			Model                   string
			Added, Removed, Changed int64
			FieldCounts             map[string]int64 `json:"field_counts"`
			Rows                    []struct{ Key, Kind string }
			Fields                  []struct {
				Key, Field string
				New        *string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Len(t, rep.Tables, 1)
	d := rep.Tables[0]
	assert.Equal(t, "twenty_probe", d.Model)
	assert.Equal(t, int64(0), d.Added)
	assert.Equal(t, int64(1), d.Removed)
	assert.Equal(t, int64(2), d.Changed)
	assert.Equal(t, map[string]int64{"last_name": 2}, d.FieldCounts)
	require.Len(t, d.Rows, 1)
	assert.Equal(t, "100007", d.Rows[0].Key)
	require.Len(t, d.Fields, 2)
	assert.Equal(t, "100003", d.Fields[0].Key)
	assert.Equal(t, "CHANGED", *d.Fields[0].New)

	r = cli(t, "", "diff", "S1", "S2", "--project", mig, "--details")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "removed  100007")

	r = cli(t, "", "rollback", "--snapshot", "S1", "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Marked rolled back: S2")
	r = cli(t, "", "sql", "--project", mig, "--format", "csv", "SELECT count(*) AS n, count(*) FILTER (WHERE last_name = 'CHANGED') AS changed FROM twenty.probe")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "n,changed\n40,0\n", r.stdout)

	r = cli(t, "", "diff", "S1", "nope", "--project", mig)
	assert.Equal(t, 2, r.code)
	r = cli(t, "", "diff", "S1", "S9", "--project", mig)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no such snapshot")
}

// TestRunBuildsOnlyTheProjectsDestinations: with destinations: [twenty],
// a plain run builds staging and twenty models only, and the snapshot
// keeps only twenty tables.
func TestRunBuildsOnlyTheProjectsDestinations(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	mig := filepath.Join(dir, "mig")
	require.Equal(t, 0, cli(t, "", "fixtures", "generate", "--out", export, "--patients", "15", "--seed", "5").code)
	require.Equal(t, 0, cli(t, "", "init", mig).code)
	cfgPath := filepath.Join(mig, "axium2crm.yaml")
	b, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	require.Contains(t, string(b), "destinations: [twenty, odoo]")
	require.NoError(t, os.WriteFile(cfgPath, []byte(strings.Replace(string(b), "destinations: [twenty, odoo]", "destinations: [twenty]", 1)), 0o600))
	require.Equal(t, 0, cli(t, "", "load", export, "--project", mig).code)

	r := cli(t, "", "run", "--project", mig, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rep struct {
		Results  []struct{ Model, Schema string }
		Snapshot struct {
			Tables []struct{ Schema string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	schemas := map[string]int{}
	for _, m := range rep.Results {
		schemas[m.Schema]++
	}
	assert.Zero(t, schemas["odoo"], "no odoo model is built")
	assert.NotZero(t, schemas["twenty"])
	assert.NotZero(t, schemas["staging"])
	for _, k := range rep.Snapshot.Tables {
		assert.Equal(t, "twenty", k.Schema)
	}

	require.NoError(t, os.WriteFile(cfgPath, []byte(strings.Replace(string(b), "destinations: [twenty, odoo]", "destinations: [salesforce]", 1)), 0o600))
	r = cli(t, "", "run", "--project", mig)
	assert.Equal(t, 3, r.code)
	assert.Contains(t, r.stderr, `"salesforce" is not a destination`)
}

// TestDiffAfterAChangedExport: a newer export of the patients, with one
// name changed and one patient gone, loaded and run, diffs against the
// first run by key and field in twenty.person and odoo.res_partner_patient.
func TestDiffAfterAChangedExport(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	mig := filepath.Join(dir, "mig")
	require.Equal(t, 0, cli(t, "", "fixtures", "generate", "--out", export, "--patients", "25", "--seed", "3").code)
	require.Equal(t, 0, cli(t, "", "init", mig).code)
	require.Equal(t, 0, cli(t, "", "load", export, "--project", mig).code)
	r := cli(t, "", "run", "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)

	// The cutover export: patient 100002 renamed, 100003 no longer exported.
	b, err := os.ReadFile(filepath.Join(export, "patient.csv"))
	require.NoError(t, err)
	var out []string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "100002,"):
			f := strings.Split(line, ",")
			f[2] = "Renamedsdottir"
			line = strings.Join(f, ",")
		case strings.HasPrefix(line, "100003,"):
			continue
		}
		out = append(out, line)
	}
	export2 := filepath.Join(dir, "export-2")
	require.NoError(t, os.MkdirAll(export2, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(export2, "patient.csv"), []byte(strings.Join(out, "")), 0o600))
	r = cli(t, "", "load", export2, "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "run", "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)

	r = cli(t, "", "diff", "S1", "S2", "--project", mig, "--model", "twenty_person", "--model", "odoo_res_partner_patient", "--details", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rep struct {
		Tables []struct {
			Model                   string
			Added, Removed, Changed int64
			FieldCounts             map[string]int64 `json:"field_counts"`
			Fields                  []struct {
				Field    string
				Old, New *string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Len(t, rep.Tables, 2)
	for _, d := range rep.Tables {
		// source() keeps the newest batch of each record, so a patient
		// missing from the newer export stays (deletes need a full export
		// to be trusted: see push --propagate-deletes).
		assert.Equal(t, int64(0), d.Added, d.Model)
		assert.Equal(t, int64(0), d.Removed, d.Model)
		assert.Equal(t, int64(1), d.Changed, "%s: only the renamed patient changed: %+v", d.Model, d.FieldCounts)
		var renamed bool
		for _, f := range d.Fields {
			if f.New != nil && strings.Contains(*f.New, "Renamedsdottir") {
				renamed = true
			}
		}
		assert.True(t, renamed, "%s: the new name is in the field-level diff: %+v", d.Model, d.Fields)
	}
}
