package models_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// The perio models of both CRMs, and the models whose rows follow them.
var perioModels = []string{"twenty_perio_record+", "odoo_x_perio_record+"}

// siteRows is every grain's perio table read back as the site grain's
// rows: (exam, tooth, site, probing depth, gingival margin, CAL, bleeding,
// suppuration, mobility, furcation). A tooth record gives a row per site
// that holds a value; an exam's chart a row per site it names.
var siteRows = map[string]map[string]string{
	"twenty": {
		"site": `SELECT axium_exam_id AS exam, tooth, site, probing_depth AS pd, gingival_margin AS gm,
			clinical_attachment_level AS cal, bleeding, suppuration, mobility, furcation FROM grains.twenty_site`,
		"tooth": `SELECT axium_exam_id AS exam, tooth, s.site, s.pd, s.gm, s.cal, s.bleeding, s.suppuration, mobility, s.furcation
			FROM grains.twenty_tooth, unnest([
				{'site': 'MB', 'pd': pd_mb, 'gm': gm_mb, 'cal': cal_mb, 'bleeding': bleeding_mb, 'suppuration': suppuration_mb, 'furcation': furcation_mb},
				{'site': 'B', 'pd': pd_b, 'gm': gm_b, 'cal': cal_b, 'bleeding': bleeding_b, 'suppuration': suppuration_b, 'furcation': furcation_b},
				{'site': 'DB', 'pd': pd_db, 'gm': gm_db, 'cal': cal_db, 'bleeding': bleeding_db, 'suppuration': suppuration_db, 'furcation': furcation_db},
				{'site': 'ML', 'pd': pd_ml, 'gm': gm_ml, 'cal': cal_ml, 'bleeding': bleeding_ml, 'suppuration': suppuration_ml, 'furcation': furcation_ml},
				{'site': 'L', 'pd': pd_l, 'gm': gm_l, 'cal': cal_l, 'bleeding': bleeding_l, 'suppuration': suppuration_l, 'furcation': furcation_l},
				{'site': 'DL', 'pd': pd_dl, 'gm': gm_dl, 'cal': cal_dl, 'bleeding': bleeding_dl, 'suppuration': suppuration_dl, 'furcation': furcation_dl}
			]) AS u(s)
			WHERE s.pd IS NOT NULL OR s.gm IS NOT NULL OR s.cal IS NOT NULL OR s.bleeding IS NOT NULL
			   OR s.suppuration IS NOT NULL OR s.furcation IS NOT NULL`,
		"exam": `SELECT axium_exam_id AS exam, t.key AS tooth, s.key AS site,
				CAST(s.value->>'probing_depth' AS INTEGER) AS pd, CAST(s.value->>'gingival_margin' AS INTEGER) AS gm,
				CAST(s.value->>'cal' AS INTEGER) AS cal, CAST(s.value->>'bleeding' AS BOOLEAN) AS bleeding,
				CAST(s.value->>'suppuration' AS BOOLEAN) AS suppuration, CAST(t.value->>'mobility' AS INTEGER) AS mobility,
				CAST(s.value->>'furcation' AS INTEGER) AS furcation
			FROM grains.twenty_exam, json_each(CAST(chart AS JSON)) AS t, json_each(t.value->'sites') AS s
			WHERE json_type(s.value) <> 'NULL'`,
	},
	"odoo": {
		"site": `SELECT x_exam_id AS exam, x_tooth AS tooth, upper(x_site) AS site, x_probing_depth AS pd, x_gingival_margin AS gm,
			x_cal AS cal, x_bleeding AS bleeding, x_suppuration AS suppuration, x_mobility AS mobility, x_furcation AS furcation
			FROM grains.odoo_site`,
		"tooth": `SELECT x_exam_id AS exam, x_tooth AS tooth, s.site, s.pd, s.gm, s.cal, s.bleeding, s.suppuration, x_mobility AS mobility, s.furcation
			FROM grains.odoo_tooth, unnest([
				{'site': 'MB', 'pd': x_pd_mb, 'gm': x_gm_mb, 'cal': x_cal_mb, 'bleeding': x_bleeding_mb, 'suppuration': x_suppuration_mb, 'furcation': x_furcation_mb},
				{'site': 'B', 'pd': x_pd_b, 'gm': x_gm_b, 'cal': x_cal_b, 'bleeding': x_bleeding_b, 'suppuration': x_suppuration_b, 'furcation': x_furcation_b},
				{'site': 'DB', 'pd': x_pd_db, 'gm': x_gm_db, 'cal': x_cal_db, 'bleeding': x_bleeding_db, 'suppuration': x_suppuration_db, 'furcation': x_furcation_db},
				{'site': 'ML', 'pd': x_pd_ml, 'gm': x_gm_ml, 'cal': x_cal_ml, 'bleeding': x_bleeding_ml, 'suppuration': x_suppuration_ml, 'furcation': x_furcation_ml},
				{'site': 'L', 'pd': x_pd_l, 'gm': x_gm_l, 'cal': x_cal_l, 'bleeding': x_bleeding_l, 'suppuration': x_suppuration_l, 'furcation': x_furcation_l},
				{'site': 'DL', 'pd': x_pd_dl, 'gm': x_gm_dl, 'cal': x_cal_dl, 'bleeding': x_bleeding_dl, 'suppuration': x_suppuration_dl, 'furcation': x_furcation_dl}
			]) AS u(s)
			WHERE s.pd IS NOT NULL OR s.gm IS NOT NULL OR s.cal IS NOT NULL OR s.bleeding IS NOT NULL
			   OR s.suppuration IS NOT NULL OR s.furcation IS NOT NULL`,
		"exam": `SELECT x_exam_id AS exam, t.key AS tooth, s.key AS site,
				CAST(s.value->>'probing_depth' AS INTEGER) AS pd, CAST(s.value->>'gingival_margin' AS INTEGER) AS gm,
				CAST(s.value->>'cal' AS INTEGER) AS cal, CAST(s.value->>'bleeding' AS BOOLEAN) AS bleeding,
				CAST(s.value->>'suppuration' AS BOOLEAN) AS suppuration, CAST(t.value->>'mobility' AS INTEGER) AS mobility,
				CAST(s.value->>'furcation' AS INTEGER) AS furcation
			FROM grains.odoo_exam, json_each(CAST(x_chart AS JSON)) AS t, json_each(t.value->'sites') AS s
			WHERE json_type(s.value) <> 'NULL'`,
	},
}

