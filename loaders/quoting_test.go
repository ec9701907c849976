package loaders_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnbalancedQuoteIsRejectedAlone: a record whose quote is never closed
// is rejected on its own, with its exact bytes and a one-sentence reason;
// the loader resumes at the next line that starts a well-formed record, so
// the good records after it load (DuckDB's reader alone runs on to the next
// quote and swallows them into one reject).
func TestUnbalancedQuoteIsRejectedAlone(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		loaded        []string // Appointment keys, in order
		loadedRec     []int64
		rejRec, line  int64
		raw, reason   string
	}{
		{
			name: "swallowed neighbours",
			content: "Appointment,Patient,Notes\r\n" +
				"1,100,ok\r\n" +
				"2,100,\"never closed\r\n" +
				"3,101,good one\r\n" +
				"4,102,\"good, quoted\"\r\n" +
				"5,103,\"multi\r\nline, \"\"quoted\"\"\"\r\n" +
				"6,104,last\r\n",
			loaded: []string{"1", "3", "4", "5", "6"}, loadedRec: []int64{1, 3, 4, 5, 6},
			rejRec: 2, line: 3, raw: "2,100,\"never closed",
			reason: `appointment.csv line 3, field "Notes": the quote that opens the value on line 3 is not closed before line 4`,
		},
		{
			name: "open to the end of the file",
			content: "Appointment,Patient,Notes\n" +
				"1,100,ok\n" +
				"2,100,\"starts a note\n" +
				"and goes on, and on\n",
			loaded: []string{"1"}, loadedRec: []int64{1},
			rejRec: 2, line: 3, raw: "2,100,\"starts a note\nand goes on, and on",
			reason: `appointment.csv line 3, field "Notes": the quote that opens the value on line 3 is still open at the end of the file`,
		},
		{
			name: "text after the closing quote",
			content: "Appointment,Patient,Notes\n" +
				"1,\"10\"0,x\n" +
				"2,100,ok\n",
			loaded: []string{"2"}, loadedRec: []int64{2},
			rejRec: 1, line: 2, raw: "1,\"10\"0,x",
			reason: `appointment.csv line 2, field "Patient": text follows the closing quote of the value on line 2`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			exp := t.TempDir()
			writeFile(t, exp, "appointment.csv", []byte(tc.content))
			rep := p.load(exp, specs(nil))
			require.Len(t, rep.Files, 1)
			f := rep.Files[0]
			require.Equal(t, "loaded", f.Status, f.Message)
			assert.Empty(t, f.Warnings)
			assert.EqualValues(t, len(tc.loaded)+1, f.RowsRead, "rows read counts each physical record once")
			assert.EqualValues(t, len(tc.loaded), f.RowsLoaded)
			assert.EqualValues(t, 1, f.RowsRejected)

			var keys []string
			var recs []int64
			for _, r := range p.rows(`SELECT "Appointment", "_source_record" FROM raw.appointment ORDER BY 2`) {
				keys = append(keys, r[0].(string))
				recs = append(recs, r[1].(int64))
			}
			assert.Equal(t, tc.loaded, keys)
			assert.Equal(t, tc.loadedRec, recs, "loaded records keep their ordinal in the file")

			rj := p.rows(`SELECT source_record, line, reason, raw_text, raw_bytes FROM meta.rejects`)
			require.Len(t, rj, 1)
			assert.Equal(t, tc.rejRec, rj[0][0])
			assert.Equal(t, tc.line, rj[0][1])
			reason := rj[0][2].(string)
			assert.True(t, strings.HasPrefix(reason, tc.reason), "reason %q", reason)
			assert.NotContains(t, reason, "\n", "one sentence, not the reader's messages")
			assert.Equal(t, tc.raw, rj[0][3])
			assert.Equal(t, []byte(tc.raw), rj[0][4], "the record's exact bytes")
		})
	}
}

// TestBlankLinesKeepRecordNumbers: DuckDB counts blank lines in the line
// numbers of its rejects, though they are not records; the loaded rows and
// the rejects still get their record ordinals and physical lines.
func TestBlankLinesKeepRecordNumbers(t *testing.T) {
	p := newProject(t)
	exp := t.TempDir()
	writeFile(t, exp, "appointment.csv", []byte("Appointment,Patient,Notes\n1,100,a\n\n2,100,b,extra\n\n3,100,c\n4,100,\"x\n\ny\"\n5,100\n6,100,ok\n"))
	rep := p.load(exp, specs(nil))
	f := rep.Files[0]
	require.Equal(t, "loaded", f.Status, f.Message)
	assert.EqualValues(t, 6, f.RowsRead)
	assert.EqualValues(t, 4, f.RowsLoaded)
	assert.Equal(t, [][]any{{"1", int64(1)}, {"3", int64(3)}, {"4", int64(4)}, {"6", int64(6)}},
		p.rows(`SELECT "Appointment", "_source_record" FROM raw.appointment ORDER BY 2`))
	rj := p.rows(`SELECT source_record, line, column_name, reason, raw_bytes FROM meta.rejects ORDER BY 1`)
	require.Len(t, rj, 2)
	assert.Equal(t, []any{int64(2), int64(4), nil, "appointment.csv line 4: the record has 4 fields where the header has 3", []byte("2,100,b,extra")}, rj[0])
	assert.Equal(t, []any{int64(5), int64(10), "Notes", `appointment.csv line 10, field "Notes": the field is missing, the record has 2 of the header's 3 fields`, []byte("5,100")}, rj[1])
}
