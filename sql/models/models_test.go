package models_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func layer(files map[string]string) models.Layer {
	fsys := fstest.MapFS{}
	for p, body := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(body)}
	}
	return models.Layer{Name: "test", FS: fsys}
}

var base = map[string]string{
	"staging/stg_a.sql":   `SELECT "Patient" AS id, "LastName" AS name FROM {{ source "patient" }}`,
	"staging/stg_a.yml":   "key: [id]\ncolumns:\n  id: [not_null, unique]\n",
	"staging/stg_b.sql":   `SELECT id, upper(name) AS name FROM {{ ref "stg_a" }}`,
	"twenty/person.sql":   `SELECT b.id, b.name, s.label FROM {{ ref "stg_b" }} b LEFT JOIN {{ seed "labels" }} s ON s.id = b.id`,
	"twenty/person.yml":   "materialized: view\ntags: [twenty]\nkey: [id]\ncolumns:\n  name: [not_null, {accepted_values: [NG, DIAZ]}]\n  id: [{relationships: {to: stg_a, field: id}}]\ntests:\n  - name: no_label_x\n    sql: SELECT id FROM {{ this }} WHERE label = 'x'\n",
	"odoo/partner.sql":    `SELECT id FROM {{ ref "stg_a" }}`,
	"seeds/labels.csv":    "id,label\n1,first\n",
	"macros/util.sql":     "CREATE OR REPLACE MACRO util.twice(x) AS x * 2;",
	"odoo/uses_macro.sql": `SELECT util.twice(1) AS two`,
}

var sources = []models.SourceObject{{Name: "patient", Key: []string{"Patient"}, Columns: []string{"Patient", "LastName"}}}

func TestReadOrdersTheDAG(t *testing.T) {
	set, err := models.Read(layer(base))
	require.NoError(t, err)
	pos := map[string]int{}
	for i, n := range set.Order {
		pos[n] = i
	}
	assert.Less(t, pos["stg_a"], pos["stg_b"])
	assert.Less(t, pos["stg_b"], pos["person"])
	assert.Less(t, pos["stg_a"], pos["partner"])
	assert.Equal(t, []string{"stg_b"}, set.Models["person"].Refs)
	assert.Equal(t, []string{"labels"}, set.Models["person"].Seeds)
	assert.Equal(t, "view", set.Models["person"].Config.Materialized)

	cases := []struct {
		sel  []string
		want []string
	}{
		{[]string{"stg_b"}, []string{"stg_b"}},
		{[]string{"stg_b+"}, []string{"stg_b", "person"}},
		{[]string{"+person"}, []string{"stg_a", "stg_b", "person"}},
		{[]string{"tag:twenty", "partner"}, []string{"partner", "person"}},
	}
	for _, tc := range cases {
		got, err := set.Select(tc.sel)
		require.NoError(t, err)
		assert.ElementsMatch(t, tc.want, got, "%v", tc.sel)
	}
	_, err = set.Select([]string{"nope+"})
	assert.ErrorContains(t, err, `no model "nope"`)
}

func TestCycleIsNamed(t *testing.T) {
	_, err := models.Read(layer(map[string]string{
		"staging/a.sql": `SELECT * FROM {{ ref "b" }}`,
		"staging/b.sql": `SELECT * FROM {{ ref "c" }}`,
		"staging/c.sql": `SELECT * FROM {{ ref "a" }}`,
	}))
	var ce *models.CycleError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Equal(t, "models form a cycle: a → b → c → a", err.Error())
}

func TestOverrideChangesFingerprintsDownstream(t *testing.T) {
	def, err := models.Read(layer(base))
	require.NoError(t, err)
	over, err := models.Read(layer(base), layer(map[string]string{
		"stg_b.sql": `SELECT id, lower(name) AS name FROM {{ ref "stg_a" }}`,
	}))
	require.NoError(t, err)
	assert.Equal(t, "test:stg_b.sql", over.Models["stg_b"].File)
	assert.Equal(t, "staging", over.Models["stg_b"].Schema, "an override keeps its model's schema")
	assert.Equal(t, def.Models["stg_a"].Fingerprint, over.Models["stg_a"].Fingerprint)
	assert.NotEqual(t, def.Models["stg_b"].Fingerprint, over.Models["stg_b"].Fingerprint)
	assert.NotEqual(t, def.Models["person"].Fingerprint, over.Models["person"].Fingerprint)
	assert.Equal(t, def.Models["partner"].Fingerprint, over.Models["partner"].Fingerprint)
}

