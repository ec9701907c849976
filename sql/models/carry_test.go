package models_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"os"
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

// addColumns appends columns to an export file: values gives each
// record's value per new header (by record index; missing means blank).
func addColumns(t *testing.T, path string, headers []string, values func(i int, header string) string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	require.Greater(t, len(recs), 2)
	recs[0] = append(recs[0], headers...)
	for i := 1; i < len(recs); i++ {
		for _, h := range headers {
			recs[i] = append(recs[i], values(i-1, h))
		}
	}
	out, err := os.Create(path)
	require.NoError(t, err)
	w := csv.NewWriter(out)
	require.NoError(t, w.WriteAll(recs))
	require.NoError(t, out.Close())
}

// carryFixture is a small clean export whose files edit changes before
// it is loaded and every model is built.
func carryFixture(t *testing.T, edit func(dir string)) (*warehouse.Warehouse, *models.Set) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	_, err := fixtures.Generate(ctx, fixtures.Options{Out: dir, Patients: 12, Seed: 3, Format: "csv"})
	require.NoError(t, err)
	edit(dir)
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	rep, err := loaders.Load(ctx, wh.DB(), dir, loaders.Options{Specs: catalogSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed())
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	runAll(t, wh, set)
	return wh, set
}

func runAll(t *testing.T, wh *warehouse.Warehouse, set *models.Set) {
	t.Helper()
	run, err := set.Run(context.Background(), wh.DB(), models.RunOptions{Sources: catalogSources(), TempDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
}

// failedTests runs every data test and returns "model: test" of those that
// did not pass, with their samples.
func failedTests(t *testing.T, wh *warehouse.Warehouse, set *models.Set) map[string][]string {
	t.Helper()
	res, err := set.Test(context.Background(), wh.DB(), nil, catalogSources())
	require.NoError(t, err)
	out := map[string][]string{}
	for _, r := range res {
		if r.Status != "pass" {
			out[r.Model+": "+r.Test] = append(r.Samples, r.Message)
		}
	}
	return out
}

// column reads one column of a table by a key column, NULL as nil.
func column(t *testing.T, db *sql.DB, table, key, col string) map[string]*string {
	t.Helper()
	rows, err := db.Query("SELECT " + warehouse.QuoteIdent(key) + ", " + warehouse.QuoteIdent(col) + " FROM " + table)
	require.NoError(t, err, "%s.%s", table, col)
	defer rows.Close()
	out := map[string]*string{}
	for rows.Next() {
		var k string
		var v sql.NullString
		require.NoError(t, rows.Scan(&k, &v))
		if v.Valid {
			out[k] = &v.String
		} else {
			out[k] = nil
		}
	}
	require.NoError(t, rows.Err())
	return out
}

func hasColumn(t *testing.T, db *sql.DB, schema, table, col string) bool {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND column_name = ?",
		schema, table, col).Scan(&n))
	return n > 0
}

// The headers an institution's patient report adds, none of them known to
// the catalog: a free-text medical alert (whose Odoo name x_medical_alert
// the plan already uses), remarks in two spellings that want one name,
// and "Type", a name Twenty reserves.
var carriedHeaders = []string{"Medical Alert", "Remarks", "REMARKS!", "Type"}

func carriedValue(i int, h string) string {
	switch {
	case i%4 == 3:
		return "" // blank: no value
	case h == "Medical Alert":
		return "  Latex allergy;\nsee chart  " // kept exactly: spaces and line break
	case h == "Type":
		return "T" + string(rune('A'+i))
	}
	return h + " of record " + string(rune('a'+i))
}

