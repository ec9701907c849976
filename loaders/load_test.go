package loaders_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// testProject is a real DuckDB warehouse in a temp directory.
type testProject struct {
	t   *testing.T
	db  *sql.DB
	dir string
}

func newProject(t *testing.T) *testProject {
	t.Helper()
	dir := t.TempDir()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, "staging.duckdb"), Threads: 2})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return &testProject{t: t, db: wh.DB(), dir: dir}
}

// specs returns the catalog's specs with overrides applied per object.
func specs(over map[string]func(*loaders.Spec)) []loaders.Spec {
	out := loaders.DefaultSpecs()
	for i := range out {
		if f := over[out[i].Object.Name]; f != nil {
			f(&out[i])
		}
	}
	return out
}

func (p *testProject) load(export string, sp []loaders.Spec) loaders.Report {
	p.t.Helper()
	rep, err := loaders.Load(context.Background(), p.db, export, loaders.Options{Specs: sp, TempDir: p.t.TempDir()})
	require.NoError(p.t, err)
	return rep
}

func (p *testProject) rows(q string, args ...any) [][]any {
	p.t.Helper()
	rs, err := p.db.Query(q, args...)
	require.NoError(p.t, err)
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]any
	for rs.Next() {
		v := make([]any, len(cols))
		ptr := make([]any, len(cols))
		for i := range v {
			ptr[i] = &v[i]
		}
		require.NoError(p.t, rs.Scan(ptr...))
		out = append(out, v)
	}
	require.NoError(p.t, rs.Err())
	return out
}

func (p *testProject) strings(q string, args ...any) []string {
	p.t.Helper()
	var out []string
	for _, r := range p.rows(q, args...) {
		if r[0] == nil {
			out = append(out, "<NULL>")
			continue
		}
		out = append(out, r[0].(string))
	}
	return out
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func cp1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func latin1(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func utf16le(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

func TestEncodingsAndDelimiters(t *testing.T) {
	const note = "Pt said “no pain” – fee €40 ‘ok’, café"
	cases := []struct {
		name     string
		file     string
		content  func(t *testing.T) []byte
		encoding string
		wantEnc  string
		wantDel  string
	}{
		{"utf8", "clinical_note.csv", func(*testing.T) []byte {
			return []byte("Note,Patient,NoteText\n1,100,\"" + note + "\"\n")
		}, "auto", "utf-8", ","},
		{"utf8 bom crlf", "clinical_note.csv", func(*testing.T) []byte {
			return []byte("\xEF\xBB\xBFNote,Patient,NoteText\r\n1,100,\"" + note + "\"\r\n")
		}, "auto", "utf-8", ","},
		{"windows-1252 sniffed", "clinical_note.csv", func(t *testing.T) []byte {
			return cp1252(t, "Note;Patient;NoteText\r\n1;100;\""+note+"\"\r\n")
		}, "auto", "windows-1252", ";"},
		{"windows-1252 configured tab", "clinical_note.tsv", func(t *testing.T) []byte {
			return cp1252(t, "Note\tPatient\tNoteText\n1\t100\t"+note+"\n")
		}, "cp1252", "windows-1252", "\t"},
		{"latin-1 configured pipe", "clinical_note.txt", func(t *testing.T) []byte {
			return latin1(t, "Note|Patient|NoteText\n1|100|café señor Müller\n")
		}, "latin-1", "latin-1", "|"},
		{"utf-16 bom", "clinical_note.txt", func(*testing.T) []byte {
			return utf16le("Note\tPatient\tNoteText\r\n1\t100\t" + note + "\r\n")
		}, "auto", "utf-16", "\t"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			exp := t.TempDir()
			writeFile(t, exp, tc.file, tc.content(t))
			rep := p.load(exp, specs(map[string]func(*loaders.Spec){
				"clinical_note": func(s *loaders.Spec) { s.Encoding = tc.encoding },
			}))
			require.Len(t, rep.Files, 1)
			f := rep.Files[0]
			require.Equal(t, "loaded", f.Status, f.Message)
			assert.Equal(t, tc.wantEnc, f.Encoding)
			assert.Equal(t, tc.wantDel, f.Delimiter)
			assert.EqualValues(t, 1, f.RowsLoaded)
			assert.EqualValues(t, 0, f.RowsRejected)
			want := note
			if strings.HasPrefix(tc.name, "latin-1") {
				want = "café señor Müller"
			}
			assert.Equal(t, []string{want}, p.strings(`SELECT "NoteText" FROM raw.clinical_note`))
			assert.Equal(t, []string{"100"}, p.strings(`SELECT "Patient" FROM raw.clinical_note`))
		})
	}
}

// TestLoadKeepsTheExportDirectoryAbsolute: the exporters read the
// attachments' files from the load's directory whatever directory they
// run in, so a relative directory given to load is kept absolute.
func TestLoadKeepsTheExportDirectoryAbsolute(t *testing.T) {
	p := newProject(t)
	parent := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(parent, "export"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(parent, "export", "patient.csv"), []byte("patient_id,first_name,last_name\n1,Ann,Lee\n"), 0o600))
	t.Chdir(parent)
	p.load("export", specs(nil))
	rows := p.rows("SELECT source_dir FROM meta.load_batch")
	require.Len(t, rows, 1)
	assert.Equal(t, filepath.Join(parent, "export"), rows[0][0])
}