func openDB(t *testing.T) *sql.DB {
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh.DB()
}

func TestRunAndTest(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	set, err := models.Read(layer(base))
	require.NoError(t, err)

	// No raw table yet: sources read as empty, everything builds.
	rep, err := set.Run(ctx, db, models.RunOptions{Sources: sources, TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)

	_, err = db.Exec(`CREATE TABLE raw.patient ("_batch_id" BIGINT, "_source_file" VARCHAR, "_source_record" BIGINT, "_row_hash" UBIGINT, "Patient" VARCHAR, "LastName" VARCHAR);
		INSERT INTO raw.patient VALUES (1, 'p.csv', 1, 0, '1', 'ng'), (1, 'p.csv', 2, 0, '2', 'diaz'), (2, 'p2.csv', 1, 0, '2', 'smith'), (2, 'p2.csv', 2, 0, '2', 'smith')`)
	require.NoError(t, err)
	rep, err = set.Run(ctx, db, models.RunOptions{Sources: sources, TempDir: t.TempDir()})
	require.NoError(t, err)
	counts := map[string]int64{}
	for _, r := range rep.Results {
		assert.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
		counts[r.Model] = r.Rows
	}
	// Patient 2's newest batch holds it twice: both rows stay, for the tests.
	assert.Equal(t, int64(3), counts["stg_a"])

	res, err := set.Test(ctx, db, nil, sources)
	require.NoError(t, err)
	byName := map[string]models.TestResult{}
	for _, r := range res {
		byName[r.Model+" "+r.Test] = r
	}
	assert.Equal(t, "pass", byName["stg_a not_null(id)"].Status)
	u := byName["stg_a unique(id)"]
	assert.Equal(t, "fail", u.Status)
	assert.Equal(t, int64(1), u.Failures)
	assert.Equal(t, []string{"2 ×2"}, u.Samples)
	av := byName["person accepted_values(name)"]
	assert.Equal(t, "fail", av.Status)
	assert.Equal(t, int64(2), av.Failures, "SMITH twice is not an accepted value")
	assert.Equal(t, "pass", byName["person relationships(id → stg_a.id)"].Status)
	assert.Equal(t, "pass", byName["person no_label_x"].Status)

	var recorded int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM meta.test_result WHERE status = 'fail'").Scan(&recorded))
	assert.Equal(t, 2, recorded)
}

func TestFailedModelKeepsPreviousTableAndSkipsDescendants(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	set, err := models.Read(layer(base))
	require.NoError(t, err)
	_, err = set.Run(ctx, db, models.RunOptions{Sources: sources, TempDir: t.TempDir()})
	require.NoError(t, err)

	broken, err := models.Read(layer(base), layer(map[string]string{"stg_b.sql": `SELECT no_such_column FROM {{ ref "stg_a" }}`}))
	require.NoError(t, err)
	rep, err := broken.Run(ctx, db, models.RunOptions{Sources: sources, TempDir: t.TempDir()})
	require.NoError(t, err)
	require.True(t, rep.Failed())
	status := map[string]models.ModelResult{}
	for _, r := range rep.Results {
		status[r.Model] = r
	}
	assert.Equal(t, "error", status["stg_b"].Status)
	assert.Contains(t, status["stg_b"].Message, "test:stg_b.sql")
	assert.Equal(t, "skipped", status["person"].Status)
	assert.Equal(t, "success", status["partner"].Status, "other branches still run")
	var cols int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'staging' AND table_name = 'stg_b' AND column_name = 'name'").Scan(&cols))
	assert.Equal(t, 1, cols, "the previous stg_b is still there")
}

// A model's settings hold for its build only, and a setting name that is
// not one (SQL smuggled into SET) is refused when the models are read.
func TestModelSettings(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	files := map[string]string{
		"staging/stg_setting.sql": `SELECT current_setting('default_null_order') AS during`,
		"staging/stg_setting.yml": "settings: {default_null_order: nulls_first_on_asc_last_on_desc}\n",
	}
	set, err := models.Read(layer(files))
	require.NoError(t, err)
	rep, err := set.Run(ctx, db, models.RunOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)
	var during, after string
	require.NoError(t, db.QueryRow("SELECT during FROM staging.stg_setting").Scan(&during))
	require.NoError(t, db.QueryRow("SELECT current_setting('default_null_order')").Scan(&after))
	assert.Equal(t, "nulls_first_on_asc_last_on_desc", strings.ToLower(during))
	assert.NotEqual(t, during, after, "the setting is reset after the build")

	files["staging/stg_setting.yml"] = "settings: {\"threads = 1; DROP TABLE x; --\": 1}\n"
	_, err = models.Read(layer(files))
	assert.ErrorContains(t, err, "is not a DuckDB setting name")
}

// compression: stores the named columns that way and changes nothing
// else: same columns, types, rows and order as the table DuckDB chooses
// for, batched or not; an unknown method or a column the model does not
// return is an error that names it.
func TestModelCompression(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	body := `-- rows with an id each, a repeated label and nested values
		WITH r AS (SELECT i FROM range(300000) t(i))
		SELECT md5(CAST(i AS VARCHAR)) AS id, 'site ' || (i % 6) AS label, CAST(i AS DECIMAL(12,2)) / 100 AS amount,
			[{'k': i % 3}] AS parts, CASE WHEN i % 7 = 0 THEN 'p' || (i % 50) END AS patient_id
		FROM r`
	files := map[string]string{
		"staging/stg_plain.sql":  body,
		"staging/stg_packed.sql": body,
		"staging/stg_packed.yml": "compression: {id: zstd, label: uncompressed}\n",
		"staging/stg_pass.sql":   `SELECT * FROM {{ ref "stg_plain" }} WHERE {{ batch "patient_id" }}`,
		"staging/stg_pass.yml":   "batches: {of: stg_plain, rows: 100000}\ncompression: {id: zstd}\n",
	}
	set, err := models.Read(layer(files))
	require.NoError(t, err)
	rep, err := set.Run(ctx, db, models.RunOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)
	_, err = db.Exec("CHECKPOINT")
	require.NoError(t, err)
	methods := func(table, column string) []string {
		return queryStrings(t, db, `SELECT DISTINCT compression FROM pragma_storage_info('staging.`+table+`')
			WHERE column_name = ? AND segment_type <> 'VALIDITY' AND compression <> 'Constant' ORDER BY 1`, column)
	}
	assert.Equal(t, []string{"ZSTD"}, methods("stg_packed", "id"))
	assert.Equal(t, []string{"Uncompressed"}, methods("stg_packed", "label"))
	assert.NotContains(t, methods("stg_plain", "id"), "ZSTD", "DuckDB's own choice is not zstd")
	assert.Equal(t, []string{"ZSTD"}, methods("stg_pass", "id"))
	describe := func(table string) []string {
		return queryStrings(t, db, "SELECT column_name || ' ' || column_type FROM (DESCRIBE staging."+table+")")
	}
	assert.Equal(t, describe("stg_plain"), describe("stg_packed"))
	assert.Equal(t, describe("stg_plain"), describe("stg_pass"))
	for _, q := range []string{
		"SELECT count(*) FROM (FROM staging.stg_plain EXCEPT ALL FROM staging.stg_packed)",
		"SELECT count(*) FROM (FROM staging.stg_packed EXCEPT ALL FROM staging.stg_plain)",
		"SELECT count(*) FROM (FROM staging.stg_plain EXCEPT ALL FROM staging.stg_pass)",
		"SELECT count(*) FROM (FROM staging.stg_pass EXCEPT ALL FROM staging.stg_plain)",
		"SELECT count(*) FROM staging.stg_plain p POSITIONAL JOIN staging.stg_packed k WHERE p.id <> k.id",
	} {
		var n int
		require.NoError(t, db.QueryRow(q).Scan(&n))
		assert.Zero(t, n, q)
	}

	files["staging/stg_packed.yml"] = "compression: {id: lz4}\n"
	_, err = models.Read(layer(files))
	assert.ErrorContains(t, err, `compression: id: "lz4" is not one of`)
	files["staging/stg_packed.yml"] = "compression: {no_such: zstd}\n"
	set, err = models.Read(layer(files))
	require.NoError(t, err)
	rep, err = set.Run(ctx, db, models.RunOptions{Select: []string{"stg_packed"}, TempDir: t.TempDir()})
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, "error", rep.Results[0].Status)
	assert.Contains(t, rep.Results[0].Message, `compression: the model has no column "no_such"`)
}

