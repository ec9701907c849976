package models_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

var stgBenchPatients = flag.Int("stg-patients", 20000, "patients in the fixture BenchmarkStagingRun builds")

// The staging selection: the tests here exercise the staging layer alone,
// whatever state the destination models are in.
var stgSelect = []string{"tag:staging"}

// stgSources is the SourceObject list of the built-in catalog.
func stgSources() []models.SourceObject { return catalogSources() }

func stgSpecs() []loaders.Spec { return catalogSpecs() }

func stgSet(t testing.TB) *models.Set {
	t.Helper()
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	return set
}

// stgRun builds the staging models and fails the test on any model error.
func stgRun(t testing.TB, db *sql.DB, set *models.Set) models.RunReport {
	t.Helper()
	rep, err := set.Run(context.Background(), db, models.RunOptions{Select: stgSelect, Sources: stgSources(), TempDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range rep.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	return rep
}

// macroDB is a warehouse whose util macros were created by the runner
// (one Exec per macro file, several statements each). Nothing is loaded,
// so the two-digit-year pivot is given: 2027, as for an export of 2026.
func macroDB(t *testing.T) *sql.DB {
	t.Helper()
	db := openDB(t)
	set := stgSet(t)
	_, err := set.Run(context.Background(), db, models.RunOptions{Select: []string{"stg_clinic"}, Sources: stgSources(), TempDir: t.TempDir(),
		TwoDigitYearPivot: 2027})
	require.NoError(t, err)
	return db
}

// nullText renders a scanned value for comparison; NULL is "<NULL>".
func nullText(v sql.NullString) string {
	if !v.Valid {
		return "<NULL>"
	}
	return v.String
}

// pair evaluates a value expression and its issue expression, each with
// the same arguments.
func pair(t *testing.T, db *sql.DB, value, issue string, args ...any) (string, string) {
	t.Helper()
	var v, i sql.NullString
	all := append(append([]any{}, args...), args...)
	require.NoError(t, db.QueryRow("SELECT CAST("+value+" AS VARCHAR), CAST("+issue+" AS VARCHAR)", all...).Scan(&v, &i))
	return nullText(v), nullText(i)
}

const null = "<NULL>"

func TestStagingMacros(t *testing.T) {
	db := macroDB(t)

	t.Run("macro files with several statements all ran", func(t *testing.T) {
		// The runner executes each file with one Exec; every statement of
		// every file must have taken effect, the last ones included.
		defined := regexp.MustCompile(`(?m)^CREATE OR REPLACE MACRO util\.(\w+)\(`)
		var names []string
		for _, m := range stgSet(t).Macros {
			for _, n := range defined.FindAllStringSubmatch(m.SQL, -1) {
				names = append(names, n[1])
			}
		}
		require.Greater(t, len(names), 40)
		for _, n := range names {
			var found bool
			require.NoError(t, db.QueryRow("SELECT count(*) > 0 FROM duckdb_functions() WHERE schema_name = 'util' AND function_name = ?", n).Scan(&found))
			assert.True(t, found, "util.%s", n)
		}
	})

	t.Run("dates", func(t *testing.T) {
		cases := []struct{ in, want, issue string }{
			{"2021-03-04", "2021-03-04", null},
			{"03/04/2021", "2021-03-04", null},
			{"3/4/2021", "2021-03-04", null},
			{" 03/04/2021 ", "2021-03-04", null},
			{"3/4/21", "2021-03-04", null},
			{"3/4/45", "1945-03-04", null},
			{"2/29/00", "2000-02-29", null},
			{"2021-03-04T10:00:00", "2021-03-04", null},
			{"2021-03-04 10:00:00", "2021-03-04", null},
			{"03/14/2024 09:30 AM", "2024-03-14", null},
			{"02/29/2020", "2020-02-29", null},
			{"02/30/2020", null, "impossible date"},
			{"04/31/2021", null, "impossible date"},
			{"00/15/2020", null, "impossible date"},
			{"02/29/2019", null, "impossible date"},
			{"13/01/2020", null, "impossible date"},
			{"2021-02-30", null, "impossible date"},
			{"01/01/1800", null, "date out of range"},
			{"1800-01-01", null, "date out of range"},
			{"yesterday", null, "unrecognised date"},
			{"2021", null, "unrecognised date"},
			{"", null, null},
			{"   ", null, null},
		}
		for _, c := range cases {
			v, i := pair(t, db, "util.parse_date(?)", "util.parse_date_issue(?)", c.in)
			assert.Equal(t, c.want, v, "parse_date(%q)", c.in)
			assert.Equal(t, c.issue, i, "parse_date_issue(%q)", c.in)
		}
		v, i := pair(t, db, "util.parse_date(?)", "util.parse_date_issue(?)", nil)
		assert.Equal(t, []string{null, null}, []string{v, i}, "NULL in, NULL out")
	})

	t.Run("timestamps", func(t *testing.T) {
		cases := []struct{ in, want, issue string }{
			{"03/14/2024 09:30 AM", "2024-03-14 09:30:00", null},
			{"03/14/2024 09:30 PM", "2024-03-14 21:30:00", null},
			{"03/14/2024 12:05 AM", "2024-03-14 00:05:00", null},
			{"03/14/2024 12:05 PM", "2024-03-14 12:05:00", null},
			{"3/14/2024 9:30 am", "2024-03-14 09:30:00", null},
			{"3/14/2024 1:05:06 pm", "2024-03-14 13:05:06", null},
			{"03/14/2024 13:30:05", "2024-03-14 13:30:05", null},
			{"03/14/2024 13:30", "2024-03-14 13:30:00", null},
			{"3/14/24 13:30", "2024-03-14 13:30:00", null},
			{"2021-03-04T10:00:00", "2021-03-04 10:00:00", null},
			{"2021-03-04 10:00:00", "2021-03-04 10:00:00", null},
			{"2021-03-04", "2021-03-04 00:00:00", null},
			{"03/04/2021", "2021-03-04 00:00:00", null},
			{"03/14/2024 25:00", null, "unrecognised time"},
			{"2021-03-04 junk", null, "unrecognised time"},
			{"02/30/2020 10:00", null, "impossible date"},
		}
		for _, c := range cases {
			v, i := pair(t, db, "util.parse_ts(?)", "util.parse_ts_issue(?)", c.in)
			assert.Equal(t, c.want, v, "parse_ts(%q)", c.in)
			assert.Equal(t, c.issue, i, "parse_ts_issue(%q)", c.in)
		}
		var typ string
		require.NoError(t, db.QueryRow("SELECT typeof(util.parse_ts('03/14/2024 09:30 AM'))").Scan(&typ))
		assert.Equal(t, "TIMESTAMP", typ, "local time as exported, no zone")
	})

	t.Run("money", func(t *testing.T) {
		cases := []struct{ in, want, issue string }{
			{"125.00", "125.00", null},
			{"-40", "-40.00", null},
			{"0", "0.00", null},
			{"0.00", "0.00", null},
			{"+3.5", "3.50", null},
			{".50", "0.50", null},
			{" 12.30 ", "12.30", null},
			{"$1,200.00", "1200.00", null},
			{"-$40.00", "-40.00", null},
			{"(40.00)", "-40.00", null},
			{"12.345", null, "more than two decimals"},
			{"1e3", null, "not an amount"},
			{"0x1F", null, "not an amount"},
			{"1,2", null, "not an amount"},
			{"12 USD", null, "not an amount"},
			{"", null, null},
		}
		for _, c := range cases {
			v, i := pair(t, db, "util.parse_money(?)", "util.parse_money_issue(?)", c.in)
			assert.Equal(t, c.want, v, "parse_money(%q)", c.in)
			assert.Equal(t, c.issue, i, "parse_money_issue(%q)", c.in)
		}
		var typ string
		require.NoError(t, db.QueryRow("SELECT typeof(util.parse_money('1.00'))").Scan(&typ))
		assert.Equal(t, "DECIMAL(18,2)", typ)
	})

	t.Run("integers and flags", func(t *testing.T) {
		ints := []struct{ in, want, issue string }{
			{"4", "4", null}, {" -1 ", "-1", null}, {"+2", "2", null}, {"007", "7", null},
			{"5.5", null, "not a whole number"}, {"5.0", null, "not a whole number"},
			{"1e3", null, "not a whole number"}, {"1_000", null, "not a whole number"}, {"", null, null},
		}
		for _, c := range ints {
			v, i := pair(t, db, "util.parse_int(?)", "util.parse_int_issue(?)", c.in)
			assert.Equal(t, c.want, v, "parse_int(%q)", c.in)
			assert.Equal(t, c.issue, i, "parse_int_issue(%q)", c.in)
		}
		flags := []struct{ in, want, issue string }{
			{"Y", "true", null}, {"n", "false", null}, {"1", "true", null}, {"0", "false", null},
			{" yes ", "true", null}, {"FALSE", "false", null}, {"maybe", null, "not a yes/no value"},
			{"2", null, "not a yes/no value"}, {"", null, null},
		}
		for _, c := range flags {
			v, i := pair(t, db, "util.yn(?)", "util.yn_issue(?)", c.in)
			assert.Equal(t, c.want, v, "yn(%q)", c.in)
			assert.Equal(t, c.issue, i, "yn_issue(%q)", c.in)
		}
		furcation := []struct{ in, want, issue string }{
			{"I", "1", null}, {"ii", "2", null}, {"III", "3", null}, {"2", "2", null},
			{"IV", null, "invalid furcation grade"}, {"0", null, "invalid furcation grade"}, {"", null, null},
		}
		for _, c := range furcation {
			v, i := pair(t, db, "util.furcation_grade(?)", "util.furcation_issue(?)", c.in)
			assert.Equal(t, c.want, v, "furcation_grade(%q)", c.in)
			assert.Equal(t, c.issue, i, "furcation_issue(%q)", c.in)
		}
		ranges := []struct {
			v    any
			want string
		}{{0, null}, {14, null}, {15, "probing depth out of range"}, {-1, "probing depth out of range"}, {nil, null}}
		for _, c := range ranges {
			var got sql.NullString
			require.NoError(t, db.QueryRow("SELECT util.range_issue(CAST(? AS INTEGER), 0, 14, 'probing depth out of range')", c.v).Scan(&got))
			assert.Equal(t, c.want, nullText(got), "range_issue(%v)", c.v)
		}
	})

	t.Run("phones", func(t *testing.T) {
		cases := []struct{ in, country, want, issue string }{
			{"(614) 555-0134", "US", "+16145550134", null},
			{"614-555-0134", "US", "+16145550134", null},
			{"6145550134", "US", "+16145550134", null},
			{"614.555.0134", "us", "+16145550134", null},
			{"+1 614 555 0134", "US", "+16145550134", null},
			{"+1.614.555.0134", "US", "+16145550134", null},
			{"1-614-555-0134", "US", "+16145550134", null},
			{"6145550134 (cell)", "US", "+16145550134", null},
			{"(614)555-0134 x12", "US", "+16145550134", "phone extension dropped"},
			{"614-555-0134 ext. 9", "US", "+16145550134", "phone extension dropped"},
			{"555-0134", "US", null, "invalid phone number"},
			{"0145550134", "US", null, "invalid phone number"},
			{"614-055-0134", "US", null, "invalid phone number"},
			{"26145550134", "US", null, "invalid phone number"},
			{"call me", "US", null, "invalid phone number"},
			{"+33 1 42 68 53 00", "US", "+33142685300", null},
			{"01 42 68 53 00", "FR", null, "phone country not supported"},
			{"+33 1 42 68 53 00", "FR", "+33142685300", null},
			{"", "US", null, null},
		}
		for _, c := range cases {
			v, i := pair(t, db, "util.phone_e164(?, ?)", "util.phone_e164_issue(?, ?)", c.in, c.country)
			assert.Equal(t, c.want, v, "phone_e164(%q, %q)", c.in, c.country)
			assert.Equal(t, c.issue, i, "phone_e164_issue(%q, %q)", c.in, c.country)
		}
		v, i := pair(t, db, "util.phone_e164(?)", "util.phone_e164_issue(?)", "(614)555-0134 x12")
		assert.Equal(t, []string{"+16145550134", "phone extension dropped"}, []string{v, i}, "the country defaults to US")
	})

	t.Run("emails and names", func(t *testing.T) {
		emails := []struct{ in, want, issue string }{
			{"jane.doe@example.com", "jane.doe@example.com", null},
			{" jd@x.org ", "jd@x.org", null},
			{"o'brien+dental@mail.co.uk", "o'brien+dental@mail.co.uk", null},
			{"John.Doe@Example.COM", "john.doe@example.com", "email lower-cased"},
			{"JOHN.DOE@EXAMPLE.COM", "john.doe@example.com", "email lower-cased"},
			{"john.doe@", null, "invalid email"},
			{"john.doe@example", null, "invalid email"},
			{"john doe@example.com", null, "invalid email"},
			{"john.doe@@example.com", null, "invalid email"},
			{"john..doe@example.com", null, "invalid email"},
			{"@example.com", null, "invalid email"},
			{"", null, null},
		}
		for _, c := range emails {
			v, i := pair(t, db, "util.clean_email(?)", "util.clean_email_issue(?)", c.in)
			assert.Equal(t, c.want, v, "clean_email(%q)", c.in)
			assert.Equal(t, c.issue, i, "clean_email_issue(%q)", c.in)
		}
		names := []struct{ in, want string }{
			{"  Mary   Ann ", "Mary Ann"}, {"O'Brien", "O'Brien"}, {"de la Cruz", "de la Cruz"},
			{"Núñez\t Peña", "Núñez Peña"}, {"", null}, {"   ", null},
		}
		for _, c := range names {
			var got sql.NullString
			require.NoError(t, db.QueryRow("SELECT util.clean_name(?)", c.in).Scan(&got))
			assert.Equal(t, c.want, nullText(got), "clean_name(%q)", c.in)
		}
	})

	t.Run("cdt codes", func(t *testing.T) {
		cases := []struct{ in, base, suffix, issue string }{
			{"D0150", "D0150", null, null},
			{"D0150.01", "D0150", ".01", null},
			{"D2740A", "D2740", "A", null},
			{"d4341-pr", "D4341", "-PR", null},
			{"D1110 B", "D1110", "B", null},
			{" D1208 ", "D1208", null, null},
			{"D1203", "D1203", null, null},
			{"D01501", null, null, "not a CDT code"},
			{"D123", null, null, "not a CDT code"},
			{"99213", null, null, "not a CDT code"},
			{"", null, null, null},
		}
		for _, c := range cases {
			base, issue := pair(t, db, "util.cdt_base(?)", "util.cdt_base_issue(?)", c.in)
			suffix, _ := pair(t, db, "util.cdt_suffix(?)", "NULL", c.in)
			assert.Equal(t, []string{c.base, c.suffix, c.issue}, []string{base, suffix, issue}, "cdt(%q)", c.in)
		}
		retired := []struct {
			old, new, in string
			date         any
			want         string
		}{
			{"D1203", "D1208", "2013", "2010-05-01", "retired code mapped to successor"},
			{"D1203", "D1208", "2013", "2013-01-02", "retired code used after its retirement"},
			{"D0360", "", "2013", "2012-12-31", "retired code without successor"},
			{"D0360", "", "2013", "2020-01-01", "retired code used after its retirement"},
			{"D1203", "D1208", "2013", nil, "retired code mapped to successor"},
			{"", "", "", "2020-01-01", null},
		}
		for _, c := range retired {
			var old any
			if c.old != "" {
				old = c.old
			}
			var got sql.NullString
			require.NoError(t, db.QueryRow("SELECT util.cdt_retired_issue(?, ?, ?, CAST(? AS DATE))", old, c.new, c.in, c.date).Scan(&got))
			assert.Equal(t, c.want, nullText(got), "cdt_retired_issue(%v)", c)
		}
	})

	t.Run("teeth", func(t *testing.T) {
		cases := []struct{ in, tooth, valid, issue, typ string }{
			{"1", "1", "true", null, "permanent"},
			{"32", "32", "true", null, "permanent"},
			{"08", "8", "true", null, "permanent"},
			{"A", "A", "true", null, "primary"},
			{"t", "T", "true", null, "primary"},
			{"51", "51", "true", null, "supernumerary"},
			{"82", "82", "true", null, "supernumerary"},
			{"AS", "AS", "true", null, "supernumerary"},
			{"TS", "TS", "true", null, "supernumerary"},
			{"++", "++", "true", null, "several"},
			{"", null, null, null, null},
			{"33", null, "false", "invalid tooth", null},
			{"0", null, "false", "invalid tooth", null},
			{"00", null, "false", "invalid tooth", null},
			{"50", null, "false", "invalid tooth", null},
			{"83", null, "false", "invalid tooth", null},
			{"99", null, "false", "invalid tooth", null},
			{"Z", null, "false", "invalid tooth", null},
			{"U", null, "false", "invalid tooth", null},
			{"US", null, "false", "invalid tooth", null},
			{"#14", null, "false", "invalid tooth", null},
		}
		for _, c := range cases {
			tooth, issue := pair(t, db, "util.tooth(?)", "util.tooth_issue(?)", c.in)
			valid, typ := pair(t, db, "util.tooth_valid(?)", "util.tooth_type(?)", c.in)
			assert.Equal(t, []string{c.tooth, c.valid, c.issue, c.typ}, []string{tooth, valid, issue, typ}, "tooth(%q)", c.in)
		}
	})

	t.Run("dq entries", func(t *testing.T) {
		var typ, got string
		require.NoError(t, db.QueryRow(`SELECT typeof(l), CAST(l AS VARCHAR) FROM (SELECT util.dq_list([
			util.dq('A', 'x', 'bad'),
			util.dq('B', 'y', NULL),
			util.dq_typed('C', '02/30/2020', CAST(NULL AS DATE), util.parse_date_issue('02/30/2020')),
			util.dq_typed('D', '', CAST(NULL AS DATE), 'never'),
			util.dq_typed('E', 'ok', DATE '2020-01-01', 'never')]) AS l)`).Scan(&typ, &got))
		assert.Equal(t, `STRUCT("column" VARCHAR, raw_value VARCHAR, reason VARCHAR)[]`, typ)
		assert.Equal(t, `[{'column': A, 'raw_value': x, 'reason': bad}, {'column': C, 'raw_value': 02/30/2020, 'reason': impossible date}]`, got)
		require.NoError(t, db.QueryRow(`SELECT typeof(l), CAST(len(l) AS VARCHAR) FROM (SELECT util.dq_list([]) AS l)`).Scan(&typ, &got))
		assert.Equal(t, `STRUCT("column" VARCHAR, raw_value VARCHAR, reason VARCHAR)[]`, typ)
		assert.Equal(t, "0", got)
	})
}

// axiumNamespace is the namespace util.det_uuid hard-codes.
const axiumNamespace = "707711a3-e039-505e-95bf-e9584bc45b51"

func TestDetUUIDMatchesGoogleUUID(t *testing.T) {
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://axium2crm.dev/ns/axium"))
	require.Equal(t, axiumNamespace, ns.String(), "the namespace the macro hard-codes")
	db := macroDB(t)
	cases := []struct{ object, key string }{
		{"patient", "100001"},
		{"provider", "F00001"},
		{"perio_measure", "746|22|DB"},
		{"guarantor", "José Núñez"},
		{"note", "ü"},
		{"form", "日本語のキー"},
		{"tooth", "🦷"},
		{"x", ""},
		{"", "k"},
		// Longer than one 64-byte SHA-1 block once the namespace is prefixed.
		{"clinical_note", strings.Repeat("long key ", 40)},
	}
	for _, c := range cases {
		var got string
		require.NoError(t, db.QueryRow("SELECT util.det_uuid(?, ?)", c.object, c.key).Scan(&got))
		want := uuid.NewSHA1(ns, []byte(c.object+":"+c.key))
		assert.Equal(t, want.String(), got, "det_uuid(%q, %q)", c.object, c.key)
		parsed, err := uuid.Parse(got)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(5), parsed.Version())
		assert.Equal(t, uuid.RFC4122, parsed.Variant())
	}
	var null sql.NullString
	require.NoError(t, db.QueryRow("SELECT util.det_uuid('patient', NULL)").Scan(&null))
	assert.False(t, null.Valid, "a NULL key has no id")
	var fromInt string
	require.NoError(t, db.QueryRow("SELECT util.det_uuid('patient', 100001)").Scan(&fromInt))
	assert.Equal(t, uuid.NewSHA1(ns, []byte("patient:100001")).String(), fromInt, "a numeric key is taken as its text")
}

func readSeed(t *testing.T, set *models.Set, name string) [][]string {
	t.Helper()
	sd, ok := set.Seeds[name]
	require.True(t, ok, "seed %s", name)
	rows, err := csv.NewReader(bytes.NewReader(sd.Data)).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows)
	return rows
}

