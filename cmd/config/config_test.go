package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/loaders"
)

func TestInitWritesOwnerOnlyDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mig")
	p, err := config.Init(dir, false)
	require.NoError(t, err)
	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
	st, err = os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	cfg, err := config.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, config.Default(), cfg)
	b, _ := os.ReadFile(p)
	for _, o := range loaders.Catalog() {
		assert.Contains(t, string(b), "# "+o.Name+":", "every object is documented in the file")
	}
	_, err = config.Init(dir, false)
	assert.ErrorIs(t, err, config.ErrExists)
	_, err = config.Init(dir, true)
	assert.NoError(t, err)
}

func TestInitForOneDestination(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mig")
	_, err := config.Init(dir, false, "odoo")
	require.NoError(t, err)
	cfg, err := config.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"odoo"}, cfg.Destinations)

	// A destination that is not one is refused before anything is written.
	bad := filepath.Join(t.TempDir(), "bad")
	_, err = config.Init(bad, false, "salesforce")
	assert.ErrorContains(t, err, `"salesforce" is not a destination`)
	assert.NoDirExists(t, bad)
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"version", "version: 2\n", "version 2 is not supported"},
		{"typo", "version: 1\nwarehouse:\n  memory_limt: 1GB\n", "line 3: field memory_limt not found"},
		{"encoding", "version: 1\nload:\n  encoding: ebcdic\n", `encoding "ebcdic" is not supported`},
		{"delimiter", "version: 1\nobjects:\n  patient:\n    delimiter: '#'\n", `delimiter "#" is not supported`},
		{"custom without key", "version: 1\nobjects:\n  lab_case:\n    files: [lab.csv]\n", "objects.lab_case: not a built-in axiUm object, so it needs `key:`"},
		{"bad name", "version: 1\nobjects:\n  Lab-Case:\n    key: [Case]\n", "objects.Lab-Case: object names are lower case"},
		{"memory share", "version: 1\nwarehouse:\n  memory_limit: 75%\n", `warehouse.memory_limit: "75%": give a size`},
		{"memory word", "version: 1\nwarehouse:\n  memory_limit: lots\n", `warehouse.memory_limit: "lots" is not a size`},
		{"memory too small", "version: 1\nwarehouse:\n  memory_limit: 64MB\n", "warehouse.memory_limit: 64MB is less than the 128MB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("axium2crm.yaml", []byte(tc.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "axium2crm.yaml")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestDuckDBGetsAShareOfTheBudget: memory_limit is the process's budget,
// and DuckDB's own limit is DuckDBShare of it, in DuckDB's units (GB a
// power of 1000, GiB of 1024).
func TestDuckDBGetsAShareOfTheBudget(t *testing.T) {
	for budget, want := range map[string]string{
		"2GB":    "1000000000B",
		"8GiB":   "4294967296B",
		"1536MB": "768000000B",
		" 4 gb ": "2000000000B",
		"":       "",
	} {
		got, err := config.Warehouse{MemoryLimit: budget}.DuckDBMemoryLimit()
		require.NoError(t, err, budget)
		assert.Equal(t, want, got, budget)
	}
}

func TestSpecsMergeConfig(t *testing.T) {
	cfg, err := config.Parse("x.yaml", []byte(`version: 1
load:
  encoding: windows-1252
objects:
  patient:
    files: ["Patients*.csv"]
    columns: {Chart: "Chart No."}
    delimiter: tab
  lab_case:
    key: [Case]
`))
	require.NoError(t, err)
	specs, err := cfg.Specs()
	require.NoError(t, err)
	byName := map[string]loaders.Spec{}
	for _, s := range specs {
		byName[s.Object.Name] = s
	}
	require.Len(t, specs, len(loaders.Catalog())+1)
	pat := byName["patient"]
	assert.Equal(t, []string{"Patients*.csv"}, pat.Files)
	assert.Equal(t, "Chart No.", pat.Columns["Chart"])
	assert.Equal(t, "tab", pat.Delimiter)
	assert.Equal(t, "windows-1252", pat.Encoding)
	assert.True(t, pat.Matches("patients-2026.csv"))
	assert.False(t, pat.Matches("patient.csv"))
	assert.Equal(t, loaders.DefaultPatterns("clinic"), byName["clinic"].Files)
	assert.Equal(t, []string{"Case"}, byName["lab_case"].Object.Key)
	assert.Equal(t, loaders.DefaultPatterns("lab_case"), byName["lab_case"].Files)
}
