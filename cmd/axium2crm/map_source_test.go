package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/loaders/sourcemap"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestAnotherSchoolsExport is the user story of an export laid out as
// another school sends it: `map source` proposes the map without a hand
// edit; a person fills in what it flags (the letters of the codes, which
// only the school knows) and confirms it; load, run and test then give
// twenty.* and odoo.* tables equal to those built from the default layout
// of the same data, the carried columns aside. Load and push refuse the
// map before it is confirmed and after it changed.
func TestAnotherSchoolsExport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two projects")
	}
	dir := t.TempDir()
	const patients, seed = "40", "5"
	build := func(name, layout string) (string, string) {
		export := filepath.Join(dir, name+"-export")
		mig := filepath.Join(dir, name)
		r := cli(t, "", "fixtures", "generate", "--out", export, "--patients", patients, "--seed", seed, "--layout", layout)
		require.Equal(t, 0, r.code, r.stderr)
		r = cli(t, "", "init", mig)
		require.Equal(t, 0, r.code, r.stderr)
		return export, mig
	}
	defExport, defMig := build("default", fixtures.LayoutDefault)
	altExport, altMig := build("alt", fixtures.LayoutAlt)
	for _, args := range [][]string{{"load", defExport}, {"run"}, {"test"}} {
		r := cli(t, "", append(args, "--project", defMig)...)
		require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
	}

	// The proposal, then the refusals before it is confirmed.
	r := cli(t, "", "map", "source", altExport, "--project", altMig)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "PatientRoster.csv")
	assert.Contains(t, r.stdout, "not confirmed yet")
	r = cli(t, "", "load", altExport, "--project", altMig)
	require.NotEqual(t, 0, r.code, "load refuses an unconfirmed source map")
	assert.Contains(t, r.stderr, "map source --confirm")

	// The person's edit: the value of each code the proposal could not
	// decide, from the school's own code tables.
	path := filepath.Join(altMig, sourcemap.FileName)
	m, _, err := sourcemap.Read(path, loaders.Catalog())
	require.NoError(t, err)
	tables := fixtures.AltCodeTables()
	filled := 0
	for fi := range m.Files {
		f := &m.Files[fi]
		if f.Object == "" {
			continue // not data (the generator's manifest): skipped, as the map says
		}
		af, ok := fixtures.AltFileFor(f.Object)
		require.True(t, ok, f.Path)
		for ri := range f.Reshape {
			rs := &f.Reshape[ri]
			if rs.Kind != sourcemap.CodeTable {
				continue
			}
			for _, c := range af.Columns {
				if c.Column != rs.Into || c.Codes == "" {
					continue
				}
				for code, v := range rs.Codes {
					want, ok := tables[c.Codes].Value(code)
					require.True(t, ok, "%s: code %s", f.Path, code)
					if v != want {
						require.Empty(t, v, "%s %s: the proposal gave code %s the wrong value", f.Path, rs.Into, code)
						rs.Codes[code] = want
						filled++
					}
				}
			}
		}
	}
	t.Logf("the person filled in %d code values", filled)
	require.NoError(t, sourcemap.Write(path, m))
	r = cli(t, "", "map", "source", "--project", altMig, "--confirm", "--by", "test")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "confirmed by test")
	for _, args := range [][]string{{"load", altExport}, {"run"}, {"test"}} {
		r := cli(t, "", append(args, "--project", altMig)...)
		require.Equal(t, 0, r.code, "%v: %s\n%s", args, r.stderr, r.stdout)
	}

	// The same tables, the carried columns and provenance aside.
	diffs := compareProjects(t, defMig, altMig)
	assert.Empty(t, diffs, strings.Join(diffs, "\n"))

	// A change to the confirmed map stops the next push.
	t.Setenv("TWENTY_URL", "http://127.0.0.1:1")
	t.Setenv("TWENTY_API_KEY", "none")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), "action: carry", "action: ignore", 1)), 0o600))
	r = cli(t, "", "push", "twenty", "--project", altMig)
	require.NotEqual(t, 0, r.code)
	assert.Contains(t, r.stderr, "changed since test confirmed it")
}