func TestCDTSeeds(t *testing.T) {
	set := stgSet(t)
	cw := readSeed(t, set, "cdt_crosswalk")
	require.Equal(t, []string{"old_code", "new_code", "retired_in", "note"}, cw[0])
	labels := readSeed(t, set, "cdt_label")
	require.Equal(t, []string{"code", "label", "category"}, labels[0])

	code := regexp.MustCompile(`^D[0-9]{4}$`)
	labelled := map[string]bool{}
	for _, r := range labels[1:] {
		assert.Regexp(t, code, r[0])
		assert.False(t, labelled[r[0]], "%s labelled twice", r[0])
		assert.NotEmpty(t, r[1], r[0])
		assert.NotEmpty(t, r[2], r[0])
		labelled[r[0]] = true
	}
	old := map[string]string{}
	for _, r := range cw[1:] {
		assert.Regexp(t, code, r[0])
		_, dup := old[r[0]]
		assert.False(t, dup, "%s retired twice: the join would duplicate rows", r[0])
		old[r[0]] = r[1]
		if r[1] != "" {
			assert.Regexp(t, code, r[1])
			assert.True(t, labelled[r[1]], "successor %s has a label", r[1])
		}
		y, err := strconv.Atoi(r[2])
		assert.NoError(t, err)
		assert.True(t, y >= 2000 && y <= 2100, "retired_in %s", r[2])
		assert.NotEmpty(t, r[3], "note for %s", r[0])
		assert.True(t, labelled[r[0]], "retired %s has a label", r[0])
	}
	for o, n := range old {
		_, chained := old[n]
		assert.False(t, chained, "%s → %s is retired again: one join would stop halfway", o, n)
	}
	assert.Equal(t, "D1208", old["D1203"])
	assert.Equal(t, "D1208", old["D1204"])
}