// TestPerioGrainsHoldTheSameMeasurements builds a generated export at each
// perio grain and rebuilds the site grain's rows, exactly, from the tooth
// records and from the exam charts of both CRMs; every grain's data tests
// pass (reconciliation included), and the grain is in the fingerprints.
func TestPerioGrainsHoldTheSameMeasurements(t *testing.T) {
	ctx := context.Background()
	db := loadedFixture(t, 300, 11, warehouse.Options{})
	_, err := db.Exec("CREATE SCHEMA grains")
	require.NoError(t, err)

	fingerprints := map[string]map[string]string{}
	for i, grain := range []string{"tooth", "site", "exam"} {
		set, err := models.ReadWith(map[string]string{"perio_grain": grain}, models.Embedded())
		require.NoError(t, err)
		fingerprints[grain] = map[string]string{}
		for name, m := range set.Models {
			fingerprints[grain][name] = m.Fingerprint
		}
		var sel []string
		if i > 0 {
			sel = perioModels // staging is the same at every grain
		}
		run, err := set.Run(ctx, db, models.RunOptions{Select: sel, Sources: catalogSources(), TempDir: t.TempDir()})
		require.NoError(t, err)
		for _, r := range run.Results {
			require.Equal(t, "success", r.Status, "%s at the %s grain: %s", r.Model, grain, r.Message)
		}
		results, err := set.Test(ctx, db, perioModels, catalogSources())
		require.NoError(t, err)
		for _, r := range results {
			assert.Equal(t, "pass", r.Status, "%s: %s at the %s grain: %v %s", r.Model, r.Test, grain, r.Samples, r.Message)
		}
		_, err = db.Exec("CREATE TABLE grains.twenty_" + grain + " AS SELECT * FROM twenty.perio_record")
		require.NoError(t, err)
		_, err = db.Exec("CREATE TABLE grains.odoo_" + grain + " AS SELECT * FROM odoo.x_perio_record")
		require.NoError(t, err)
	}

	for _, crm := range []string{"twenty", "odoo"} {
		site := siteRows[crm]["site"]
		var n int64
		require.NoError(t, db.QueryRow("SELECT count(*) FROM ("+site+")").Scan(&n))
		require.Greater(t, n, int64(1000), "the fixture charts perio")
		for _, grain := range []string{"tooth", "exam"} {
			t.Run(crm+"/"+grain, func(t *testing.T) {
				rebuilt := siteRows[crm][grain]
				for _, q := range []string{
					"SELECT count(*) FROM ((" + site + ") EXCEPT ALL (" + rebuilt + "))",
					"SELECT count(*) FROM ((" + rebuilt + ") EXCEPT ALL (" + site + "))",
				} {
					var diff int64
					require.NoError(t, db.QueryRow(q).Scan(&diff))
					assert.Zero(t, diff, "rows of one grain the other does not hold: %s", q)
				}
			})
		}
	}

	// The grain is part of the perio models' fingerprints and of those
	// downstream, and nothing else's.
	for name, fp := range fingerprints["tooth"] {
		changed := fp != fingerprints["site"][name] && fp != fingerprints["exam"][name] && fingerprints["site"][name] != fingerprints["exam"][name]
		switch {
		case strings.HasPrefix(name, "stg_"):
			assert.Equal(t, fp, fingerprints["site"][name], "%s does not read the grain", name)
		case strings.Contains(name, "perio"), strings.HasSuffix(name, "field_plan"), strings.HasSuffix(name, "_reconciliation") && !strings.Contains(name, "column"):
			assert.True(t, changed, "%s: the grain changes its fingerprint", name)
		}
	}
}