// A batched model is built in passes of its parent's rows, each keeping
// its share through {{ batch }}: the table is the one a single pass
// builds, with NULL keys kept, and a .yml or SQL missing its half of the
// pair is refused when the models are read.
func TestBatchedModel(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	files := map[string]string{
		"staging/stg_n.sql": `SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE 'p' || (i % 37) END AS patient_id, i FROM range(1000) r(i)`,
		"staging/stg_agg.sql": `SELECT patient_id, count(*) AS n, list_sort(list(i)) AS items
			FROM {{ ref "stg_n" }} WHERE {{ batch "patient_id" }} GROUP BY patient_id`,
		"staging/stg_agg.yml": "batches: {of: stg_n, rows: 300}\n",
		"staging/stg_one.sql": `SELECT patient_id, count(*) AS n, list_sort(list(i)) AS items FROM {{ ref "stg_n" }} GROUP BY patient_id`,
	}
	set, err := models.Read(layer(files))
	require.NoError(t, err)
	rep, err := set.Run(ctx, db, models.RunOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)
	passes := map[string]int64{}
	for _, r := range rep.Results {
		passes[r.Model] = r.Passes
	}
	assert.Equal(t, int64(4), passes["stg_agg"], "1000 rows in passes of at most 300")
	// differ counts the rows the batched table and the one-pass table
	// do not share.
	differ := func() int {
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM (
			(SELECT * FROM staging.stg_agg EXCEPT ALL SELECT * FROM staging.stg_one)
			UNION ALL (SELECT * FROM staging.stg_one EXCEPT ALL SELECT * FROM staging.stg_agg))`).Scan(&n))
		return n
	}
	var groups int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM staging.stg_agg`).Scan(&groups))
	assert.Equal(t, 38, groups, "37 keys and NULL, each once")
	assert.Zero(t, differ(), "the passes build the one-pass table")

	// rows: is sized for DuckDB at 2GB: under 1GB a pass takes half as
	// many (150), so 1000 rows take 7 passes, and the table is the same.
	_, err = db.Exec("SET memory_limit = '1GB'")
	require.NoError(t, err)
	rep, err = set.Run(ctx, db, models.RunOptions{TempDir: t.TempDir(), Select: []string{"stg_agg"}})
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)
	assert.Equal(t, int64(7), rep.Results[0].Passes, "passes of 300 × 1GB/2GB rows")
	assert.Zero(t, differ(), "the smaller passes build the one-pass table")
	_, err = db.Exec("RESET memory_limit")
	require.NoError(t, err)

	// Small enough for one pass: the predicate is true.
	files["staging/stg_agg.yml"] = "batches: {of: stg_n, rows: 5000}\n"
	set, err = models.Read(layer(files))
	require.NoError(t, err)
	rep, err = set.Run(ctx, db, models.RunOptions{TempDir: t.TempDir(), Select: []string{"stg_agg"}})
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)
	assert.Equal(t, int64(1), rep.Results[0].Passes)

	for yml, want := range map[string]string{
		"":                                   "needs both batches:",
		"batches: {of: stg_n}\n":             "batches needs of:",
		"batches: {of: stg_one, rows: 10}\n": "is not a model it refs",
		"materialized: view\nbatches: {of: stg_n, rows: 10}\n": "on a table",
	} {
		files["staging/stg_agg.yml"] = yml
		_, err = models.Read(layer(files))
		assert.ErrorContains(t, err, want, yml)
	}
	files["staging/stg_one.yml"] = "batches: {of: stg_n, rows: 10}\n"
	delete(files, "staging/stg_agg.yml")
	delete(files, "staging/stg_agg.sql")
	_, err = models.Read(layer(files))
	assert.ErrorContains(t, err, "needs both batches:", "batches without {{ batch }} would write every row in every pass")
}