func TestStagingOnEmptyWarehouse(t *testing.T) {
	db := openDB(t)
	set := stgSet(t)
	rep := stgRun(t, db, set)
	assert.Len(t, rep.Results, len(loaders.Catalog())+5, "one model per catalog object, plus dq_orphans, dq_duplicates, data_quality, later_copies, source_column")
	for _, r := range rep.Results {
		assert.Zero(t, r.Rows, r.Model)
	}
}

// stgFixture generates an export and loads it into a fresh warehouse.
func stgFixture(t testing.TB, opt fixtures.Options) (*sql.DB, string, time.Duration) {
	t.Helper()
	ctx := context.Background()
	if opt.Out == "" {
		opt.Out = filepath.Join(t.TempDir(), "export")
	}
	_, err := fixtures.Generate(ctx, opt)
	require.NoError(t, err)
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	start := time.Now()
	rep, err := loaders.Load(ctx, wh.DB(), opt.Out, loaders.Options{Specs: stgSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed())
	return wh.DB(), opt.Out, time.Since(start)
}

// checkReconciles compares each staging model's rows with the current raw
// rows of its object (the newest batch per key, as the source reads them).
func checkReconciles(t *testing.T, db *sql.DB, rep models.RunReport) {
	t.Helper()
	rows := map[string]int64{}
	for _, r := range rep.Results {
		rows[r.Model] = r.Rows
	}
	for _, o := range loaders.Catalog() {
		keys := make([]string, len(o.Key))
		for i, k := range o.Key {
			keys[i] = warehouse.QuoteIdent(k)
		}
		var raw int64
		require.NoError(t, db.QueryRow("SELECT count(*) FROM (SELECT 1 FROM raw."+warehouse.QuoteIdent(o.Name)+
			` QUALIFY "_batch_id" = max("_batch_id") OVER (PARTITION BY `+strings.Join(keys, ", ")+"))").Scan(&raw))
		assert.Equal(t, raw, rows["stg_"+o.Name], "stg_%s rows = current raw.%s rows", o.Name, o.Name)
		assert.Positive(t, raw, o.Name)
	}
}

// dqRow is one problem of staging.data_quality.
type dqRow struct {
	Model, Object, Key, Column, Raw, Reason, File string
	Record                                        int64
}

func dataQuality(t *testing.T, db *sql.DB) []dqRow {
	t.Helper()
	rs, err := db.Query(`SELECT model, object, record_key, "column", coalesce(raw_value, ''), reason, "_source_file", "_source_record" FROM staging.data_quality`)
	require.NoError(t, err)
	defer rs.Close()
	var out []dqRow
	for rs.Next() {
		var r dqRow
		var key sql.NullString
		require.NoError(t, rs.Scan(&r.Model, &r.Object, &key, &r.Column, &r.Raw, &r.Reason, &r.File, &r.Record))
		r.Key = key.String
		out = append(out, r)
	}
	require.NoError(t, rs.Err())
	return out
}

func TestStagingCleanFixture(t *testing.T) {
	db, _, _ := stgFixture(t, fixtures.Options{Patients: 200, Seed: 11, Format: "csv"})
	set := stgSet(t)
	rep := stgRun(t, db, set)
	checkReconciles(t, db, rep)

	results, err := set.Test(context.Background(), db, stgSelect, stgSources())
	require.NoError(t, err)
	require.Greater(t, len(results), 100)
	for _, r := range results {
		assert.Equal(t, "pass", r.Status, "%s %s: %d bad, e.g. %v %s", r.Model, r.Test, r.Failures, r.Samples, r.Message)
	}

	t.Run("types", func(t *testing.T) {
		want := map[string]string{
			"stg_patient.patient_id":                "VARCHAR",
			"stg_patient.birth_date":                "DATE",
			"stg_patient.created_at":                "TIMESTAMP",
			"stg_patient.is_deleted":                "BOOLEAN",
			"stg_appointment.appointment_at":        "TIMESTAMP",
			"stg_appointment.duration_minutes":      "INTEGER",
			"stg_treatment.fee":                     "DECIMAL(18,2)",
			"stg_treatment.is_deleted":              "BOOLEAN",
			"stg_transaction.amount":                "DECIMAL(18,2)",
			"stg_claim.paid_amount":                 "DECIMAL(18,2)",
			"stg_perio_measure.probing_depth":       "INTEGER",
			"stg_perio_measure.bleeding":            "BOOLEAN",
			"stg_perio_measure.furcation_grade":     "INTEGER",
			"stg_form_answer.entered_at":            "TIMESTAMP",
			"stg_provider.is_active":                "BOOLEAN",
			"stg_perio_measure._source_record":      "BIGINT",
			"stg_clinical_note._source_file":        "VARCHAR",
			"stg_form_item._batch_id":               "BIGINT",
			"data_quality._source_record":           "BIGINT",
			"stg_transaction.procedure_code_base":   "VARCHAR",
			"stg_clinical_note.procedure_code":      "VARCHAR",
			"stg_treatment.procedure_code_original": "VARCHAR",
		}
		for col, typ := range want {
			table, column, _ := strings.Cut(col, ".")
			var got string
			require.NoError(t, db.QueryRow("SELECT data_type FROM duckdb_columns() WHERE schema_name = 'staging' AND table_name = ? AND column_name = ?", table, column).Scan(&got), col)
			assert.Equal(t, typ, got, col)
		}
		for _, o := range loaders.Catalog() {
			var got string
			require.NoError(t, db.QueryRow("SELECT data_type FROM duckdb_columns() WHERE schema_name = 'staging' AND table_name = ? AND column_name = '_dq'", "stg_"+o.Name).Scan(&got), o.Name)
			assert.Equal(t, `STRUCT("column" VARCHAR, raw_value VARCHAR, reason VARCHAR)[]`, got, o.Name)
		}
	})

	t.Run("clean data only carries normalisations", func(t *testing.T) {
		// A clean export's only notes are the suffixes and retired codes
		// it really has; anything else is a staging model being wrong.
		for _, r := range dataQuality(t, db) {
			assert.Contains(t, []string{"code suffix stripped", "retired code mapped to successor"}, r.Reason, "%+v", r)
		}
		var mapped, suffixed int
		require.NoError(t, db.QueryRow(`SELECT count_if(procedure_code_base IN ('D1203', 'D1204') AND procedure_code = 'D1208'),
			count_if(procedure_code_suffix IS NOT NULL AND procedure_code = procedure_code_base) FROM staging.stg_treatment`).Scan(&mapped, &suffixed))
		assert.Positive(t, mapped, "old fluoride codes become D1208")
		assert.Positive(t, suffixed, "suffixed codes keep their base")
		var badPhones int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM staging.stg_patient WHERE NOT regexp_full_match(coalesce(home_phone, cell_phone, work_phone, '+10000000000'), '\+1[0-9]{10}')`).Scan(&badPhones))
		assert.Zero(t, badPhones)
	})
}

// defect is one row of fixture_defects.csv.
type defect struct {
	Kind, Object, File, Key, Column, Value, Expect string
	Record                                         int64
}

func readDefects(t *testing.T, dir string) []defect {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, fixtures.DefectsFile))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"defect_id", "kind", "object", "file", "record", "key", "column", "value", "expect"}, rows[0])
	var out []defect
	for _, r := range rows[1:] {
		n, err := strconv.ParseInt(r[4], 10, 64)
		require.NoError(t, err)
		out = append(out, defect{Kind: r[1], Object: r[2], File: r[3], Record: n, Key: r[5], Column: r[6], Value: r[7], Expect: r[8]})
	}
	return out
}

// cleanValues reads one column of a clean export's object file by key.
func cleanValues(t *testing.T, dir, object, column string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, object+".csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var o loaders.Object
	for _, c := range loaders.Catalog() {
		if c.Name == object {
			o = c
		}
	}
	idx := map[string]int{}
	for i, h := range rows[0] {
		idx[h] = i
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		key := make([]string, len(o.Key))
		for i, k := range o.Key {
			key[i] = r[idx[k]]
		}
		out[strings.Join(key, "|")] = r[idx[column]]
	}
	return out
}

// sameMoney reports whether two money texts mean the same amount (or are
// both blank), so a blank_vs_zero defect that changed nothing is known.
func sameMoney(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || b == "" {
		return a == b
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}

func TestStagingDirtyFixture(t *testing.T) {
	const patients, seed = 200, 23
	cleanDir := filepath.Join(t.TempDir(), "clean")
	_, err := fixtures.Generate(context.Background(), fixtures.Options{Out: cleanDir, Patients: patients, Seed: seed, Format: "csv"})
	require.NoError(t, err)
	db, dir, _ := stgFixture(t, fixtures.Options{Patients: patients, Seed: seed, Format: "csv", Dirty: true})
	set := stgSet(t)
	rep := stgRun(t, db, set)
	checkReconciles(t, db, rep)

	defects := readDefects(t, dir)
	dq := dataQuality(t, db)
	type at struct {
		file   string
		record int64
	}
	byRecord := map[at][]dqRow{}
	for _, r := range dq {
		byRecord[at{r.File, r.Record}] = append(byRecord[at{r.File, r.Record}], r)
	}
	// find returns the entries for a defect's record and column.
	find := func(d defect) []dqRow {
		var out []dqRow
		for _, r := range byRecord[at{d.File, d.Record}] {
			if r.Object == d.Object && r.Column == d.Column {
				out = append(out, r)
			}
		}
		return out
	}

	kinds := map[string]int{}
	reasons := map[string][]string{
		"impossible_date":    {"impossible date"},
		"bad_email":          {"invalid email", "email lower-cased"},
		"invalid_tooth":      {"invalid tooth"},
		"perio_out_of_range": {"probing depth out of range"},
		"retired_cdt":        {"retired code mapped to successor", "retired code used after its retirement", "retired code without successor"},
		"cdt_suffix":         {"code suffix stripped"},
		"orphan_reference":   {"orphan reference to patient"},
		"duplicate_key":      {"duplicate key"},
		"blank_vs_zero":      {"zero fee", "missing fee", "zero amount", "missing amount", "missing paid amount", "zero paid amount", "paid amount on unpaid claim"},
	}
	cleanMoney := map[string]map[string]string{}
	for _, d := range defects {
		want, ok := reasons[d.Kind]
		if !ok {
			continue
		}
		if d.Kind == "blank_vs_zero" {
			m := cleanMoney[d.Object+"."+d.Column]
			if m == nil {
				m = cleanValues(t, cleanDir, d.Object, d.Column)
				cleanMoney[d.Object+"."+d.Column] = m
			}
			if sameMoney(m[d.Key], d.Value) {
				continue // the defect wrote what the clean export had
			}
		}
		kinds[d.Kind]++
		var hit *dqRow
		for _, r := range find(d) {
			if slices.Contains(want, r.Reason) {
				hit = &r
				break
			}
		}
		if !assert.NotNil(t, hit, "%s defect at %s:%d (%s %q) not in staging.data_quality: %v", d.Kind, d.File, d.Record, d.Column, d.Value, find(d)) {
			continue
		}
		assert.Equal(t, d.Value, hit.Raw, "%+v", d)
		assert.Equal(t, d.Key, hit.Key, "%+v", d)
	}
	for k := range reasons {
		assert.Positive(t, kinds[k], "the dirty fixture has %s defects", k)
	}
	t.Logf("defects found in staging.data_quality, by kind: %v", kinds)

	t.Run("parseable variety reads right", func(t *testing.T) {
		dates := map[string]string{
			"patient":     "SELECT CAST(birth_date AS VARCHAR) FROM staging.stg_patient",
			"appointment": "SELECT CAST(CAST(appointment_at AS DATE) AS VARCHAR) FROM staging.stg_appointment",
			"treatment":   "SELECT CAST(treatment_date AS VARCHAR) FROM staging.stg_treatment",
		}
		names := map[string]string{
			"patient.LastName": "last_name", "patient.FirstName": "first_name",
			"guarantor.LastName": "last_name", "guarantor.FirstName": "first_name",
		}
		phones := map[string]string{"patient.HomePhone": "home_phone", "patient.CellPhone": "cell_phone", "guarantor.Phone": "phone"}
		seen := map[string]int{}
		for _, d := range defects {
			where := " WHERE _source_file = ? AND _source_record = ?"
			switch d.Kind {
			case "mixed_date_format":
				clean := cleanValues(t, cleanDir, d.Object, d.Column)[d.Key]
				if clean == "" {
					clean = "03/04/2021" // what the generator dates a blank
				}
				want, err := time.Parse("01/02/2006", clean[:10])
				require.NoError(t, err, clean)
				var got sql.NullString
				require.NoError(t, db.QueryRow(dates[d.Object]+where, d.File, d.Record).Scan(&got))
				assert.Equal(t, want.Format("2006-01-02"), got.String, "%+v", d)
				assert.Empty(t, find(d), "a parseable date is not a problem: %+v", d)
			case "whitespace_name":
				var got string
				require.NoError(t, db.QueryRow("SELECT "+names[d.Object+"."+d.Column]+" FROM staging.stg_"+d.Object+where, d.File, d.Record).Scan(&got))
				assert.Equal(t, strings.Join(strings.Fields(d.Value), " "), got, "%+v", d)
			case "phone_format":
				var got sql.NullString
				require.NoError(t, db.QueryRow("SELECT "+phones[d.Object+"."+d.Column]+" FROM staging.stg_"+d.Object+where, d.File, d.Record).Scan(&got))
				digits := regexp.MustCompile(`[^0-9]`).ReplaceAllString(cleanValues(t, cleanDir, d.Object, d.Column)[d.Key], "")
				if len(digits) != 10 {
					digits = "6145550134" // what the generator writes for a blank
				}
				if len(find(d)) == 0 {
					assert.Equal(t, "+1"+digits, got.String, "an unflagged phone is the same number: %+v", d)
				}
			default:
				continue
			}
			seen[d.Kind]++
		}
		assert.Positive(t, seen["mixed_date_format"])
	})

	t.Run("orphans are explained by defects", func(t *testing.T) {
		// A reference breaks when its parent was rejected by the loader or
		// when the fixture wrote an orphan key: nothing else.
		rejected := map[string]bool{}
		orphaned := map[at]bool{}
		for _, d := range defects {
			if d.Expect == "reject" {
				rejected[d.Object+":"+d.Key] = true
			}
			if d.Kind == "orphan_reference" {
				orphaned[at{d.File, d.Record}] = true
			}
		}
		n := 0
		for _, r := range dq {
			parent, ok := strings.CutPrefix(r.Reason, "orphan reference to ")
			if !ok {
				continue
			}
			n++
			assert.True(t, rejected[parent+":"+r.Raw] || orphaned[at{r.File, r.Record}], "unexplained orphan %+v", r)
		}
		assert.Positive(t, n)
	})

	t.Run("failing data tests are the ones the defects explain", func(t *testing.T) {
		results, err := set.Test(context.Background(), db, stgSelect, stgSources())
		require.NoError(t, err)
		dupObjects, rejectObjects, orphanObjects := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, d := range defects {
			switch {
			case d.Kind == "duplicate_key":
				dupObjects[d.Object] = true
			case d.Kind == "orphan_reference":
				orphanObjects[d.Object] = true
			case d.Expect == "reject":
				rejectObjects[d.Object] = true
			}
		}
		failed := map[string]bool{}
		for _, r := range results {
			require.NotEqual(t, "error", r.Status, "%s %s: %s", r.Model, r.Test, r.Message)
			if r.Status == "pass" {
				continue
			}
			failed[r.Model+" "+r.Test] = true
			object := strings.TrimPrefix(r.Model, "stg_")
			explained := false
			switch {
			case strings.HasPrefix(r.Test, "unique("):
				explained = dupObjects[object]
			case strings.HasPrefix(r.Test, "relationships("):
				_, target, _ := strings.Cut(r.Test, "→ ")
				parent := strings.TrimPrefix(strings.Split(target, ".")[0], "stg_")
				explained = rejectObjects[parent] || (parent == "patient" && orphanObjects[object])
			}
			assert.True(t, explained, "unexplained failure: %s %s (%d) %v", r.Model, r.Test, r.Failures, r.Samples)
		}
		for _, o := range loaders.Catalog() {
			if dupObjects[o.Name] {
				assert.True(t, failed[fmt.Sprintf("stg_%s unique(%s_id)", o.Name, o.Name)], "duplicate %s keys fail the unique test", o.Name)
			}
		}
	})
}

// BenchmarkStagingRun times a run of every staging model over a generated
// export (-stg-patients, 20,000 by default) and reports the load time of
// the same export for comparison:
//
//	go test ./sql/models -run '^$' -bench StagingRun -benchtime 1x
func BenchmarkStagingRun(b *testing.B) {
	db, _, load := stgFixture(b, fixtures.Options{Patients: *stgBenchPatients, Seed: 5, Format: "csv"})
	set := stgSet(b)
	b.ResetTimer()
	var run time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		stgRun(b, db, set)
		run += time.Since(start)
	}
	b.ReportMetric(load.Seconds(), "load-s")
	b.ReportMetric(run.Seconds()/float64(b.N), "run-s")
	b.ReportMetric(run.Seconds()/float64(b.N)/load.Seconds(), "run/load")
}
