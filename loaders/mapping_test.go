package loaders_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/loaders"
)

func TestHeaderMapping(t *testing.T) {
	p := newProject(t)
	exp := t.TempDir()
	// An institution's report: renamed headers, one aliased, one configured,
	// one unknown (a custom field) that must still land.
	writeFile(t, exp, "reports/PatientList.CSV", []byte("Patient ID,Chart #,Surname,Given,Tobacco Use\n7,C-7,Ng,Ann,N\n"))
	sp := specs(map[string]func(*loaders.Spec){
		"patient": func(s *loaders.Spec) {
			s.Files = []string{"reports/patientlist.csv"}
			s.Columns = map[string]string{"FirstName": "Given", "Email": "E-mail Address"}
		},
	})
	rep := p.load(exp, sp)
	require.Len(t, rep.Files, 1)
	f := rep.Files[0]
	require.Equal(t, "loaded", f.Status, f.Message)
	assert.Equal(t, []string{"Patient", "Chart", "LastName", "FirstName", "Tobacco Use"}, f.Columns)
	require.Len(t, f.Warnings, 1)
	assert.Contains(t, f.Warnings[0], `"E-mail Address"`)
	assert.Equal(t, []string{"7|C-7|Ng|Ann|N"}, p.strings(`SELECT concat_ws('|', "Patient", "Chart", "LastName", "FirstName", "Tobacco Use") FROM raw.patient`))
}

func TestHeaderErrors(t *testing.T) {
	cases := []struct {
		name, header, want string
	}{
		{"missing key", "Chart,LastName\nC1,Ng\n", `patient.csv:1: column "Patient": key column missing`},
		{"two headers one column", "Patient,Patient ID\n1,1\n", `fields 1 ("Patient") and 2 ("Patient ID") both map to column "Patient"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			exp := t.TempDir()
			writeFile(t, exp, "patient.csv", []byte(tc.header))
			writeFile(t, exp, "clinic.csv", []byte("Clinic,Name\nMAIN,Main clinic\n"))
			rep := p.load(exp, specs(nil))
			require.Len(t, rep.Files, 2)
			byObj := map[string]loaders.FileResult{}
			for _, f := range rep.Files {
				byObj[f.Object] = f
			}
			assert.Equal(t, "loaded", byObj["clinic"].Status, "other files still load")
			assert.Equal(t, "failed", byObj["patient"].Status)
			assert.Contains(t, byObj["patient"].Message, tc.want)
			assert.True(t, rep.Failed())
			// A failed file leaves nothing behind and can be loaded once fixed.
			assert.Equal(t, []string{"0"}, p.strings(`SELECT count(*)::VARCHAR FROM meta.load_file WHERE object = 'patient'`))
		})
	}
}

func TestCustomObjectAndErrors(t *testing.T) {
	p := newProject(t)
	exp := t.TempDir()
	writeFile(t, exp, "lab_cases.csv", []byte("Case,Patient,Lab\nL1,7,Acme Dental Lab\n"))
	writeFile(t, exp, "notes.pdf", []byte("%PDF-1.4"))
	custom := loaders.Spec{Object: loaders.Object{Name: "lab_case", Key: []string{"Case"}},
		Files: []string{"lab_cases.csv"}, Encoding: "auto", Delimiter: "auto"}
	rep := p.load(exp, append(specs(nil), custom))
	require.Len(t, rep.Files, 1)
	assert.Equal(t, "lab_case", rep.Files[0].Object)
	assert.Equal(t, []string{"notes.pdf"}, rep.Unmatched)
	assert.Equal(t, []string{"Acme Dental Lab"}, p.strings(`SELECT "Lab" FROM raw.lab_case`))

	_, err := loaders.Load(context.Background(), p.db, exp, loaders.Options{Specs: specs(nil), Only: []string{"labcase"}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, loaders.ErrUnknownObject))
	assert.Contains(t, err.Error(), `"labcase"`)

	_, err = loaders.Load(context.Background(), p.db, exp+"/nope", loaders.Options{Specs: specs(nil)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), exp+"/nope")

	_, err = loaders.Load(context.Background(), p.db, exp, loaders.Options{Specs: specs(nil)})
	require.Error(t, err, "no file matches a built-in object")
	assert.Contains(t, err.Error(), "no file matches")
}
