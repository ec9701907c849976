package models_test

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// odooOwned are the Odoo records the odoo.* tables may point at by
// external id without creating them.
var odooOwned = map[string]bool{
	"base.us": true, "base.group_user": true, "mail.mt_note": true,
	"crm.stage_lead1": true, "crm.stage_lead4": true,
}

// odooReconRow is one row of odoo.reconciliation.
type odooReconRow struct {
	Seq                                                                 int
	Object, Difference                                                  string
	Source, Dest, Carried, Merged, Duplicate, Orphan, Filtered, Unknown int64
	OneToOne                                                            bool
}

func odooReconciliation(t *testing.T, db *sql.DB) []odooReconRow {
	t.Helper()
	rs, err := db.Query(`SELECT seq, source_object, difference, source_rows, destination_rows, carried_rows, merged_rows,
		duplicate_rows, orphan_rows, filtered_rows, unexplained_rows, one_to_one FROM odoo.reconciliation ORDER BY seq`)
	require.NoError(t, err)
	defer rs.Close()
	var out []odooReconRow
	for rs.Next() {
		var r odooReconRow
		require.NoError(t, rs.Scan(&r.Seq, &r.Object, &r.Difference, &r.Source, &r.Dest, &r.Carried, &r.Merged,
			&r.Duplicate, &r.Orphan, &r.Filtered, &r.Unknown, &r.OneToOne))
		out = append(out, r)
	}
	require.NoError(t, rs.Err())
	return out
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRow(q, args...).Scan(&n), q)
	return n
}

// checkOdooReconciles asserts that every staging row of every catalog
// object is accounted for in odoo.reconciliation, and returns the rows by
// source object.
func checkOdooReconciles(t *testing.T, db *sql.DB) map[string][]odooReconRow {
	t.Helper()
	rows := odooReconciliation(t, db)
	require.NotEmpty(t, rows)
	byObject := map[string][]odooReconRow{}
	for _, r := range rows {
		byObject[r.Object] = append(byObject[r.Object], r)
		assert.Zero(t, r.Unknown, "%d %s: %s", r.Seq, r.Object, r.Difference)
		assert.Equal(t, r.Source, r.Carried+r.Merged+r.Duplicate+r.Orphan+r.Filtered, "%d %s: fates add up", r.Seq, r.Object)
		if r.OneToOne {
			assert.Equal(t, r.Carried, r.Dest, "%d %s: one destination row per carried source row", r.Seq, r.Object)
		}
		if r.Duplicate+r.Orphan+r.Filtered+r.Merged > 0 {
			assert.NotEqual(t, "", r.Difference)
		}
	}
	// The rows of an object split it: their source rows add up to the
	// staging table's, so no row is counted twice or left out.
	for _, o := range loaders.Catalog() {
		rs, ok := byObject[o.Name]
		if !assert.True(t, ok, "object %s has a reconciliation row", o.Name) {
			continue
		}
		var sum int64
		for _, r := range rs {
			sum += r.Source
		}
		// perio_exam is reconciled in its own row; objects reconciled in
		// several rows (attachment, transaction) are split by kind.
		want := count(t, db, "SELECT count(*) FROM staging."+warehouse.QuoteIdent("stg_"+o.Name))
		assert.Equal(t, want, sum, "%s: reconciled rows = staging rows", o.Name)
	}
	return byObject
}

// odooTests runs the data tests of the odoo models.
func odooTests(t *testing.T, db *sql.DB, set *models.Set) {
	t.Helper()
	results, err := set.Test(context.Background(), db, []string{"tag:odoo"}, catalogSources())
	require.NoError(t, err)
	require.Greater(t, len(results), 100)
	for _, r := range results {
		assert.Equal(t, "pass", r.Status, "%s %s: %d bad, e.g. %v %s", r.Model, r.Test, r.Failures, r.Samples, r.Message)
	}
}

