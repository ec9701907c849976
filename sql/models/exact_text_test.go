package models_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestFreeTextArrivesExactly loads notes and other free text whose spaces
// and line breaks are part of the text (a 3 MB note ending in a space among
// them) and checks that staging keeps every byte, while names and codes are
// still trimmed, as documented.
func TestFreeTextArrivesExactly(t *testing.T) {
	ctx := context.Background()
	export := t.TempDir()
	big := "  Perio maintenance, pt reports " + strings.Repeat("bleeding on brushing. ", 3<<20/22) + "Plan: recall 3 months "
	require.Greater(t, len(big), 3<<20)
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(export, name), []byte(content), 0o644))
	}
	write("patient.csv", "Patient,LastName,FirstName\n100, Ng ,Ann\n")
	write("clinical_note.csv", "Note,Patient,NoteDate,NoteType,Subjective,NoteText\n"+
		"N1,100,2024-01-02,Progress,\" pain \",\""+big+"\"\n"+
		"N2,100,2024-01-03,Progress,,\"line one  \r\n  line two\t\"\n")
	write("appointment.csv", "Appointment,Patient,AppointmentDate,Notes\nA1,100,2024-01-02,\"  call first \"\n")
	write("medical_alert.csv", "Alert,Patient,AlertCode,AlertText\nM1,100, PCN ,\" Penicillin: hives \"\n")

	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	db := wh.DB()
	rep, err := loaders.Load(ctx, db, export, loaders.Options{Specs: stgSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed())
	stgRun(t, db, stgSet(t))

	get := func(q string) string {
		var s string
		require.NoError(t, db.QueryRow(q).Scan(&s))
		return s
	}
	note := get(`SELECT note_text FROM staging.stg_clinical_note WHERE note_id = 'N1'`)
	assert.Equal(t, len(big), len(note), "the 3 MB note keeps its length")
	assert.True(t, note == big, "the 3 MB note arrives byte for byte (ends %q)", note[max(0, len(note)-10):])
	assert.Equal(t, "line one  \r\n  line two\t", get(`SELECT note_text FROM staging.stg_clinical_note WHERE note_id = 'N2'`))
	assert.Equal(t, " pain ", get(`SELECT subjective FROM staging.stg_clinical_note WHERE note_id = 'N1'`))
	assert.Equal(t, "  call first ", get(`SELECT notes FROM staging.stg_appointment`))
	assert.Equal(t, " Penicillin: hives ", get(`SELECT alert_text FROM staging.stg_medical_alert`))
	// Names and codes are still trimmed (the documented rule for them).
	assert.Equal(t, "Ng", get(`SELECT last_name FROM staging.stg_patient`))
	assert.Equal(t, "PCN", get(`SELECT alert_code FROM staging.stg_medical_alert`))
	// A blank free-text field is still NULL, not ''.
	var subj *string
	require.NoError(t, db.QueryRow(`SELECT subjective FROM staging.stg_clinical_note WHERE note_id = 'N2'`).Scan(&subj))
	assert.Nil(t, subj)
}

// TestFlaggedBytesKeepTheirRecord: in a Windows-1252 export a byte the code
// page leaves undefined (0x81) and a NUL byte are flagged, not rejected and
// not silently replaced: the record loads, raw keeps the exact byte, the
// load names the file, line and field, and staging.data_quality lists the
// value; the NUL is removed from the staged value, as PostgreSQL (under both
// CRMs) cannot store it. A record rejected for another cause keeps its exact
// bytes as exported.
func TestFlaggedBytesKeepTheirRecord(t *testing.T) {
	ctx := context.Background()
	export := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(export, name), []byte(content), 0o644))
	}
	write("patient.csv", "Patient,LastName\n100,Ng\n")
	write("appointment.csv", "Appointment,Patient,AppointmentDate,Notes\r\n"+
		"A1,100,2024-01-02,caf\xE9 \x81 ok\r\n"+
		"A2,100,2024-01-03,before\x00after\r\n"+
		"A3,100,2024-01-04,r\xE9sum\xE9,extra\r\n")

	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	db := wh.DB()
	rep, err := loaders.Load(ctx, db, export, loaders.Options{Specs: stgSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	var f loaders.FileResult
	for _, r := range rep.Files {
		if r.Object == "appointment" {
			f = r
		}
	}
	require.Equal(t, "loaded", f.Status, f.Message)
	assert.Equal(t, "windows-1252", f.Encoding)
	assert.EqualValues(t, 3, f.RowsRead)
	assert.EqualValues(t, 2, f.RowsLoaded)
	assert.EqualValues(t, 1, f.RowsRejected)
	assert.EqualValues(t, 2, f.RowsFlagged)
	warnings := strings.Join(f.Warnings, "\n")
	assert.Contains(t, warnings, `appointment.csv line 2, field "Notes": byte 0x81 is undefined in windows-1252`)
	assert.Contains(t, warnings, `appointment.csv line 3, field "Notes": a NUL byte`)

	var notes string
	require.NoError(t, db.QueryRow(`SELECT "Notes" FROM raw.appointment WHERE "Appointment" = 'A1'`).Scan(&notes))
	assert.Equal(t, "café \u0081 ok", notes, "raw keeps the undefined byte as the control character of the same number")
	var raw []byte
	var reason string
	require.NoError(t, db.QueryRow(`SELECT raw_bytes, reason FROM meta.rejects`).Scan(&raw, &reason))
	assert.Equal(t, []byte("A3,100,2024-01-04,r\xE9sum\xE9,extra"), raw, "the reject keeps the bytes as exported")
	assert.Contains(t, reason, "appointment.csv line 4")

	stgRun(t, db, stgSet(t))
	got := map[string][]string{}
	for _, r := range dataQuality(t, db) {
		if r.Object == "appointment" {
			got[r.Key] = []string{r.Column, r.Raw, r.Reason, r.File}
		}
	}
	assert.Equal(t, []string{"Notes", "café \u0081 ok", "undefined byte (C1 control character)", "appointment.csv"}, got["A1"])
	assert.Equal(t, []string{"Notes", "before\x00after", "NUL byte removed", "appointment.csv"}, got["A2"])
	var staged string
	require.NoError(t, db.QueryRow(`SELECT notes FROM staging.stg_appointment WHERE appointment_id = 'A2'`).Scan(&staged))
	assert.Equal(t, "beforeafter", staged)
	require.NoError(t, db.QueryRow(`SELECT notes FROM staging.stg_appointment WHERE appointment_id = 'A1'`).Scan(&staged))
	assert.Equal(t, "café \u0081 ok", staged)
}
