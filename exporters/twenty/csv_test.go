package twenty

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return recs
}

func column(recs [][]string, header string) []string {
	for i, h := range recs[0] {
		if h == header {
			var out []string
			for _, r := range recs[1:] {
				out = append(out, r[i])
			}
			return out
		}
	}
	return nil
}

// The headers are the labels Twenty's importer builds
// (buildSpreadsheetImportFields: "<label>" for simple fields,
// "<label> / <sub-label>" for composites from CompositeFieldSubFieldLabels,
// "<relation label> / <unique field label>" for many-to-one relations).
func TestExportCSVHeaders(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 4})
	out := t.TempDir()
	rep, err := ExportCSV(context.Background(), wh.DB(), CSVOptions{OutDir: out})
	require.NoError(t, err)
	var names []string
	for _, f := range rep.Files {
		names = append(names, filepath.Base(f.Path))
	}
	assert.Equal(t, []string{"01_companies.csv", "02_people.csv", "03_tasks.csv", "04_notes.csv", "05_perioRecords.csv"}, names)

	want := map[string][]string{
		"01_companies.csv": {"Id", "Name", "Domain Name / Link URL", "Company Type"},
		"02_people.csv": {"Id", "Name / First Name", "Name / Last Name", "Emails / Primary Email",
			"Phones / Primary Phone Number", "Phones / Primary Phone Country Code", "Phones / Primary Phone Calling Code",
			"Company / Id", "Patient Since", "Date of Birth", "Medical Alert", "Medical Alerts", "Patient Status",
			"Outstanding Balance / Amount", "Outstanding Balance / Currency", "Allergy Notes"},
		"03_tasks.csv":        {"Id", "Title", "Body / Markdown", "Due Date", "Status", "Assignee / Id", "Procedure Code"},
		"04_notes.csv":        {"Id", "Title", "Body / Markdown", "Creation date"},
		"05_perioRecords.csv": {"Id", "Name", "Patient / Id", "Tooth Number", "Site", "Pocket Depth (mm)", "Exam Date"},
	}
	for file, headers := range want {
		t.Run(file, func(t *testing.T) {
			recs := readCSV(t, filepath.Join(out, file))
			assert.Equal(t, headers, recs[0])
		})
	}

	people := readCSV(t, filepath.Join(out, "02_people.csv"))
	require.Len(t, people, 5)
	cases := []struct {
		header string
		want   string
	}{
		{"Outstanding Balance / Amount", "12345.678902"},
		{"Patient Since", "2019-03-10T03:30:00-04:00"},
		{"Date of Birth", "1980-01-02"},
		{"Medical Alerts", `["PENICILLIN_ALLERGY","DIABETES"]`},
		{"Patient Status", "ACTIVE"},
		{"Medical Alert", "false"},
		{"Allergy Notes", `Latex, "severe"`},
	}
	for _, c := range cases {
		t.Run(c.header, func(t *testing.T) {
			assert.Contains(t, column(people, c.header), c.want)
		})
	}

	readme, err := os.ReadFile(rep.Readme)
	require.NoError(t, err)
	for _, s := range []string{"perioRecord (plural perioRecords)", "person.outstandingBalance: label \"Outstanding Balance\", type CURRENCY",
		"option value PENICILLIN_ALLERGY", "perioRecord.person: label \"Patient\", type RELATION (MANY_TO_ONE → person",
		"01_companies.csv", "taskTarget", "#14694", "axium2crm push twenty"} {
		assert.Contains(t, string(readme), s)
	}
}

func TestMicrosToAmount(t *testing.T) {
	for in, want := range map[string]string{"12345678902": "12345.678902", "1500000": "1.5", "0": "0", "-250000": "-0.25", "7": "0.000007"} {
		got, err := microsToAmount(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
	_, err := microsToAmount("1.5")
	assert.Error(t, err)
}

func TestExportCSVSplitsAt10000(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: MaxCSVRows + 1})
	out := t.TempDir()
	rep, err := ExportCSV(context.Background(), wh.DB(), CSVOptions{OutDir: out})
	require.NoError(t, err)
	rows := map[string]int{}
	for _, f := range rep.Files {
		rows[filepath.Base(f.Path)] = f.Rows
	}
	assert.Equal(t, MaxCSVRows, rows["02_people_part001.csv"])
	assert.Equal(t, 1, rows["02_people_part002.csv"])
	assert.Len(t, readCSV(t, filepath.Join(out, "02_people_part002.csv")), 2, "each part has the header")
}