// odooTables lists the destination tables (object_plan order).
func odooTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rs, err := db.Query("SELECT table_name FROM odoo.object_plan ORDER BY load_order")
	require.NoError(t, err)
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		require.NoError(t, rs.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rs.Err())
	require.Len(t, out, 16)
	return out
}

func TestOdooCleanFixture(t *testing.T) {
	wh, set := buildFixture(t, fixtures.Options{Patients: 120, Seed: 41, Format: "csv"})
	db := wh.DB()
	odooTests(t, db, set)
	by := checkOdooReconciles(t, db)

	t.Run("clean data loses nothing but by rule", func(t *testing.T) {
		for _, rs := range by {
			for _, r := range rs {
				assert.Zero(t, r.Duplicate, "%s", r.Object)
				assert.Zero(t, r.Orphan, "%s", r.Object)
			}
		}
		assert.Equal(t, by["patient"][0].Source, by["patient"][0].Carried)
		assert.Positive(t, by["treatment"][0].Merged)
	})

	t.Run("references resolve within the odoo tables", func(t *testing.T) {
		tables := odooTables(t, db)
		ids := map[string]bool{}
		for _, tb := range tables {
			rs, err := db.Query("SELECT id FROM odoo." + warehouse.QuoteIdent(tb))
			require.NoError(t, err)
			for rs.Next() {
				var id string
				require.NoError(t, rs.Scan(&id))
				require.False(t, ids[id], "external id %s used twice", id)
				ids[id] = true
			}
			require.NoError(t, rs.Err())
			rs.Close()
		}
		refs := 0
		for _, tb := range tables {
			rs, err := db.Query(`SELECT column_name FROM duckdb_columns() WHERE schema_name = 'odoo' AND table_name = ?
				AND (column_name LIKE '%/id' OR column_name = '_res_xid' OR column_name = 'x_odontogram_ref')`, tb)
			require.NoError(t, err)
			var cols []string
			for rs.Next() {
				var c string
				require.NoError(t, rs.Scan(&c))
				cols = append(cols, c)
			}
			rs.Close()
			for _, c := range cols {
				vs, err := db.Query("SELECT DISTINCT " + warehouse.QuoteIdent(c) + " FROM odoo." + warehouse.QuoteIdent(tb) + " WHERE " + warehouse.QuoteIdent(c) + " IS NOT NULL")
				require.NoError(t, err)
				for vs.Next() {
					var v string
					require.NoError(t, vs.Scan(&v))
					for _, x := range strings.Split(v, ",") {
						refs++
						assert.True(t, ids[x] || odooOwned[x], "%s.%s → %s resolves to no record", tb, c, x)
					}
				}
				require.NoError(t, vs.Err())
				vs.Close()
			}
		}
		assert.Greater(t, refs, 500)
	})

	t.Run("odoo selections and types", func(t *testing.T) {
		assert.Zero(t, count(t, db, `SELECT count(*) FROM odoo.res_partner_patient WHERE type NOT IN ('contact', 'invoice', 'delivery', 'other')`))
		assert.Positive(t, count(t, db, `SELECT count(*) FROM odoo.res_partner_patient WHERE "parent_id/id" IS NOT NULL AND type = 'other'`))
		assert.Positive(t, count(t, db, `SELECT count(*) FROM odoo.calendar_event_recall WHERE recurrency AND rrule_type = 'monthly' AND interval > 0`))
		assert.Zero(t, count(t, db, `SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'odoo' AND column_name = 'state'`),
			"calendar.event has no state field; moves are drafts")
		var typ string
		require.NoError(t, db.QueryRow(`SELECT data_type FROM duckdb_columns() WHERE schema_name = 'odoo' AND table_name = 'account_move_line' AND column_name = 'price_unit'`).Scan(&typ))
		assert.Equal(t, "DECIMAL(18,2)", typ, "money stays DECIMAL")
		require.NoError(t, db.QueryRow(`SELECT data_type FROM duckdb_columns() WHERE schema_name = 'odoo' AND table_name = 'calendar_event' AND column_name = 'start'`).Scan(&typ))
		assert.Equal(t, "TIMESTAMP", typ, "local wall-clock time")
		var alerts string
		require.NoError(t, db.QueryRow(`SELECT x_medical_alert FROM odoo.res_partner_patient WHERE len("_alert_keys") > 1 LIMIT 1`).Scan(&alerts))
		assert.Contains(t, alerts, "; ", "several alerts are joined with semicolons")
	})

	t.Run("every row keeps its provenance", func(t *testing.T) {
		for _, tb := range odooTables(t, db) {
			q := "SELECT count(*) FROM odoo." + warehouse.QuoteIdent(tb) +
				` WHERE "_source_object" IS NULL OR "_source_key" IS NULL OR "_batch_id" IS NULL OR "_source_file" IS NULL OR "_source_record" IS NULL`
			assert.Zero(t, count(t, db, q), tb)
		}
		// The provenance leads back to the raw row.
		assert.Zero(t, count(t, db, `SELECT count(*) FROM odoo.res_partner_patient o ANTI JOIN raw.patient r
			USING ("_batch_id", "_source_file", "_source_record")`))
		assert.Zero(t, count(t, db, `SELECT count(*) FROM odoo.ir_attachment WHERE "_file_path" NOT LIKE 'attachments/%'`))
	})
}

