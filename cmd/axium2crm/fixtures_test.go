package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
)

func TestFixturesGenerateAltLayout(t *testing.T) {
	out := filepath.Join(t.TempDir(), "alt")
	r := cli(t, "", "fixtures", "generate", "--layout", "alt", "--out", out, "--patients", "40", "--seed", "3")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "(alt layout)")
	assert.Contains(t, r.stdout, "perio_measure")

	m := readManifest(t, out)
	for _, f := range fixtures.AltLayout() {
		_, err := os.Stat(filepath.Join(out, f.Name))
		assert.NoError(t, err, f.Name)
	}
	require.Len(t, m.Files, len(fixtures.AltLayout()))
	for _, f := range m.Files {
		assert.Equal(t, fixtures.AltEncoding, f.Encoding, f.Path)
	}
	_, err := os.Stat(filepath.Join(out, "patient.csv"))
	assert.True(t, os.IsNotExist(err), "no default-layout file")

	r = cli(t, "", "fixtures", "generate", "--layout", "alt", "--out", filepath.Join(t.TempDir(), "j"), "--patients", "5", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rep fixtures.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, fixtures.LayoutAlt, rep.Layout)

	// The default stays the default.
	r = cli(t, "", "fixtures", "generate", "--out", filepath.Join(t.TempDir(), "d"), "--patients", "5")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "alt layout")
}

func TestFixturesGenerateLayoutUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown layout": {"--layout", "wide"},
		"empty layout":   {"--layout", ""},
		"alt as json":    {"--layout", "alt", "--format", "json"},
		"alt dirty":      {"--layout", "alt", "--dirty"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "x")
			r := cli(t, "", append([]string{"fixtures", "generate", "--out", out, "--patients", "5"}, args...)...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, "--layout")
			_, err := os.Stat(out)
			assert.True(t, os.IsNotExist(err), "nothing written on a usage error")
		})
	}
}
