package models_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// twentyTables lists the twenty.* tables sent to Twenty, from object_plan.
func twentyTables(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT table_name, object_name_singular FROM twenty.object_plan ORDER BY load_order")
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, object string
		require.NoError(t, rows.Scan(&table, &object))
		out[table] = object
	}
	require.NoError(t, rows.Err())
	return out
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		require.NoError(t, rows.Scan(&s))
		out = append(out, s.String)
	}
	require.NoError(t, rows.Err())
	return out
}

// reconRow is one row of twenty.reconciliation.
type reconRow struct {
	Seq                                  int
	Source, Destination, Explanation     string
	SourceRows, MappedRows, FilteredRows int64
	UnexplainedRows                      int64
	Filtered                             map[string]int64
}

func reconciliation(t *testing.T, db *sql.DB) []reconRow {
	t.Helper()
	rows, err := db.Query(`SELECT seq, source_object, destination_table, explanation, source_rows, mapped_rows, filtered_rows,
		unexplained_rows, CAST(to_json(filtered) AS VARCHAR) FROM twenty.reconciliation ORDER BY seq`)
	require.NoError(t, err)
	defer rows.Close()
	var out []reconRow
	for rows.Next() {
		var r reconRow
		var filtered string
		require.NoError(t, rows.Scan(&r.Seq, &r.Source, &r.Destination, &r.Explanation, &r.SourceRows, &r.MappedRows,
			&r.FilteredRows, &r.UnexplainedRows, &filtered))
		var list []struct {
			Reason string `json:"reason"`
			Rows   int64  `json:"rows"`
		}
		require.NoError(t, json.Unmarshal([]byte(filtered), &list), filtered)
		r.Filtered = map[string]int64{}
		for _, f := range list {
			r.Filtered[f.Reason] += f.Rows
		}
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

// checkReconciliation asserts that every staging row of every catalog
// object is accounted for: each object has a reconciliation row whose
// source_rows is the staging table's count, and no row is unexplained.
func checkReconciliation(t *testing.T, db *sql.DB) []reconRow {
	t.Helper()
	recon := reconciliation(t, db)
	require.NotEmpty(t, recon)
	seen := map[string]bool{}
	for _, r := range recon {
		seen[r.Source] = true
		var n int64
		require.NoError(t, db.QueryRow("SELECT count(*) FROM staging."+warehouse.QuoteIdent("stg_"+r.Source)).Scan(&n))
		assert.Equal(t, n, r.SourceRows, "%d %s → %s: source rows = staging rows", r.Seq, r.Source, r.Destination)
		assert.Zero(t, r.UnexplainedRows, "%d %s → %s: %s", r.Seq, r.Source, r.Destination, r.Explanation)
		var sum int64
		for _, v := range r.Filtered {
			sum += v
		}
		assert.Equal(t, r.FilteredRows, sum, "%d: filtered_rows is the sum of its reasons", r.Seq)
		assert.Equal(t, r.SourceRows, r.MappedRows+r.FilteredRows, "%d %s → %s: %s", r.Seq, r.Source, r.Destination, r.Explanation)
		assert.NotContains(t, r.Explanation, "UNEXPLAINED")
	}
	for _, o := range loaders.Catalog() {
		assert.True(t, seen[o.Name], "staging object %s has a reconciliation row", o.Name)
	}
	return recon
}

func TestTwentyCleanFixture(t *testing.T) {
	wh, set := buildFixture(t, fixtures.Options{Patients: 150, Seed: 17, Format: "csv"})
	db := wh.DB()

	t.Run("data tests pass", func(t *testing.T) {
		results, err := set.Test(context.Background(), db, []string{"tag:twenty"}, catalogSources())
		require.NoError(t, err)
		require.Greater(t, len(results), 50)
		for _, r := range results {
			assert.Equal(t, "pass", r.Status, "%s %s: %d bad, e.g. %v %s", r.Model, r.Test, r.Failures, r.Samples, r.Message)
		}
	})

	t.Run("reconciliation accounts for every staging row", func(t *testing.T) {
		recon := checkReconciliation(t, db)
		for _, r := range recon {
			if r.Source == "patient" || r.Source == "appointment" || r.Source == "clinical_note" || r.Source == "perio_measure" {
				assert.Equal(t, r.SourceRows, r.MappedRows, "a clean export loses no %s", r.Source)
			}
		}
	})

	t.Run("field_plan lists every column sent", func(t *testing.T) {
		tables := twentyTables(t, db)
		require.Len(t, tables, 9)
		for table, object := range tables {
			cols := queryStrings(t, db, "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'twenty' AND table_name = ? AND NOT starts_with(column_name, '_')", table)
			require.NotEmpty(t, cols, table)
			planned := map[string]bool{}
			for _, c := range queryStrings(t, db, "SELECT table_column FROM twenty.field_plan WHERE object_name_singular = ?", object) {
				planned[c] = true
			}
			for _, c := range cols {
				prefix, _, _ := strings.Cut(c, "__")
				assert.True(t, planned[c] || planned[prefix], "%s.%s is in field_plan", table, c)
			}
		}
		// Each custom-form answer sent is a planned field.
		fields := map[string]bool{}
		for _, f := range queryStrings(t, db, "SELECT field_name FROM twenty.field_plan WHERE table_column = 'extra_fields'") {
			fields[f] = true
		}
		require.NotEmpty(t, fields)
		keys := queryStrings(t, db, "SELECT DISTINCT unnest(json_keys(extra_fields)) FROM twenty.person WHERE extra_fields IS NOT NULL")
		require.NotEmpty(t, keys)
		for _, k := range keys {
			assert.True(t, fields[k], "extra field %s is planned", k)
		}
	})

	t.Run("select values are declared options", func(t *testing.T) {
		rows, err := db.Query(`SELECT o.table_name, f.table_column, CAST(f.options AS VARCHAR), f.type
			FROM twenty.field_plan f JOIN twenty.object_plan o USING (object_name_singular)
			WHERE f.type IN ('SELECT', 'MULTI_SELECT') AND f.options IS NOT NULL`)
		require.NoError(t, err)
		type sel struct{ table, column, options, typ string }
		var sels []sel
		for rows.Next() {
			var s sel
			require.NoError(t, rows.Scan(&s.table, &s.column, &s.options, &s.typ))
			sels = append(sels, s)
		}
		require.NoError(t, rows.Close())
		require.Greater(t, len(sels), 10)
		for _, s := range sels {
			var opts []struct {
				Value, Label string
				Position     int
			}
			require.NoError(t, json.Unmarshal([]byte(s.options), &opts))
			allowed := map[string]bool{}
			for i, o := range opts {
				assert.Regexp(t, `^[A-Z][A-Z0-9_]*$`, o.Value, "%s.%s option", s.table, s.column)
				assert.NotEmpty(t, o.Label)
				assert.Equal(t, i, o.Position)
				allowed[o.Value] = true
			}
			q := "SELECT DISTINCT CAST(" + warehouse.QuoteIdent(s.column) + " AS VARCHAR) FROM twenty." + warehouse.QuoteIdent(s.table) + " WHERE " + warehouse.QuoteIdent(s.column) + " IS NOT NULL"
			if s.typ == "MULTI_SELECT" {
				q = "SELECT DISTINCT unnest(" + warehouse.QuoteIdent(s.column) + ") FROM twenty." + warehouse.QuoteIdent(s.table)
			}
			values := queryStrings(t, db, q)
			assert.NotEmpty(t, values, "%s.%s has values", s.table, s.column)
			for _, v := range values {
				assert.True(t, allowed[v], "%s.%s value %q is an option", s.table, s.column, v)
			}
		}
	})

	t.Run("outstanding balance is the exact ledger sum", func(t *testing.T) {
		// Recomputed here in integer cents from the staging amounts' text,
		// independent of the model's SQL.
		rows, err := db.Query("SELECT patient_id, CAST(amount AS VARCHAR), transaction_type FROM staging.stg_transaction WHERE amount IS NOT NULL")
		require.NoError(t, err)
		want := map[string]*big.Rat{}
		for rows.Next() {
			var patient, amount, typ string
			require.NoError(t, rows.Scan(&patient, &amount, &typ))
			r, ok := new(big.Rat).SetString(amount)
			require.True(t, ok, amount)
			if want[patient] == nil {
				want[patient] = new(big.Rat)
			}
			want[patient].Add(want[patient], r)
		}
		require.NoError(t, rows.Close())
		require.NotEmpty(t, want)
		rows, err = db.Query("SELECT _source_key, outstanding_balance__amount_micros FROM twenty.person WHERE person_type = 'PATIENT'")
		require.NoError(t, err)
		defer rows.Close()
		nonzero := 0
		for rows.Next() {
			var patient string
			var micros int64
			require.NoError(t, rows.Scan(&patient, &micros))
			w := want[patient]
			if w == nil {
				w = new(big.Rat)
			}
			got := new(big.Rat).SetFrac64(micros, 1_000_000)
			assert.Equal(t, w.FloatString(2), got.FloatString(6)[:len(got.FloatString(6))-4], "balance of %s", patient)
			if micros != 0 {
				nonzero++
			}
		}
		require.NoError(t, rows.Err())
		assert.Positive(t, nonzero)
	})

	t.Run("relationships hold", func(t *testing.T) {
		// Every *_id column that holds a UUID points at a row of the table
		// its field_plan relation names.
		rows, err := db.Query(`SELECT o.table_name, f.table_column, t.table_name FROM twenty.field_plan f
			JOIN twenty.object_plan o USING (object_name_singular)
			JOIN twenty.object_plan t ON t.object_name_singular = f.relation_target_object
			WHERE f.type = 'RELATION'`)
		require.NoError(t, err)
		var rels [][3]string
		for rows.Next() {
			var r [3]string
			require.NoError(t, rows.Scan(&r[0], &r[1], &r[2]))
			rels = append(rels, r)
		}
		require.NoError(t, rows.Close())
		require.Greater(t, len(rels), 12)
		for _, r := range rels {
			var linked, broken int
			require.NoError(t, db.QueryRow(fmt.Sprintf(`SELECT count(c.%[2]s), count_if(c.%[2]s IS NOT NULL AND p.id IS NULL)
				FROM twenty.%[1]s c LEFT JOIN twenty.%[3]s p ON p.id = c.%[2]s`,
				warehouse.QuoteIdent(r[0]), warehouse.QuoteIdent(r[1]), warehouse.QuoteIdent(r[2]))).Scan(&linked, &broken))
			assert.Zero(t, broken, "%s.%s → %s", r[0], r[1], r[2])
			assert.Positive(t, linked, "%s.%s is used", r[0], r[1])
		}
		var missing int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM twenty.person WHERE person_type = 'PATIENT' AND company_id IS NULL`).Scan(&missing))
		assert.Zero(t, missing, "every patient has a company")
		var selfPay int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM twenty.person p JOIN twenty.company c ON c.id = p.company_id WHERE c.company_type = 'SELF_PAY'`).Scan(&selfPay))
		assert.Positive(t, selfPay, "patients without insurance in force are Self-Pay")
	})

	t.Run("form field names", func(t *testing.T) {
		names := queryStrings(t, db, "SELECT field_name FROM twenty.form_field")
		require.NotEmpty(t, names)
		for _, n := range names {
			assert.LessOrEqual(t, len(n), 63)
			assert.Regexp(t, `^[a-z][a-zA-Z0-9]*$`, n)
			// lodash reads a run of capitals as one word (and recases it)
			// unless a capitalised word follows; a single capital is fine.
			assert.NotRegexp(t, `[A-Z]{3}|[A-Z]{2}([0-9]|$)`, n, "lodash camelCase would rewrite %s", n)
		}
	})
}