func TestOdooExternalIDsStable(t *testing.T) {
	opt := fixtures.Options{Patients: 30, Seed: 8, Format: "csv"}
	dump := func() map[string][]string {
		wh, _ := buildFixture(t, opt)
		out := map[string][]string{}
		for _, tb := range odooTables(t, wh.DB()) {
			rs, err := wh.DB().Query("SELECT id FROM odoo." + warehouse.QuoteIdent(tb) + " ORDER BY id")
			require.NoError(t, err)
			for rs.Next() {
				var id string
				require.NoError(t, rs.Scan(&id))
				out[tb] = append(out[tb], id)
			}
			require.NoError(t, rs.Err())
			rs.Close()
		}
		return out
	}
	first, second := dump(), dump()
	assert.Equal(t, first, second, "a re-run gives the same external ids")
	xid := regexp.MustCompile(`^axium\.[a-z_]+_[A-Za-z0-9_-]+$`)
	for tb, ids := range first {
		require.NotEmpty(t, ids, tb)
		for _, id := range ids {
			assert.Regexp(t, xid, id, tb)
		}
	}
	assert.Contains(t, first["res_partner_patient"], "axium.patient_100001")
}

func TestOdooDirtyFixture(t *testing.T) {
	wh, set := buildFixture(t, fixtures.Options{Patients: 120, Seed: 23, Format: "csv", Dirty: true})
	db := wh.DB()
	// Dirty data still gives loadable tables: every reference resolves.
	odooTests(t, db, set)
	by := checkOdooReconciles(t, db)

	// Each repeated key and each orphan staging found shows up as such in
	// the reconciliation, no more and no fewer.
	cases := []struct{ object, model string }{
		{"patient", "stg_patient"}, {"appointment", "stg_appointment"}, {"treatment", "stg_treatment"},
	}
	for _, c := range cases {
		var dups, orphans int64
		for _, r := range by[c.object] {
			dups += r.Duplicate
			orphans += r.Orphan
		}
		assert.Equal(t, count(t, db, "SELECT count(*) FROM staging.dq_duplicates WHERE model = ?", c.model), dups, "%s duplicates", c.object)
		assert.Positive(t, dups, "the dirty fixture repeats %s keys", c.object)
		if c.object != "patient" {
			// A repeated copy of an orphan counts once, as the duplicate.
			assert.Equal(t, count(t, db, `SELECT count(*) FROM staging.dq_orphans o
				ANTI JOIN staging.dq_duplicates d USING (model, record_key, "_source_file", "_source_record")
				WHERE o.model = ? AND o.reason = 'orphan reference to patient'`, c.model),
				orphans, "%s orphans", c.object)
			assert.Positive(t, orphans, "the dirty fixture has %s orphans", c.object)
		}
	}
	// Rows with a typed value staging could not read still arrive: a
	// treatment with an impossible date or an invalid tooth is in its visit.
	assert.Zero(t, count(t, db, `SELECT count(*) FROM staging.stg_treatment t
		SEMI JOIN staging.data_quality q ON q.model = 'stg_treatment' AND q.record_key = t.treatment_id AND q.reason IN ('impossible date', 'invalid tooth')
		WHERE t.status = 'C' AND NOT t.is_deleted AND t.patient_id IN (SELECT x_source_system_id FROM odoo.res_partner_patient)
		AND NOT EXISTS (SELECT 1 FROM odoo.crm_lead l WHERE l.description LIKE '%axiUm treatment ' || t.treatment_id || ')%')`))

	// Orphans and recall series built in passes are the tables one pass
	// builds: every reference is checked against the keys of its own
	// share, every series gets its whole history.
	rebuildInPasses(t, wh, set, "dq_orphans", "odoo_calendar_event_recall")
}

