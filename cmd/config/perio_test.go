package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/cmd/config"
)

func TestPerioGrain(t *testing.T) {
	// A configuration written before perio.grain existed gets the default.
	cfg, err := config.Parse("axium2crm.yaml", []byte("version: 1\n"))
	require.NoError(t, err)
	assert.Equal(t, "tooth", cfg.Perio.Grain)
	assert.Equal(t, map[string]string{"perio_grain": "tooth"}, cfg.ModelVars())

	// The file init writes says so, and reads back.
	b, err := config.Render()
	require.NoError(t, err)
	assert.Contains(t, string(b), "\nperio:\n  # One destination record per")
	assert.Contains(t, string(b), "\n  grain: tooth\n")

	for _, grain := range []string{"tooth", "site", "exam"} {
		cfg, err := config.Parse("axium2crm.yaml", []byte("version: 1\nperio:\n  grain: "+grain+"\n"))
		require.NoError(t, err, grain)
		assert.Equal(t, grain, cfg.ModelVars()["perio_grain"])
	}
	_, err = config.Parse("axium2crm.yaml", []byte("version: 1\nperio:\n  grain: surface\n"))
	assert.ErrorContains(t, err, `perio.grain: "surface" is not one of tooth, site, exam`)
}