// TestCarriedColumnsReachBothCRMs is issue 12's "done when": an unknown
// column of the patient export reaches twenty.person and
// odoo.res_partner_patient as a custom field, holding its values exactly,
// and both field plans list it.
func TestCarriedColumnsReachBothCRMs(t *testing.T) {
	wh, set := carryFixture(t, func(dir string) {
		addColumns(t, filepath.Join(dir, "patient.csv"), carriedHeaders, carriedValue)
	})
	db := wh.DB()
	patients := queryStrings(t, db, `SELECT patient_id FROM staging.stg_patient ORDER BY "_source_record"`)
	require.NotEmpty(t, patients)
	fields := map[string][2]string{} // header → Twenty, Odoo field
	for _, h := range carriedHeaders {
		// The field plans list the column as a custom field labelled by
		// its header.
		var twentyField, tableColumn, typ, odooField, ttype string
		var custom, odooCustom bool
		require.NoError(t, db.QueryRow(`SELECT field_name, table_column, type, is_custom FROM twenty.field_plan
			WHERE object_name_singular = 'person' AND label = ?`, h).Scan(&twentyField, &tableColumn, &typ, &custom),
			"twenty.field_plan has no person field labelled %q", h)
		assert.Equal(t, []any{twentyField, "TEXT", true}, []any{tableColumn, typ, custom}, h)
		var desc string
		require.NoError(t, db.QueryRow(`SELECT name, field_description, ttype, is_custom FROM odoo.field_plan
			WHERE model = 'res.partner' AND note = 'carried from column ' || ? || ' of the axiUm patient export (not a catalog column)'`,
			h).Scan(&odooField, &desc, &ttype, &odooCustom), "odoo.field_plan has no res.partner field carrying %q", h)
		wantDesc := h
		if h == "Medical Alert" { // the description of x_medical_alert, the active alerts
			wantDesc += " (axiUm column)"
		}
		assert.Equal(t, []any{wantDesc, "text", true}, []any{desc, ttype, odooCustom}, h)
		fields[h] = [2]string{twentyField, odooField}

		// twenty.person and odoo.res_partner_patient hold its values as
		// exported; a blank is no value.
		twenty := column(t, db, "twenty.person", "axium_id", twentyField)
		odoo := column(t, db, "odoo.res_partner_patient", "x_source_system_id", odooField)
		for i, p := range patients {
			want := carriedValue(i, h)
			if want == "" {
				assert.Nil(t, twenty["patient:"+p], "%s %s", h, p)
				assert.Nil(t, odoo[p], "%s %s", h, p)
				continue
			}
			if assert.NotNil(t, twenty["patient:"+p], "%s %s", h, p) {
				assert.Equal(t, want, *twenty["patient:"+p], "twenty.person.%s of %s", twentyField, p)
			}
			if assert.NotNil(t, odoo[p], "%s %s", h, p) {
				assert.Equal(t, want, *odoo[p], "odoo.res_partner_patient.%s of %s", odooField, p)
			}
		}
		for k, v := range twenty {
			if strings.HasPrefix(k, "provider:") {
				assert.Nil(t, v, "a provider carries no patient column")
			}
		}
	}

	// Names: derived from the header, valid, and apart from the fields
	// the plans already have; of two headers wanting one name the first
	// in byte order keeps it.
	assert.Equal(t, "medicalAlert", fields["Medical Alert"][0])
	assert.Regexp(t, `^x_medical_alert_[0-9]{6}$`, fields["Medical Alert"][1])
	assert.Equal(t, [2]string{"remarks", "x_remarks"}, fields["REMARKS!"])
	assert.Regexp(t, `^remarksCol[0-9]{6}$`, fields["Remarks"][0])
	assert.Regexp(t, `^x_remarks_[0-9]{6}$`, fields["Remarks"][1])
	assert.Regexp(t, `^typeCol[0-9]{6}$`, fields["Type"][0])
	assert.Equal(t, "x_type", fields["Type"][1])
	recorded := queryStrings(t, db, `SELECT raw_column || ' ' || twenty_field || ' ' || odoo_field || ' ' || label || ' ' || decision
		FROM meta.carried_column ORDER BY raw_column`)
	var want []string
	for _, h := range []string{"Medical Alert", "REMARKS!", "Remarks", "Type"} {
		want = append(want, h+" "+fields[h][0]+" "+fields[h][1]+" "+h+" carry")
	}
	assert.Equal(t, want, recorded)

	// The columns are reconciled, and every data test passes (the field
	// plans' name and label rules included).
	var patientColumns int
	for _, o := range loaders.Catalog() {
		if o.Name == "patient" {
			patientColumns = len(o.Columns)
		}
	}
	for _, schema := range []string{"twenty", "odoo"} {
		var read, mapped, carriedN, ignored, unexplained int
		require.NoError(t, db.QueryRow(`SELECT columns_read, columns_mapped, columns_carried, columns_ignored, columns_unexplained
			FROM `+schema+`.column_reconciliation WHERE source_object = 'patient'`).Scan(&read, &mapped, &carriedN, &ignored, &unexplained))
		assert.Equal(t, []int{patientColumns + 4, patientColumns, 4, 0, 0},
			[]int{read, mapped, carriedN, ignored, unexplained}, schema)
	}
	assert.Empty(t, failedTests(t, wh, set))

	// A second run keeps the names and the values.
	runAll(t, wh, set)
	assert.Equal(t, recorded, queryStrings(t, db, `SELECT raw_column || ' ' || twenty_field || ' ' || odoo_field || ' ' || label || ' ' || decision
		FROM meta.carried_column ORDER BY raw_column`))
	assert.Equal(t, "  Latex allergy;\nsee chart  ", *column(t, db, "twenty.person", "axium_id", "medicalAlert")["patient:"+patients[0]])
}