func TestExportCSVRefusesUnlabelledColumn(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 1})
	_, err := wh.DB().Exec(`ALTER TABLE twenty.person ADD COLUMN chart_number VARCHAR`)
	require.NoError(t, err)
	_, err = ExportCSV(context.Background(), wh.DB(), CSVOptions{OutDir: t.TempDir()})
	assert.ErrorContains(t, err, "twenty.person column chart_number: no twenty.field_plan row")
}

// The custom-form keys that make columns are listed by DuckDB, not by
// reading the rows into Go first; a value that is not a JSON object still
// stops the export, naming the row.
func TestExportCSVExtraFieldsNotAnObject(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 3})
	var id string
	require.NoError(t, wh.DB().QueryRow(`SELECT min(id) FROM twenty.person`).Scan(&id))
	_, err := wh.DB().Exec(`UPDATE twenty.person SET extra_fields = '["Latex"]' WHERE id = ?`, id)
	require.NoError(t, err)
	_, err = ExportCSV(context.Background(), wh.DB(), CSVOptions{OutDir: t.TempDir()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), id)
	assert.Contains(t, err.Error(), "extra_fields: not a JSON object")
}

// importerLabels rebuilds, from a workspace's metadata, the column labels
// Twenty's importer offers for an object (buildSpreadsheetImportFields):
// the field label for simple fields, "<label> / <sub-label>" for the
// importable sub-fields of composites, and "<relation label> / <label of a
// unique field of the target>" for many-to-one relations.
func importerLabels(o ObjectMeta, all []ObjectMeta) map[string]bool {
	subs := map[string][]string{ // CompositeFieldSubFieldLabels, importable ones
		"CURRENCY": {"Amount", "Currency"}, "EMAILS": {"Primary Email", "Additional Emails"},
		"LINKS":     {"Link URL", "Link Label", "Secondary Links"},
		"PHONES":    {"Primary Phone Calling Code", "Primary Phone Country Code", "Primary Phone Number", "Additional Phones"},
		"FULL_NAME": {"First Name", "Last Name"}, "ADDRESS": {"Address 1", "Address 2", "City", "State", "Country", "Post Code"},
		"RICH_TEXT": {"Markdown"}, "RICH_TEXT_V2": {"Markdown"},
	}
	out := map[string]bool{}
	for _, f := range o.Fields {
		switch {
		case f.Type == "RELATION":
			if f.Relation == nil || f.Relation.Type != "MANY_TO_ONE" {
				continue
			}
			for _, t := range all {
				if t.ID == f.Relation.TargetObjectMetadataID {
					id, _ := t.Field("id")
					out[f.Label+" / "+id.Label] = true
				}
			}
		case subs[f.Type] != nil:
			for _, s := range subs[f.Type] {
				out[f.Label+" / "+s] = true
			}
		case f.Type == "ACTOR" || f.Type == "POSITION" || f.Type == "FILES" || f.Type == "TS_VECTOR":
		default:
			out[f.Label] = true
		}
	}
	return out
}

// After a push created the custom fields, every CSV header is a column
// Twenty's importer offers for that object in that workspace.
func TestCSVHeadersMatchTheWorkspaceImporter(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 3})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	o := pushOpts(t, srv, nil)
	o.Force = true
	_, err := Push(context.Background(), wh.DB(), o)
	require.NoError(t, err)
	objs, err := o.Client.Objects(context.Background())
	require.NoError(t, err)
	out := t.TempDir()
	rep, err := ExportCSV(context.Background(), wh.DB(), CSVOptions{OutDir: out})
	require.NoError(t, err)
	for _, f := range rep.Files {
		var meta ObjectMeta
		for _, om := range objs {
			if om.NameSingular == f.Object {
				meta = om
			}
		}
		labels := importerLabels(meta, objs)
		for _, h := range readCSV(t, f.Path)[0] {
			assert.True(t, labels[h], "%s: header %q is not a column Twenty's importer offers", filepath.Base(f.Path), h)
		}
	}
}