// TestTwentyNames checks the naming macros on texts the fixture lacks.
func TestTwentyNames(t *testing.T) {
	db := macroDB(t)
	names := []struct{ in, want string }{
		{"HHX Are you under a physician's care now?", "hhxAreYouUnderAPhysiciansCareNow"},
		{"HHX Have you ever taken bisphosphonates (e.g. for osteoporosis)?", "hhxHaveYouEverTakenBisphosphonatesEgForOsteoporosis"},
		{"TOB Packs (or pods) per day", "tobPacksOrPodsPerDay"},
		{"x a b c d", "xaBCd"},
		{"Q A B", "qaB"},
		{"MED 2nd opinion", "med2NdOpinion"},
		{"9 lives", "field9Lives"},
		{"???", ""},
	}
	for _, c := range names {
		var got sql.NullString
		require.NoError(t, db.QueryRow("SELECT util.camel_name(?)", c.in).Scan(&got))
		assert.Equal(t, c.want, got.String, "camel_name(%q)", c.in)
	}
	values := []struct{ in, want string }{
		{"Recall/Hygiene", "RECALL_HYGIENE"}, {"No Show", "NO_SHOW"}, {"ALG-PCN", "ALG_PCN"}, {" re-evaluation ", "RE_EVALUATION"},
		{"2nd visit", "V_2ND_VISIT"}, {"--", ""},
	}
	for _, c := range values {
		var got sql.NullString
		require.NoError(t, db.QueryRow("SELECT util.option_value(?)", c.in).Scan(&got))
		assert.Equal(t, c.want, got.String, "option_value(%q)", c.in)
	}
	phones := []struct{ in, number, calling, country string }{
		{"+16145550134", "6145550134", "+1", "US"},
		{"+33142685300", "142685300", "+33", "FR"},
		{"+442071838750", "2071838750", "+44", "GB"},
		{"+3541234567", "+3541234567", "", ""},
	}
	for _, c := range phones {
		var number, calling, country sql.NullString
		require.NoError(t, db.QueryRow("SELECT p.number, p.calling_code, p.country_code FROM (SELECT util.phone_parts(?) AS p)", c.in).Scan(&number, &calling, &country))
		assert.Equal(t, []string{c.number, c.calling, c.country}, []string{number.String, calling.String, country.String}, c.in)
	}
	hosts := []struct{ in, want string }{
		{"https://www.Example-Dental.com/", "example-dental.com"},
		{"http://plans.example.org/path?x=1", "plans.example.org"},
		{"www.carrier.com", "carrier.com"},
		{"not a url", ""},
		{"https://localhost", ""},
	}
	for _, c := range hosts {
		var got sql.NullString
		require.NoError(t, db.QueryRow("SELECT util.website_host(?)", c.in).Scan(&got))
		assert.Equal(t, c.want, got.String, "website_host(%q)", c.in)
	}
	var micros int64
	require.NoError(t, db.QueryRow("SELECT util.amount_micros(CAST('123456789012.34' AS DECIMAL(18,2)))").Scan(&micros))
	assert.Equal(t, int64(123456789012340000), micros, "exact, no float rounding")
}