// TestIgnoredColumnIsNotCarried: a column a person decided to ignore (the
// source map will write the decision; here it is written directly) is in
// no destination table nor field plan, and the reconciliations count it
// as ignored.
func TestIgnoredColumnIsNotCarried(t *testing.T) {
	wh, set := carryFixture(t, func(dir string) {
		addColumns(t, filepath.Join(dir, "patient.csv"), []string{"Remarks", "Internal Code"}, carriedValue)
	})
	db := wh.DB()
	carried, err := models.ReadCarried(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, carried, 2)
	assert.Equal(t, models.CarriedColumn{Object: "patient", RawColumn: "Internal Code", TwentyField: "internalCode",
		OdooField: "x_internal_code", Label: "Internal Code", Decision: "carry"}, carried[0])
	require.True(t, hasColumn(t, db, "twenty", "person", "internalCode"))
	_, err = db.Exec(`UPDATE meta.carried_column SET decision = 'ignore' WHERE object = 'patient' AND raw_column = 'Internal Code'`)
	require.NoError(t, err)
	runAll(t, wh, set)

	assert.False(t, hasColumn(t, db, "twenty", "person", "internalCode"))
	assert.False(t, hasColumn(t, db, "odoo", "res_partner_patient", "x_internal_code"))
	assert.True(t, hasColumn(t, db, "twenty", "person", "remarks"))
	assert.True(t, hasColumn(t, db, "odoo", "res_partner_patient", "x_remarks"))
	assert.Empty(t, queryStrings(t, db, `SELECT field_name FROM twenty.field_plan WHERE field_name = 'internalCode'`))
	assert.Empty(t, queryStrings(t, db, `SELECT name FROM odoo.field_plan WHERE name = 'x_internal_code'`))
	for _, schema := range []string{"twenty", "odoo"} {
		assert.Equal(t, []string{"1 1 [Internal Code]"}, queryStrings(t, db, `SELECT columns_carried || ' ' || columns_ignored || ' ' || CAST(ignored_columns AS VARCHAR)
			FROM `+schema+`.column_reconciliation WHERE source_object = 'patient'`), schema)
	}
	assert.Empty(t, failedTests(t, wh, set))
}

// TestUncarriedColumnFailsReconciliation: a column of an object whose
// records carry no columns yet (a treatment's lab case) is neither
// mapped, carried nor ignored: the column reconciliations' test fails and
// names it, until a person ignores it.
func TestUncarriedColumnFailsReconciliation(t *testing.T) {
	wh, set := carryFixture(t, func(dir string) {
		addColumns(t, filepath.Join(dir, "treatment.csv"), []string{"Lab Case"}, func(i int, _ string) string { return "LC-7" })
	})
	db := wh.DB()
	failed := failedTests(t, wh, set)
	for _, name := range []string{"twenty_column_reconciliation", "odoo_column_reconciliation"} {
		samples, ok := failed[name+": every raw column is mapped, carried or ignored"]
		if assert.True(t, ok, "%s: %v", name, failed) {
			assert.Contains(t, samples[0], "treatment: Lab Case")
		}
	}
	assert.Len(t, failed, 2, "%v", failed)

	_, err := db.Exec(`UPDATE meta.carried_column SET decision = 'ignore' WHERE object = 'treatment'`)
	require.NoError(t, err)
	runAll(t, wh, set)
	assert.Empty(t, failedTests(t, wh, set))
}

// TestCarriedAppointmentColumn: an appointment export column the catalog
// does not know (a start time kept apart from the date) reaches the
// appointment's twenty.task row and odoo.calendar_event row, and both
// field plans; recall tasks hold no value.
func TestCarriedAppointmentColumn(t *testing.T) {
	value := func(i int, _ string) string { return []string{"09:30", " 14:05 ", ""}[i%3] }
	wh, set := carryFixture(t, func(dir string) {
		addColumns(t, filepath.Join(dir, "appointment.csv"), []string{"Start Time"}, value)
	})
	db := wh.DB()
	assert.Equal(t, []string{"task startTime TEXT Start Time"}, queryStrings(t, db, `SELECT object_name_singular || ' ' || field_name || ' ' || type || ' ' || label
		FROM twenty.field_plan WHERE table_column = 'startTime'`))
	assert.Equal(t, []string{"calendar_event calendar.event text Start Time"}, queryStrings(t, db, `SELECT table_name || ' ' || model || ' ' || ttype || ' ' || field_description
		FROM odoo.field_plan WHERE name = 'x_start_time'`))
	ids := queryStrings(t, db, `SELECT appointment_id FROM staging.stg_appointment ORDER BY "_source_record"`)
	require.NotEmpty(t, ids)
	twenty := column(t, db, "twenty.task", "axium_id", "startTime")
	odoo := column(t, db, "odoo.calendar_event", "_source_key", "x_start_time")
	seen := 0
	for i, id := range ids {
		if got, ok := odoo[id]; ok { // an appointment of a migrated patient
			seen++
			if want := value(i, ""); want == "" {
				assert.Nil(t, got, id)
				assert.Nil(t, twenty["appointment:"+id], id)
			} else if assert.NotNil(t, got, id) && assert.NotNil(t, twenty["appointment:"+id], id) {
				assert.Equal(t, want, *got, id)
				assert.Equal(t, want, *twenty["appointment:"+id], id)
			}
		}
	}
	assert.Greater(t, seen, 10)
	for k, v := range twenty {
		if strings.HasPrefix(k, "recall:") {
			assert.Nil(t, v, k)
		}
	}
	assert.Empty(t, failedTests(t, wh, set))
}