// compareProjects compares every twenty.* and odoo.* table of two
// projects on the columns both have (provenance columns aside) and lists
// the differences.
func compareProjects(t *testing.T, a, b string) []string {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(a, warehouse.FileName)})
	require.NoError(t, err)
	defer wh.Close()
	db := wh.DB()
	_, err = db.Exec("ATTACH " + warehouse.QuoteLiteral(filepath.Join(b, warehouse.FileName)) + " AS other (READ_ONLY)")
	require.NoError(t, err)
	var self string
	require.NoError(t, db.QueryRow("SELECT current_database()").Scan(&self))
	rows, err := db.Query(`SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name IN ('twenty', 'odoo')
		UNION SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? AND schema_name IN ('twenty', 'odoo') ORDER BY ALL`, self, self)
	require.NoError(t, err)
	var tables [][2]string
	for rows.Next() {
		var s, n string
		require.NoError(t, rows.Scan(&s, &n))
		tables = append(tables, [2]string{s, n})
	}
	rows.Close()
	require.NotEmpty(t, tables)
	skip := map[string]bool{"_batch_id": true, "_source_file": true, "_source_record": true, "_row_hash": true, "_loaded_at": true}
	var diffs []string
	// The carried columns aside: their field plan rows, and the column
	// reconciliations that count them.
	filter := map[string]string{
		"twenty.field_plan": " WHERE field_name NOT IN (SELECT twenty_field FROM other.meta.carried_column)",
		"odoo.field_plan":   " WHERE name NOT IN (SELECT odoo_field FROM other.meta.carried_column)",
	}
	for _, tb := range tables {
		if tb[1] == "column_reconciliation" {
			continue
		}
		where := filter[tb[0]+"."+tb[1]]
		cols := func(db string) map[string]bool {
			r, err := wh.DB().Query("SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ?", db, tb[0], tb[1])
			require.NoError(t, err)
			defer r.Close()
			out := map[string]bool{}
			for r.Next() {
				var c string
				require.NoError(t, r.Scan(&c))
				out[c] = true
			}
			return out
		}
		ca := cols(self)
		cb := cols("other")
		var common []string
		for c := range ca {
			if cb[c] && !skip[c] {
				common = append(common, warehouse.QuoteIdent(c))
			}
		}
		if len(cb) == 0 {
			diffs = append(diffs, fmt.Sprintf("%s.%s: missing from the alt project", tb[0], tb[1]))
			continue
		}
		sort.Strings(common)
		sel := strings.Join(common, ", ")
		rel := warehouse.QuoteIdent(tb[0]) + "." + warehouse.QuoteIdent(tb[1])
		var onlyA, onlyB int
		q := fmt.Sprintf("SELECT (SELECT count(*) FROM (SELECT %[1]s FROM %[2]s%[3]s EXCEPT ALL SELECT %[1]s FROM other.%[2]s%[3]s)), (SELECT count(*) FROM (SELECT %[1]s FROM other.%[2]s%[3]s EXCEPT ALL SELECT %[1]s FROM %[2]s%[3]s))", sel, rel, where)
		require.NoError(t, db.QueryRow(q).Scan(&onlyA, &onlyB), q)
		if onlyA+onlyB > 0 {
			ex := ""
			r, err := db.Query(fmt.Sprintf("SELECT 'default' AS side, * FROM (SELECT %[1]s FROM %[2]s EXCEPT ALL SELECT %[1]s FROM other.%[2]s) UNION ALL SELECT 'alt', * FROM (SELECT %[1]s FROM other.%[2]s EXCEPT ALL SELECT %[1]s FROM %[2]s) ORDER BY ALL LIMIT 4", sel, rel))
			if err == nil {
				ct, _ := r.Columns()
				for r.Next() {
					vals := make([]any, len(ct))
					ptrs := make([]any, len(ct))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					_ = r.Scan(ptrs...)
					ex += fmt.Sprintf("\n    %v", vals)
				}
				r.Close()
				ex = "\n    columns: " + sel + ex
			}
			if ca["id"] && cb["id"] {
				// Which columns differ, by record.
				var cols []string
				for _, c := range common {
					var n int
					if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %[1]s x JOIN other.%[1]s y USING (id) WHERE x.%[2]s IS DISTINCT FROM y.%[2]s", rel, c)).Scan(&n); err == nil && n > 0 {
						var ax, ay any
						_ = db.QueryRow(fmt.Sprintf("SELECT x.%[2]s, y.%[2]s FROM %[1]s x JOIN other.%[1]s y USING (id) WHERE x.%[2]s IS DISTINCT FROM y.%[2]s LIMIT 1", rel, c)).Scan(&ax, &ay)
						cols = append(cols, fmt.Sprintf("%s (%d, e.g. %v / %v)", c, n, ax, ay))
					}
				}
				ex += "\n    differing columns: " + strings.Join(cols, "; ")
			}
			diffs = append(diffs, fmt.Sprintf("%s: %d rows only from the default layout, %d only from the alt%s", rel, onlyA, onlyB, ex))
		}
	}
	return diffs
}
