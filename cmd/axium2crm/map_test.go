package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMapConfirmation: the map is shown, unconfirmed until --confirm, and a
// change to it asks for a new confirmation.
func TestMapConfirmation(t *testing.T) {
	dir := t.TempDir()
	mig := filepath.Join(dir, "mig")
	r := cli(t, "", "init", mig)
	require.Equal(t, 0, r.code, r.stderr)
	md := filepath.Join(mig, "models", "odoo")
	require.NoError(t, os.MkdirAll(md, 0o700))
	write := func(name, sql string) {
		require.NoError(t, os.WriteFile(filepath.Join(md, name), []byte(sql), 0o600))
	}
	write("odoo_object_plan.sql", `SELECT 'res_partner_patient' AS table_name, 'res.partner' AS model, 30 AS load_order`)
	write("odoo_field_plan.sql", `SELECT 'res.partner' AS model, 'x_medical_alert' AS name, 'char' AS ttype`)

	r = cli(t, "", "map", "odoo", "--project", mig)
	require.Equal(t, 1, r.code, "no plan built yet")
	assert.Contains(t, r.stderr, "run `axium2crm run` first")

	r = cli(t, "", "run", "--project", mig, "--select", "odoo_object_plan,odoo_field_plan")
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "map", "odoo", "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "x_medical_alert")
	assert.Contains(t, r.stdout, "not confirmed yet")

	r = cli(t, "", "map", "odoo", "--project", mig, "--confirm", "--by", "clinic-it")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "confirmed by clinic-it")

	write("odoo_field_plan.sql", `SELECT 'res.partner' AS model, 'x_medical_alert' AS name, 'text' AS ttype`)
	r = cli(t, "", "run", "--project", mig, "--select", "odoo_field_plan")
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "map", "odoo", "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "CHANGED since clinic-it confirmed")

	r = cli(t, "", "map", "salesforce", "--project", mig)
	assert.Equal(t, 2, r.code)
}