// TestTwentyDeterministicIDs builds the same export in two warehouses and
// compares every destination table's ids and keys: a re-run must update
// what the last run created, never duplicate it.
func TestTwentyDeterministicIDs(t *testing.T) {
	opt := fixtures.Options{Patients: 40, Seed: 29, Format: "csv"}
	a, set := buildFixture(t, opt)
	b, _ := buildFixture(t, opt)
	for _, name := range set.Order {
		m := set.Models[name]
		if m.Schema != "twenty" {
			continue
		}
		var hasID int
		require.NoError(t, a.DB().QueryRow("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'twenty' AND table_name = ? AND column_name = 'id'", m.Table()).Scan(&hasID))
		if hasID == 0 {
			continue
		}
		q := "SELECT id || ' ' || coalesce(_source_object, '') || ':' || coalesce(_source_key, '') FROM " + m.Relation() + " ORDER BY 1"
		ida := queryStrings(t, a.DB(), q)
		idb := queryStrings(t, b.DB(), q)
		require.NotEmpty(t, ida, m.Table())
		assert.Equal(t, ida, idb, "%s ids are stable", m.Table())
	}
	// And rebuilding in place keeps them too.
	before := queryStrings(t, a.DB(), "SELECT id FROM twenty.person ORDER BY id")
	run, err := set.Run(context.Background(), a.DB(), models.RunOptions{Select: []string{"tag:twenty"}, Sources: catalogSources(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, run.Failed())
	assert.Equal(t, before, queryStrings(t, a.DB(), "SELECT id FROM twenty.person ORDER BY id"))
}

// TestTwentyDirtyFixture: with the injected defects nothing disappears
// unexplained, and the defects that remove rows (repeated keys, orphan
// references) are exactly what reconciliation reports.
func TestTwentyDirtyFixture(t *testing.T) {
	const patients, seed = 200, 23
	dir := filepath.Join(t.TempDir(), "export")
	db, _, _ := stgFixture(t, fixtures.Options{Out: dir, Patients: patients, Seed: seed, Format: "csv", Dirty: true})
	// Perio defects the generator does not make: a site charted twice, a
	// site of an exam the export lacks, and the same site twice with no
	// exam (a key whose NULL part repeats like any other), and a site with
	// no tooth and a tooth with a blank site.
	for _, q := range []string{
		`INSERT INTO raw.perio_measure SELECT * REPLACE (_source_record + 1000000 AS _source_record)
		 FROM raw.perio_measure ORDER BY _source_record LIMIT 1`,
		`INSERT INTO raw.perio_measure SELECT * REPLACE (_source_record + 2000000 AS _source_record, 'NO-SUCH-EXAM' AS "Exam")
		 FROM raw.perio_measure ORDER BY _source_record LIMIT 1`,
		`INSERT INTO raw.perio_measure SELECT * REPLACE (_source_record + 3000000 AS _source_record, NULL AS "Exam")
		 FROM raw.perio_measure ORDER BY _source_record LIMIT 1`,
		`INSERT INTO raw.perio_measure SELECT * REPLACE (_source_record + 4000000 AS _source_record, NULL AS "Exam")
		 FROM raw.perio_measure ORDER BY _source_record LIMIT 1`,
		`INSERT INTO raw.perio_measure SELECT * REPLACE (_source_record + 5000000 AS _source_record, NULL AS "Tooth")
		 FROM raw.perio_measure ORDER BY _source_record LIMIT 1`,
		`INSERT INTO raw.perio_measure SELECT * REPLACE (_source_record + 6000000 AS _source_record, ' ' AS "Site")
		 FROM raw.perio_measure ORDER BY _source_record LIMIT 1`,
	} {
		_, err := db.Exec(q)
		require.NoError(t, err)
	}
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	run, err := set.Run(context.Background(), db, models.RunOptions{Sources: catalogSources(), TempDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	recon := checkReconciliation(t, db)

	defects := readDefects(t, dir)
	dup, orphan := map[string]int64{}, map[string]int64{}
	for _, d := range defects {
		switch d.Kind {
		case "duplicate_key":
			dup[d.Object]++
		case "orphan_reference":
			orphan[d.Object]++
		}
	}
	require.Positive(t, dup["appointment"]+dup["patient"]+dup["treatment"])
	require.Positive(t, orphan["appointment"]+orphan["treatment"])
	byObject := map[string]reconRow{}
	for _, r := range recon {
		if _, ok := byObject[r.Source]; !ok {
			byObject[r.Source] = r
		}
	}
	for _, o := range []string{"patient", "appointment", "treatment"} {
		assert.Equal(t, dup[o], byObject[o].Filtered["duplicate key: first copy kept"], "%s duplicates", o)
	}
	// The second copies of the site charted twice and of the exam-less
	// site are repeats; the first exam-less copy and the site of a missing
	// exam have no exam.
	assert.Equal(t, int64(2), byObject["perio_measure"].Filtered["duplicate key: first copy kept"])
	assert.Equal(t, int64(2), byObject["perio_measure"].Filtered["orphan reference to perio_exam"])
	// The sites without a tooth or a site are reported and left out of both
	// destinations.
	assert.Equal(t, int64(2), byObject["perio_measure"].Filtered["no tooth or site"])
	assert.Equal(t, []string{"missing perio site", "missing tooth"}, queryStrings(t, db,
		`SELECT reason FROM staging.data_quality WHERE model = 'stg_perio_measure' AND reason LIKE 'missing%' ORDER BY reason`))
	var odooFiltered int64
	for _, r := range checkOdooReconciles(t, db)["perio_measure"] {
		odooFiltered += r.Filtered
	}
	assert.Equal(t, int64(2), odooFiltered)
	// An orphan is a written orphan key or a patient the loader rejected
	// (as the staging test explains them): nothing else.
	rejected := map[string]bool{}
	for _, d := range defects {
		if d.Expect == "reject" && d.Object == "patient" {
			rejected[d.Key] = true
		}
	}
	for _, o := range []string{"appointment", "treatment"} {
		assert.GreaterOrEqual(t, byObject[o].Filtered["orphan reference to patient"], orphan[o], "%s orphans", o)
		keys := queryStrings(t, db, "SELECT DISTINCT patient_id FROM staging."+warehouse.QuoteIdent("stg_"+o)+
			" WHERE patient_id NOT IN (SELECT _source_key FROM twenty.person WHERE _source_object = 'patient')")
		var n int64
		require.NoError(t, db.QueryRow("SELECT count(DISTINCT "+o+"_id) FROM staging."+warehouse.QuoteIdent("stg_"+o)+
			" WHERE patient_id NOT IN (SELECT _source_key FROM twenty.person WHERE _source_object = 'patient')").Scan(&n))
		assert.Equal(t, n, byObject[o].Filtered["orphan reference to patient"], "%s orphans counted", o)
		for _, k := range keys {
			written := false
			for _, d := range defects {
				if d.Kind == "orphan_reference" && d.Object == o && d.Value == k {
					written = true
				}
			}
			assert.True(t, written || rejected[k], "%s orphan of patient %s is explained by a defect", o, k)
		}
	}

	t.Run("orphans and duplicates are the only rows left out", func(t *testing.T) {
		// Every appointment key whose patient exists reaches twenty.task.
		var missing int
		require.NoError(t, db.QueryRow(`SELECT count(DISTINCT a.appointment_id) FROM staging.stg_appointment a
			JOIN staging.stg_patient p USING (patient_id)
			WHERE a.appointment_id NOT IN (SELECT _source_key FROM twenty.task WHERE _source_object = 'appointment')`).Scan(&missing))
		assert.Zero(t, missing)
		var persons, keys int
		require.NoError(t, db.QueryRow(`SELECT (SELECT count(*) FROM twenty.person WHERE person_type = 'PATIENT'),
			(SELECT count(DISTINCT patient_id) FROM staging.stg_patient)`).Scan(&persons, &keys))
		assert.Equal(t, keys, persons, "a duplicated patient is one person")
	})

	t.Run("bad e-mails are not sent", func(t *testing.T) {
		bad := queryStrings(t, db, `SELECT emails__primary_email FROM twenty.person WHERE emails__primary_email IS NOT NULL
			AND NOT regexp_full_match(emails__primary_email, '[^@\s]+@[^@\s]+\.[a-z]{2,}')`)
		assert.Empty(t, bad)
	})

	t.Run("twenty data tests", func(t *testing.T) {
		results, err := set.Test(context.Background(), db, []string{"tag:twenty"}, catalogSources())
		require.NoError(t, err)
		var failed []string
		for _, r := range results {
			require.NotEqual(t, "error", r.Status, "%s %s: %s", r.Model, r.Test, r.Message)
			if r.Status != "pass" {
				failed = append(failed, fmt.Sprintf("%s %s %v", r.Model, r.Test, r.Samples))
			}
		}
		sort.Strings(failed)
		assert.Empty(t, failed, "the twenty models absorb the dirty export's defects")
	})

	t.Run("odoo data tests", func(t *testing.T) { odooTests(t, db, set) })
}
