package loaders_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// defect is one row of fixture_defects.csv.
type defect struct {
	id, kind, object, file, key, column, value, expect string
	record                                             int64
}

func readDefects(t *testing.T, dir string) []defect {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "fixture_defects.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(recs), 1)
	idx := map[string]int{}
	for i, h := range recs[0] {
		idx[h] = i
	}
	var out []defect
	for _, r := range recs[1:] {
		n, err := strconv.ParseInt(r[idx["record"]], 10, 64)
		require.NoError(t, err)
		out = append(out, defect{id: r[idx["defect_id"]], kind: r[idx["kind"]], object: r[idx["object"]],
			file: r[idx["file"]], record: n, key: r[idx["key"]], column: r[idx["column"]],
			value: r[idx["value"]], expect: r[idx["expect"]]})
	}
	return out
}

// TestDirtyFixtureLosesNothing loads dirty exports in both formats and checks
// every injected defect: a "load" defect is in its raw table at its record
// ordinal with its value unchanged; a "reject" defect is in meta.rejects at
// its record with a reason. It also checks rows read = loaded + rejected for
// every file against the generator's own record counts.
func TestDirtyFixtureLosesNothing(t *testing.T) {
	for _, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			p := newProject(t)
			export := t.TempDir()
			frep, err := fixtures.Generate(context.Background(), fixtures.Options{Out: export, Patients: 300, Seed: 11, Format: format, Dirty: true})
			require.NoError(t, err)
			rep := p.load(export, specs(nil))

			written := map[string]int64{}
			for _, f := range frep.Files {
				written[f.Path] = f.Records
			}
			for _, f := range rep.Files {
				require.Equal(t, "loaded", f.Status, "%s: %s", f.File, f.Message)
				assert.Equal(t, f.RowsRead, f.RowsLoaded+f.RowsRejected, f.File)
				assert.Equal(t, written[f.File], f.RowsRead, "%s: records read vs written", f.File)
			}

			kinds := map[string]int{}
			for _, d := range readDefects(t, export) {
				kinds[d.kind]++
				t.Run(d.id+"_"+d.kind, func(t *testing.T) {
					switch d.expect {
					case "reject":
						n := p.strings(`SELECT count(*)::VARCHAR FROM meta.rejects WHERE source_file = ? AND source_record = ? AND reason <> ''`, d.file, d.record)
						assert.Equal(t, []string{"1"}, n, "defect %s (%s) at %s record %d is in meta.rejects", d.id, d.kind, d.file, d.record)
					case "load":
						q := `SELECT ` + keyExpr(t, d.object) + ` FROM raw.` + warehouse.QuoteIdent(d.object) + ` WHERE _source_file = ? AND _source_record = ?`
						assert.Equal(t, []string{d.key}, p.strings(q, d.file, d.record), "defect %s: key at %s record %d", d.id, d.file, d.record)
						if d.column != "" {
							q := `SELECT coalesce(` + warehouse.QuoteIdent(d.column) + `, '') FROM raw.` + warehouse.QuoteIdent(d.object) + ` WHERE _source_file = ? AND _source_record = ?`
							assert.Equal(t, []string{d.value}, p.strings(q, d.file, d.record), "defect %s (%s): value of %s", d.id, d.kind, d.column)
						}
					default:
						t.Fatalf("defect %s: unknown expect %q", d.id, d.expect)
					}
				})
			}
			assert.NotEmpty(t, kinds)
			t.Logf("%s: defects by kind: %v", format, kinds)
		})
	}
}

// keyExpr is the object's key as the defect list writes it: key columns
// joined with "|".
func keyExpr(t *testing.T, object string) string {
	for _, s := range specs(nil) {
		if s.Object.Name == object {
			parts := make([]string, len(s.Object.Key))
			for i, k := range s.Object.Key {
				parts[i] = warehouse.QuoteIdent(k)
			}
			return "concat_ws('|', " + strings.Join(parts, ", ") + ")"
		}
	}
	t.Fatalf("no object %s", object)
	return ""
}