// With StoreIn, a model of a stored schema is built as a table in that
// schema and its own name is a view of it (the snapshot then keeps that
// table); other schemas build in place.
func TestStoredModel(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	files := map[string]string{
		"staging/stg_n.sql":   `SELECT i FROM range(5) r(i)`,
		"twenty/twenty_n.sql": `SELECT i * 2 AS j FROM {{ ref "stg_n" }}`,
	}
	set, err := models.Read(layer(files))
	require.NoError(t, err)
	rep, err := set.Run(ctx, db, models.RunOptions{TempDir: t.TempDir(), StoreIn: "snap", StoreSchemas: []string{"twenty"}})
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)
	kinds := map[string]string{}
	rows, err := db.Query("SELECT table_schema || '.' || table_name, table_type FROM information_schema.tables WHERE table_schema IN ('staging', 'twenty', 'snap')")
	require.NoError(t, err)
	for rows.Next() {
		var n, k string
		require.NoError(t, rows.Scan(&n, &k))
		kinds[n] = k
	}
	require.NoError(t, rows.Err())
	stored := "snap." + models.StoredName(set.Models["twenty_n"], rep.RunID)
	assert.Equal(t, map[string]string{"staging.stg_n": "BASE TABLE", "twenty.n": "VIEW", stored: "BASE TABLE"}, kinds)
	var sum int
	require.NoError(t, db.QueryRow("SELECT sum(j) FROM twenty.n").Scan(&sum))
	assert.Equal(t, 20, sum)
}

