package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartWritesImportFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "qs")
	r := cli(t, "", "quickstart", dir, "--patients", "12")
	require.Equal(t, 0, r.code, r.stderr+r.stdout)
	readme := filepath.Join(dir, "twenty-import", "README.txt")
	assert.Contains(t, r.stdout, "Read "+readme+" first")
	_, err := os.Stat(readme)
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "twenty-import", "02_people.csv"))
	assert.NoError(t, err)

	odooReadme := filepath.Join(dir, "odoo-import", "README.txt")
	assert.Contains(t, r.stdout, "Read "+odooReadme+" first")
	_, err = os.Stat(odooReadme)
	require.NoError(t, err)
}
