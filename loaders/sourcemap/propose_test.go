package sourcemap

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
)

// accuracy compares a proposal with the truth (file → object, and per
// file header → canonical column, "" for a column to carry) and returns
// the share of columns proposed right, with the wrong ones listed.
func accuracy(m *SourceMap, objects map[string]string, columns map[string]map[string]string) (float64, []string) {
	total, right := 0, 0
	var wrong []string
	for _, f := range m.Files {
		wantObj, ok := objects[f.Path]
		if !ok {
			continue
		}
		for _, c := range f.Columns {
			total++
			want := columns[f.Path][c.Header]
			got := c.Field
			if c.Action == Carry {
				got = ""
			}
			if f.Object == wantObj && got == want {
				right++
			} else {
				wrong = append(wrong, f.Path+": "+c.Header+" → "+f.Object+"."+got+" (want "+wantObj+"."+want+"; "+c.Reason+")")
			}
		}
	}
	sort.Strings(wrong)
	return float64(right) / float64(max(total, 1)), wrong
}

// TestProposalOfTheDefaultLayout: the generator's default export is what
// the catalog describes, so the proposal must say exactly what the
// loader's built-in rules do: each file's object by its name, each header
// by the catalog's names and aliases.
func TestProposalOfTheDefaultLayout(t *testing.T) {
	dir := t.TempDir()
	_, err := fixtures.Generate(context.Background(), fixtures.Options{Out: dir, Patients: 40, Seed: 7})
	require.NoError(t, err)
	m, err := Propose(dir, Options{Catalog: loaders.Catalog()})
	require.NoError(t, err)
	objects := map[string]string{}
	columns := map[string]map[string]string{}
	for _, f := range m.Files {
		for _, spec := range loaders.DefaultSpecs() {
			if !spec.Matches(f.Path) {
				continue
			}
			objects[f.Path] = spec.Object.Name
			s, err := readSample(filepath.Join(dir, filepath.FromSlash(f.Path)))
			require.NoError(t, err)
			names, _, err := spec.MapHeader(f.Path, s.headers)
			require.NoError(t, err)
			known := map[string]bool{}
			for _, c := range spec.Object.Columns {
				known[c.Name] = true
			}
			columns[f.Path] = map[string]string{}
			for i, h := range s.headers {
				if known[names[i]] {
					columns[f.Path][h] = names[i]
				} else {
					columns[f.Path][h] = ""
				}
			}
		}
	}
	require.NotEmpty(t, objects)
	acc, wrong := accuracy(m, objects, columns)
	t.Logf("default layout: %.1f%% of the columns proposed right", 100*acc)
	assert.GreaterOrEqual(t, acc, 0.99, strings.Join(wrong, "\n"))
	for _, f := range m.Files {
		if _, ok := objects[f.Path]; ok {
			assert.Equal(t, "utf-8", f.Encoding, f.Path)
		}
	}
}

