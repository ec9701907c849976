package loaders_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRejectsKeepEveryRecord(t *testing.T) {
	p := newProject(t)
	exp := t.TempDir()
	// Records: 1 ok (embedded newline + quotes), 2 too few fields, 3 ok,
	// 4 broken quoting, 5 too many fields, 6 invalid UTF-8, 7 ok.
	content := "Appointment,Patient,Notes\r\n" +
		"1,100,\"line one\r\nsaid \"\"hi\"\"\"\r\n" +
		"2,100\r\n" +
		"3,101,plain\r\n" +
		"4,\"10\"2,x\r\n" +
		"5,103,a,b\r\n" +
		"6,104,caf\xC3\x28 bad\r\n" +
		"7,105,\"é ok\"\r\n"
	writeFile(t, exp, "appointment.csv", []byte(content))
	rep := p.load(exp, specs(nil))
	require.Len(t, rep.Files, 1)
	f := rep.Files[0]
	require.Equal(t, "loaded", f.Status, f.Message)
	assert.Equal(t, "utf-8", f.Encoding)
	assert.EqualValues(t, 7, f.RowsRead)
	assert.EqualValues(t, 3, f.RowsLoaded)
	assert.EqualValues(t, 4, f.RowsRejected)

	// Loaded rows keep their ordinal in the file despite the rejects before them.
	got := p.rows(`SELECT "Appointment", "_source_record", "Notes" FROM raw.appointment ORDER BY 2`)
	require.Len(t, got, 3)
	assert.Equal(t, []any{"1", int64(1), "line one\r\nsaid \"hi\""}, got[0])
	assert.Equal(t, []any{"3", int64(3), "plain"}, got[1])
	assert.Equal(t, []any{"7", int64(7), "é ok"}, got[2])

	rj := p.rows(`SELECT source_record, line, error_type, raw_text, raw_bytes FROM meta.rejects ORDER BY source_record`)
	require.Len(t, rj, 4)
	wantRec := []int64{2, 4, 5, 6}
	wantLine := []int64{4, 6, 7, 8} // physical lines: record 1 spans two
	wantType := []string{"MISSING COLUMNS", "UNQUOTED VALUE", "TOO MANY COLUMNS", "INVALID ENCODING"}
	for i, r := range rj {
		assert.Equal(t, wantRec[i], r[0], "record %d", i)
		assert.Equal(t, wantLine[i], r[1], "line of record %d", wantRec[i])
		assert.Contains(t, r[2], wantType[i])
	}
	assert.Contains(t, rj[0][3], "2,100")
	assert.Contains(t, rj[1][3], `4,"10"2,x`)
	assert.Contains(t, rj[2][3], "5,103,a,b")
	// The exact bytes of the undecodable record are kept.
	require.NotNil(t, rj[3][4])
	assert.Contains(t, string(rj[3][4].([]byte)), "6,104,caf\xC3\x28 bad")
}

func TestReloadIsDetected(t *testing.T) {
	p := newProject(t)
	exp := t.TempDir()
	writeFile(t, exp, "patient.csv", []byte("Patient,LastName\n1,Ng\n2,Diaz\n"))
	first := p.load(exp, specs(nil))
	require.Equal(t, "loaded", first.Files[0].Status)

	again := p.load(exp, specs(nil))
	require.Len(t, again.Files, 1)
	assert.Equal(t, "skipped", again.Files[0].Status)
	assert.Contains(t, again.Files[0].Message, "already loaded in batch")
	assert.Equal(t, []string{"2"}, p.strings(`SELECT count(*)::VARCHAR FROM raw.patient`))

	// A newer export of the same object is a new batch, with a new column.
	exp2 := t.TempDir()
	writeFile(t, exp2, "patient.csv", []byte("Patient,LastName,Email\n1,Ng,ng@example.org\n2,Diaz-Ruiz,\n3,Kim,kim@example.org\n"))
	third := p.load(exp2, specs(nil))
	require.Equal(t, "loaded", third.Files[0].Status)
	assert.Greater(t, third.BatchID, first.BatchID)
	assert.Equal(t, []string{"2", "3"}, p.strings(`SELECT count(*)::VARCHAR FROM raw.patient GROUP BY _batch_id ORDER BY _batch_id`))
	// Old rows have no Email; a blank field is an empty string, not NULL.
	assert.Equal(t, []string{"<NULL>", "<NULL>", "ng@example.org", "", "kim@example.org"},
		p.strings(`SELECT "Email" FROM raw.patient ORDER BY _batch_id, _source_record`))
	// Unchanged rows hash alike across batches; changed ones do not.
	same := p.strings(`SELECT a."Patient" FROM raw.patient a JOIN raw.patient b USING ("Patient")
		WHERE a._batch_id < b._batch_id AND a._row_hash = b._row_hash`)
	assert.Empty(t, same, "the new Email column changes every row's hash")
	assert.Equal(t, []string{"3"}, p.strings(`SELECT count(DISTINCT _row_hash)::VARCHAR FROM raw.patient WHERE _batch_id = ?`, third.BatchID))
	var batches int
	require.NoError(t, p.db.QueryRow(`SELECT count(*) FROM meta.load_batch WHERE status = 'finished'`).Scan(&batches))
	assert.Equal(t, 3, batches)
}
