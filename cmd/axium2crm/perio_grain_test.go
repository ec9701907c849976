package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/cmd/config"
)

// TestPerioGrainReachesTheModels: every command reads the models through
// readModels, which takes perio.grain from the project's axium2crm.yaml
// (outside a project, the default), so run, test and models agree on the
// fingerprints the grain changes.
func TestPerioGrainReachesTheModels(t *testing.T) {
	outside, err := readModels(t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "tooth", outside.Var("perio_grain"))

	dir := filepath.Join(t.TempDir(), "mig")
	p, err := config.Init(dir, false)
	require.NoError(t, err)
	def, err := readModels(dir)
	require.NoError(t, err)
	assert.Equal(t, "tooth", def.Var("perio_grain"))
	assert.Equal(t, outside.Models["twenty_perio_record"].Fingerprint, def.Models["twenty_perio_record"].Fingerprint)

	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(b), "\n  grain: tooth\n", "\n  grain: site\n", 1)), 0o600))
	site, err := readModels(dir)
	require.NoError(t, err)
	assert.Equal(t, "site", site.Var("perio_grain"))
	for _, m := range []string{"twenty_perio_record", "odoo_x_perio_record", "twenty_field_plan", "odoo_field_plan", "twenty_reconciliation", "odoo_reconciliation"} {
		assert.NotEqual(t, def.Models[m].Fingerprint, site.Models[m].Fingerprint, m)
	}
	assert.Equal(t, def.Models["stg_patient"].Fingerprint, site.Models["stg_patient"].Fingerprint)

	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(b), "\n  grain: tooth\n", "\n  grain: teeth\n", 1)), 0o600))
	_, err = readModels(dir)
	assert.ErrorContains(t, err, `perio.grain: "teeth" is not one of tooth, site, exam`)
}