// TestPerioToothGrainRecords prints and checks the records the default
// tooth grain sends against the site grain: one per exam and tooth, a
// sixth of the sites.
func TestPerioToothGrainRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 300-patient fixture twice")
	}
	ctx := context.Background()
	db := loadedFixture(t, 300, 4, warehouse.Options{})

	count := func(q string) int64 {
		var n int64
		require.NoError(t, db.QueryRow(q).Scan(&n))
		return n
	}
	counts := map[string]map[string]int64{}
	for i, grain := range []string{"site", ""} { // "" is the default
		set, err := models.ReadWith(map[string]string{"perio_grain": grain}, models.Embedded())
		require.NoError(t, err)
		var sel []string
		if i > 0 {
			sel = perioModels
		}
		run, err := set.Run(ctx, db, models.RunOptions{Select: sel, Sources: catalogSources(), TempDir: t.TempDir()})
		require.NoError(t, err)
		for _, r := range run.Results {
			require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
		}
		counts[grain] = map[string]int64{
			"twenty": count("SELECT count(*) FROM twenty.perio_record"),
			"odoo":   count("SELECT count(*) FROM odoo.x_perio_record"),
			"teeth":  count("SELECT count(*) FROM (SELECT DISTINCT axium_exam_id, tooth FROM twenty.perio_record)"),
		}
	}
	for _, crm := range []string{"twenty", "odoo"} {
		site, tooth := counts["site"][crm], counts[""][crm]
		t.Logf("%s perio records, 300 patients: %d at the site grain, %d at the tooth grain (1/%.2f)", crm, site, tooth, float64(site)/float64(tooth))
		assert.Equal(t, counts["site"]["teeth"], tooth, "%s: one record per exam and tooth", crm)
		// Every charted tooth has its six sites in the fixture.
		assert.Equal(t, site, 6*tooth, "%s: a sixth of the site records", crm)
	}
	var twentyTotal, perio int64
	for _, tbl := range []string{"company", "person", "task", "task_target", "note", "note_target", "perio_record", "attachment"} {
		twentyTotal += count("SELECT count(*) FROM twenty." + tbl)
	}
	perio = counts[""]["twenty"]
	t.Logf("twenty records at the tooth grain: %d in all, %d of them perio (at the site grain: %d in all)",
		twentyTotal, perio, twentyTotal-perio+counts["site"]["twenty"])
}

// TestPerioExamGrainSpills builds the exam grain's charts of 10,000
// patients (5,000 exams, about 100 MB of chart JSON) under a 500 MB
// memory_limit. An aggregate that concatenates each exam's teeth keeps
// every exam's state in memory, which DuckDB cannot spill: built that way
// both models ran out of memory here, and still at 600 MB (and at 100,000
// patients under 2 GB),
// as did a join after the charts were made (DuckDB hashed the charts);
// a window over the exam's teeth, carrying the exam's facts, spills.
func TestPerioExamGrainSpills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-patient fixture")
	}
	ctx := context.Background()
	db := loadedFixture(t, 10000, 7, warehouse.Options{Threads: 2, TempDir: t.TempDir()})
	set, err := models.ReadWith(map[string]string{"perio_grain": "exam"}, models.Embedded())
	require.NoError(t, err)
	// Everything the perio models read, at the default memory_limit.
	var parents []string
	for _, m := range []string{"twenty_perio_record", "odoo_x_perio_record"} {
		parents = append(parents, set.Models[m].Refs...)
	}
	run, err := set.Run(ctx, db, models.RunOptions{Select: prefixed("+", parents), Sources: catalogSources(), TempDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	_, err = db.Exec("SET memory_limit = '500MB'")
	require.NoError(t, err)
	run, err = set.Run(ctx, db, models.RunOptions{Select: []string{"twenty_perio_record", "odoo_x_perio_record"}, Sources: catalogSources(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.Len(t, run.Results, 2)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	var exams, chartMB int64
	require.NoError(t, db.QueryRow("SELECT count(*), sum(length(chart)) // 1000000 FROM twenty.perio_record").Scan(&exams, &chartMB))
	t.Logf("%d exam charts, %d MB of JSON, built under a 500 MB memory_limit", exams, chartMB)
	assert.Greater(t, chartMB, int64(75), "the charts are a fifth of the memory limit")
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

// loadedFixture loads a generated export of the given patients and seed
// into a new warehouse opened with opt (its Path is set here), closed when
// the test ends.
func loadedFixture(t *testing.T, patients int, seed uint64, opt warehouse.Options) *sql.DB {
	t.Helper()
	ctx := context.Background()
	export := t.TempDir()
	_, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: patients, Seed: seed, Format: "csv"})
	require.NoError(t, err)
	opt.Path = filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := warehouse.Open(ctx, opt)
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	rep, err := loaders.Load(ctx, wh.DB(), export, loaders.Options{Specs: catalogSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed())
	return wh.DB()
}