// TestRunReopensBeforeBatchedModels: with Reopen set, a run asks before
// each model after the first whether to close the warehouse and open it
// again (DuckDB returns the buffer memory it touched only when its
// database closes); here it reopens before the models built in passes,
// and the run builds the same tables on the new connections.
func TestRunReopensBeforeBatchedModels(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: path})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	files := map[string]string{
		"staging/stg_n.sql":   `SELECT 'p' || (i % 37) AS patient_id, i FROM range(1000) r(i)`,
		"staging/stg_agg.sql": `SELECT patient_id, count(*) AS n FROM {{ ref "stg_n" }} WHERE {{ batch "patient_id" }} GROUP BY patient_id`,
		"staging/stg_agg.yml": "batches: {of: stg_n, rows: 300}\n",
		"staging/stg_sum.sql": `SELECT patient_id, sum(i) AS s FROM {{ ref "stg_n" }} WHERE {{ batch "patient_id" }} GROUP BY patient_id`,
		"staging/stg_sum.yml": "batches: {of: stg_n, rows: 300}\n",
	}
	set, err := models.Read(layer(files))
	require.NoError(t, err)
	var reopened []*sql.DB
	asked := 0
	opt := models.RunOptions{TempDir: t.TempDir(), Reopen: func(ctx context.Context, batched bool) (*sql.DB, error) {
		asked++
		if !batched {
			return wh.DB(), nil
		}
		if err := wh.Close(); err != nil {
			return nil, err
		}
		if wh, err = warehouse.Open(ctx, warehouse.Options{Path: path}); err != nil {
			return nil, err
		}
		reopened = append(reopened, wh.DB())
		return wh.DB(), nil
	}}
	rep, err := set.Run(ctx, wh.DB(), opt)
	require.NoError(t, err)
	require.False(t, rep.Failed(), "%+v", rep.Results)
	// stg_n first, then each batched model after a built one.
	assert.Equal(t, 2, asked)
	assert.Len(t, reopened, 2)
	var n, s int64
	require.NoError(t, wh.DB().QueryRow(`SELECT sum(a.n), sum(b.s) FROM staging.stg_agg a JOIN staging.stg_sum b USING (patient_id)`).Scan(&n, &s))
	assert.Equal(t, int64(1000), n)
	assert.Equal(t, int64(999*1000/2), s)
	var runs int
	require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.model_run WHERE run_id = ? AND status = 'success'`, rep.RunID).Scan(&runs))
	assert.Equal(t, 3, runs, "the run's log carries over the reopened connections")
}