// rebuildInPasses builds the named batched models again in passes of
// about a third of their parent's rows and checks each is the table the
// one-pass build made, row for row.
func rebuildInPasses(t *testing.T, wh *warehouse.Warehouse, set *models.Set, names ...string) {
	t.Helper()
	db := wh.DB()
	for _, name := range names {
		m := set.Models[name]
		b := m.Config.Batches
		require.NotNil(t, b, name)
		var n int64
		require.NoError(t, db.QueryRow("SELECT count(*) FROM "+set.Models[b.Of].Relation()).Scan(&n))
		b.Rows = max(1, n/3)
		_, err := db.Exec("CREATE TEMP TABLE one_pass_" + name + " AS SELECT * FROM " + m.Relation())
		require.NoError(t, err)
		assert.Positive(t, count(t, db, "SELECT count(*) FROM temp.one_pass_"+name), "%s has rows to compare", name)
	}
	run, err := set.Run(context.Background(), db, models.RunOptions{Sources: catalogSources(), TempDir: t.TempDir(), Select: names})
	require.NoError(t, err)
	require.Len(t, run.Results, len(names))
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
		assert.GreaterOrEqual(t, r.Passes, int64(3), r.Model)
		rel := set.Models[r.Model].Relation()
		assert.Zero(t, count(t, db, `SELECT count(*) FROM (
			(SELECT * FROM `+rel+` EXCEPT ALL SELECT * FROM temp.one_pass_`+r.Model+`)
			UNION ALL (SELECT * FROM temp.one_pass_`+r.Model+` EXCEPT ALL SELECT * FROM `+rel+`))`), "%s: passes build the one-pass table", r.Model)
	}
}

func TestOdooMacros(t *testing.T) {
	db := macroDB(t)
	cases := []struct{ expr, want string }{
		{"util.odoo_xid('perio', '746|22|DB')", "axium.perio_746-22-DB"},
		{"util.odoo_xid('patient', 100001)", "axium.patient_100001"},
		{"util.odoo_xid('note', 'a.b c')", "axium.note_a-b-c"},
		{"util.odoo_sel('No Show')", "no_show"},
		{"util.odoo_sel(' Checked In ')", "checked_in"},
		{"util.odoo_sel('Re-evaluation')", "re_evaluation"},
		{"util.html_text('a<b & \"c\"' || chr(10) || 'd''s')", "a&lt;b &amp; &quot;c&quot;<br>d&#39;s"},
		{"util.html_section('Plan', '<script>x</script>')", "<p><strong>Plan</strong><br>&lt;script&gt;x&lt;/script&gt;</p>"},
		{"util.html_section('Plan', NULL)", ""},
	}
	for _, c := range cases {
		var got sql.NullString
		require.NoError(t, db.QueryRow("SELECT "+c.expr).Scan(&got), c.expr)
		assert.Equal(t, c.want, got.String, c.expr)
	}
	var null sql.NullString
	require.NoError(t, db.QueryRow("SELECT util.odoo_xid('patient', NULL)").Scan(&null))
	assert.False(t, null.Valid)
}