// TestProposalReshapes: a chart with a column per site, a date and a time
// column, status letters and guarantors given as patient numbers are each
// recognised, with their reshaping.
func TestProposalReshapes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(body))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
	}
	write("PatientRoster.csv", "Patient #,Pt Last Name,Pt First Name,Birth Date,Sex,Status,Guarantor Pt #,Medical Alert\n"+
		"1001,Núñez,Ana,03/04/1980,F,A,1001,Latex allergy\n"+
		"1002,Smith,Bo,11/12/1975,M,I,1001,\n"+
		"1003,Lee,Cy,01/02/2001,M,D,1003,\n"+
		"1004,Kim,Di,05/06/1990,F,A,1004,Penicillin\n")
	write("Appts.csv", "Appt ID,Patient #,Provider ID,Appt Date,Start Time,Length,Appt Status\n"+
		"1,1001,P1,03/04/2024,08:30,60,C\n2,1002,P2,03/05/2024,13:15,30,NS\n3,1003,P1,03/06/2024,09:00,45,S\n")
	var perio strings.Builder
	perio.WriteString("Exam,Tooth,PD MB,PD B,PD DB,PD ML,PD L,PD DL,BOP MB,BOP B,BOP DB,BOP ML,BOP L,BOP DL\n")
	for tooth := 1; tooth <= 6; tooth++ {
		perio.WriteString("E1," + strings.TrimSpace(strings.Repeat(" ", 0)) + string(rune('0'+tooth)) + ",3,2,3,4,2,3,Y,N,N,Y,N,N\n")
	}
	write("PerioChart.csv", perio.String())
	write("Staff.csv", "Provider Code,Provider Name,User Type\nP1,\"Smith, Jane A\",Faculty\nP2,\"O'Neil, Sam\",Student\nP3,\"Park, Ji Woo\",Student\n")
	vocab := Vocabulary{"patient": {"Status": {"Active", "Inactive", "Deceased", "Archived"}, "Gender": {"F", "M", "U"}},
		"appointment": {"Status": {"Scheduled", "Confirmed", "Checked In", "Completed", "Broken", "Cancelled", "No Show"}}}
	m, err := Propose(dir, Options{Catalog: loaders.Catalog(), Vocabulary: vocab})
	require.NoError(t, err)
	files := map[string]File{}
	for _, f := range m.Files {
		files[f.Path] = f
	}
	pat := files["PatientRoster.csv"]
	assert.Equal(t, "patient", pat.Object, pat.Reason)
	assert.Equal(t, "windows-1252", pat.Encoding, "Núñez is not UTF-8 here")
	field := func(f File, header string) Column {
		for _, c := range f.Columns {
			if c.Header == header {
				return c
			}
		}
		t.Fatalf("%s has no column %q", f.Path, header)
		return Column{}
	}
	assert.Equal(t, "Patient", field(pat, "Patient #").Field)
	assert.Equal(t, "LastName", field(pat, "Pt Last Name").Field)
	assert.Equal(t, "BirthDate", field(pat, "Birth Date").Field)
	assert.Equal(t, "Gender", field(pat, "Sex").Field)
	assert.Equal(t, Carry, field(pat, "Medical Alert").Action, "an unknown column is carried, never dropped")
	kinds := map[string]Reshape{}
	for _, r := range pat.Reshape {
		kinds[r.Kind] = r
	}
	require.Contains(t, kinds, CodeTable)
	// A could be Active or Archived: a person says; the others are certain.
	assert.Equal(t, map[string]string{"A": "", "I": "Inactive", "D": "Deceased"}, kinds[CodeTable].Codes)
	assert.Contains(t, kinds[CodeTable].Reason, "no proposal for A")
	require.Contains(t, kinds, PatientReference, "guarantors given as patient numbers")
	assert.Contains(t, kinds[PatientReference].Reason, "3 of 4 sampled patients are their own guarantor")

	ap := files["Appts.csv"]
	assert.Equal(t, "appointment", ap.Object, ap.Reason)
	var dt *Reshape
	for i, r := range ap.Reshape {
		if r.Kind == DateTime {
			dt = &ap.Reshape[i]
		}
	}
	require.NotNil(t, dt, "a date and its time in two columns")
	assert.Equal(t, []string{"Appt Date", "Start Time"}, dt.Columns)
	assert.Equal(t, "AppointmentDate", dt.Into)
	var codes *Reshape
	for i, r := range ap.Reshape {
		if r.Kind == CodeTable {
			codes = &ap.Reshape[i]
		}
	}
	require.NotNil(t, codes)
	assert.Equal(t, "No Show", codes.Codes["NS"])
	assert.Equal(t, "", codes.Codes["C"], "C could be Confirmed, Checked In, Completed or Cancelled: a person says")

	st := files["Staff.csv"]
	assert.Equal(t, "provider", st.Object, st.Reason)
	require.Len(t, st.Reshape, 1, "one name column holding \"Last, First\"")
	assert.Equal(t, NameSplit, st.Reshape[0].Kind)
	assert.Equal(t, []string{"Provider Name"}, st.Reshape[0].Columns)

	pc := files["PerioChart.csv"]
	assert.Equal(t, "perio_measure", pc.Object, pc.Reason)
	require.Len(t, pc.Reshape, 1)
	assert.Equal(t, PerioWide, pc.Reshape[0].Kind)
	assert.Equal(t, [2]string{"ProbingDepth", "DL"}, pc.Reshape[0].Sites["PD DL"])
	assert.Equal(t, [2]string{"Bleeding", "MB"}, pc.Reshape[0].Sites["BOP MB"])
}

// TestProposalOfAJSONExport: the generator's JSON export (API pages) is
// proposed as its CSV export is: each file's object and each key's field.
func TestProposalOfAJSONExport(t *testing.T) {
	dir := t.TempDir()
	_, err := fixtures.Generate(context.Background(), fixtures.Options{Out: dir, Patients: 30, Seed: 3, Format: "json"})
	require.NoError(t, err)
	m, err := Propose(dir, Options{Catalog: loaders.Catalog()})
	require.NoError(t, err)
	mapped, total, files := 0, 0, 0
	for _, f := range m.Files {
		want := ""
		for _, spec := range loaders.DefaultSpecs() {
			if spec.Matches(f.Path) {
				want = spec.Object.Name
			}
		}
		if want == "" {
			continue
		}
		files++
		assert.Equal(t, want, f.Object, f.Path)
		o, _ := objectOf(loaders.Catalog(), want)
		for _, c := range f.Columns {
			total++
			if c.Action == Map && hasColumn(o, c.Field) && norm(c.Field) == norm(c.Header) {
				mapped++
			}
		}
	}
	require.NotZero(t, files)
	t.Logf("JSON export: %d files, %d of %d keys mapped to the field of their name", files, mapped, total)
	assert.GreaterOrEqual(t, float64(mapped), 0.95*float64(total))
}
