package sourcemap

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestSourceSQLReshapes runs each reshaping's SQL in DuckDB over raw rows
// as the loader lands them (headers kept, provenance columns), next to
// rows of a file the map does not reshape.
func TestSourceSQLReshapes(t *testing.T) {
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	defer wh.Close()
	db := wh.DB()
	exec := func(q string) {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	exec(`CREATE TABLE raw.perio_measure ("Exam" VARCHAR, "Tooth" VARCHAR, "Mobility" VARCHAR, "PD MB" VARCHAR, "PD B" VARCHAR, "PD DB" VARCHAR,
		"BOP MB" VARCHAR, "BOP B" VARCHAR, "BOP DB" VARCHAR, "_batch_id" BIGINT, "_source_file" VARCHAR, "_source_record" BIGINT)`)
	exec(`INSERT INTO raw.perio_measure VALUES ('E1', '3', '1', '4', '2', '5', 'Y', 'N', 'Y', 1, 'PerioChart.csv', 1),
		('E1', '4', NULL, '3', '3', '3', 'N', 'N', 'N', 1, 'PerioChart.csv', 2)`)
	exec(`CREATE TABLE raw.appointment ("Appointment" VARCHAR, "AppointmentDate" VARCHAR, "Start Time" VARCHAR, "Status" VARCHAR,
		"_batch_id" BIGINT, "_source_file" VARCHAR, "_source_record" BIGINT)`)
	exec(`INSERT INTO raw.appointment VALUES ('1', '03/04/2024', '08:30', 'N', 1, 'Appts.csv', 1), ('2', '03/05/2024', '', 'Q', 1, 'Appts.csv', 2),
		('3', '03/06/2024 09:00 AM', NULL, 'Completed', 2, 'appointment.csv', 1)`)
	exec(`CREATE TABLE raw.patient ("Patient" VARCHAR, "Guarantor #" VARCHAR, "_batch_id" BIGINT, "_source_file" VARCHAR, "_source_record" BIGINT)`)
	exec(`INSERT INTO raw.patient VALUES ('10', '10', 1, 'Roster.csv', 1), ('11', '10', 1, 'Roster.csv', 2), ('12', '900', 1, 'Roster.csv', 3),
		('13', '13', 1, 'Roster.csv', 4)`)
	exec(`CREATE TABLE raw.guarantor ("Guarantor" VARCHAR, "Pat #" VARCHAR, "_batch_id" BIGINT, "_source_file" VARCHAR, "_source_record" BIGINT)`)
	exec(`INSERT INTO raw.guarantor VALUES ('G1', '10', 1, 'Guarantors.csv', 1), ('G2', '900', 1, 'Guarantors.csv', 2)`)

	exec(`CREATE TABLE raw.provider ("Provider" VARCHAR, "Provider Name" VARCHAR, "LastName" VARCHAR, "_batch_id" BIGINT, "_source_file" VARCHAR, "_source_record" BIGINT)`)
	exec(`INSERT INTO raw.provider VALUES ('P1', 'Smith, Jane A', NULL, 1, 'Staff.csv', 1), ('P2', 'Park,Ji Woo', NULL, 1, 'Staff.csv', 2),
		('P3', NULL, 'Lee', 2, 'provider.csv', 1)`)
	m := &SourceMap{Files: []File{
		{Path: "Staff.csv", Object: "provider", Reshape: []Reshape{{Kind: NameSplit, Columns: []string{"Provider Name"}, Into: "LastName"}}},
		{Path: "PerioChart.csv", Object: "perio_measure", Reshape: []Reshape{{Kind: PerioWide, Into: "Site", Sites: map[string][2]string{
			"PD MB": {"ProbingDepth", "MB"}, "PD B": {"ProbingDepth", "B"}, "PD DB": {"ProbingDepth", "DB"},
			"BOP MB": {"Bleeding", "MB"}, "BOP B": {"Bleeding", "B"}, "BOP DB": {"Bleeding", "DB"}}}}},
		{Path: "Appts.csv", Object: "appointment", Reshape: []Reshape{
			{Kind: DateTime, Columns: []string{"Appt Date", "Start Time"}, Into: "AppointmentDate"},
			{Kind: CodeTable, Columns: []string{"Appt Status"}, Into: "Status", Codes: map[string]string{"N": "No Show", "Q": ""}}}},
		{Path: "Roster.csv", Object: "patient", Reshape: []Reshape{{Kind: PatientReference, Columns: []string{"Guarantor #"}, Into: "Guarantor",
			Via: &Via{File: "Guarantors.csv", Object: "guarantor", Match: "Pat #", Key: "Guarantor"}}}},
	}}
	have := func(table string) map[string]bool {
		cols, err := warehouse.Columns(context.Background(), db, "raw", table)
		require.NoError(t, err)
		out := map[string]bool{}
		for _, c := range cols {
			out[lower(c)] = true
		}
		return out
	}
	rel := func(o string) string { return "raw." + warehouse.QuoteIdent(o) }
	rows := func(object, cols, order string) [][]string {
		q, ok := m.SourceSQL(object, rel(object), have(object), rel)
		require.True(t, ok)
		r, err := db.Query("SELECT " + cols + " FROM " + q + " s ORDER BY " + order)
		require.NoError(t, err, q)
		defer r.Close()
		ct, _ := r.Columns()
		var out [][]string
		for r.Next() {
			vals := make([]*string, len(ct))
			ptrs := make([]any, len(ct))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, r.Scan(ptrs...))
			row := make([]string, len(ct))
			for i, v := range vals {
				if v == nil {
					row[i] = "NULL"
				} else {
					row[i] = *v
				}
			}
			out = append(out, row)
		}
		return out
	}
	assert.Equal(t, [][]string{
		{"3", "B", "2", "N", "1"}, {"3", "DB", "5", "Y", "1"}, {"3", "MB", "4", "Y", "1"},
		{"4", "B", "3", "N", "NULL"}, {"4", "DB", "3", "N", "NULL"}, {"4", "MB", "3", "N", "NULL"},
	}, rows("perio_measure", `"Tooth", "Site", "ProbingDepth", "Bleeding", "Mobility"`, "1, 2"), "a row per site, the tooth's mobility on each")
	assert.Equal(t, [][]string{
		{"1", "03/04/2024 08:30", "No Show"},
		{"2", "03/05/2024", "Q"},
		{"3", "03/06/2024 09:00 AM", "Completed"},
	}, rows("appointment", `"Appointment", "AppointmentDate", "Status"`, "1"), "date and time joined; codes mapped; a code without a value and another file's rows as they were")
	assert.Equal(t, [][]string{{"10", "G1"}, {"11", "G1"}, {"12", "G2"}, {"13", "NULL"}},
		rows("patient", `"Patient", "Guarantor"`, "1"), "a number the guarantor file holds: that guarantor (a head of household too); their own number otherwise: their own guarantor, no record")
	assert.Equal(t, [][]string{{"P1", "Smith", "Jane", "A"}, {"P2", "Park", "Ji", "Woo"}, {"P3", "Lee", "NULL", "NULL"}},
		rows("provider", `"Provider", "LastName", "FirstName", "MiddleName"`, "1"), "a whole name split into its parts; another file's parts kept")
	_, ok := m.SourceSQL("clinic", rel("clinic"), nil, rel)
	assert.False(t, ok, "an object the map does not reshape reads its raw table")
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
