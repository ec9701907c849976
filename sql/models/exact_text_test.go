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
