package models_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/models"
)

// Two-digit years are read in a window fixed by the export, never by the
// day the models run: the same text gives the same date whenever it is
// run, and a different one only when the load batch's date or the
// configured pivot says so.
func TestTwoDigitYearsFollowTheLoadBatchNotTheClock(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	set := stgSet(t)
	run := func(pivot int) models.RunReport {
		t.Helper()
		rep, err := set.Run(ctx, db, models.RunOptions{Select: []string{"stg_clinic"}, Sources: stgSources(), TempDir: t.TempDir(),
			TwoDigitYearPivot: pivot})
		require.NoError(t, err)
		return rep
	}
	batch := func(id int, at string) {
		t.Helper()
		_, err := db.Exec("INSERT INTO meta.load_batch (batch_id, source_dir, started_at, status) VALUES (?, 'export', CAST(? AS TIMESTAMPTZ), 'finished')", id, at)
		require.NoError(t, err)
	}
	dates := func(fn string, texts ...string) []string {
		t.Helper()
		var out []string
		for _, x := range texts {
			var v sql.NullString
			require.NoError(t, db.QueryRow("SELECT CAST(util."+fn+"(?) AS VARCHAR)", x).Scan(&v))
			out = append(out, nullText(v))
		}
		return out
	}
	texts := []string{"3/4/00", "3/4/01", "3/4/27", "3/4/28", "3/4/45", "3/4/99", "3/4/2027"}

	// An export loaded in 1999: 00 is the year after, 01 a century before.
	batch(1, "1999-05-01 12:00:00+00")
	assert.Equal(t, 2000, run(0).TwoDigitYearPivot)
	assert.Equal(t, []string{"2000-03-04", "1901-03-04", "1927-03-04", "1928-03-04", "1945-03-04", "1999-03-04", "2027-03-04"},
		dates("parse_date", texts...))

	// The next export, loaded mid-2026: the window ends in 2027.
	batch(2, "2026-06-30 12:00:00+00")
	assert.Equal(t, 2027, run(0).TwoDigitYearPivot)
	assert.Equal(t, []string{"2000-03-04", "2001-03-04", "2027-03-04", "1928-03-04", "1945-03-04", "1999-03-04", "2027-03-04"},
		dates("parse_date", texts...))
	// A birth date is never after the export: a two-digit year that puts
	// it there is of the century before; four digits are left as written.
	assert.Equal(t, []string{"1927-03-01", "1926-12-01", "2026-05-01", "2027-03-01", "1945-03-04"},
		dates("parse_birth_date", "03/01/27", "12/01/26", "05/01/26", "03/01/2027", "3/4/45"))

	// The project's pivot wins over the batch's date.
	assert.Equal(t, 2040, run(2040).TwoDigitYearPivot)
	assert.Equal(t, []string{"2040-03-04", "1941-03-04"}, dates("parse_date", "3/4/40", "3/4/41"))
	var detail string
	require.NoError(t, db.QueryRow("SELECT CAST(detail AS VARCHAR) FROM meta.run ORDER BY run_id DESC LIMIT 1").Scan(&detail))
	assert.Contains(t, detail, `"two_digit_year_pivot": 2040`, "the run records the pivot it used")
}
