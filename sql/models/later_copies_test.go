package models_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestLaterCopiesIsTheWindow checks staging.later_copies against the window
// it replaces in the destination models, on an export with repeated keys and
// NULL keys added to every object: for each staging model the rows listed
// are exactly those numbered > 1 by
// row_number() OVER (PARTITION BY key ORDER BY batch, file, record).
func TestLaterCopiesIsTheWindow(t *testing.T) {
	db, _, _ := stgFixture(t, fixtures.Options{Patients: 30, Seed: 5, Format: "csv", Dirty: true})
	for _, o := range loaders.Catalog() {
		rel := "raw." + warehouse.QuoteIdent(o.Name)
		nullKey := ""
		for _, k := range o.Key {
			nullKey += ", NULL AS " + warehouse.QuoteIdent(k)
		}
		for _, q := range []string{
			// Two later copies of existing keys.
			"INSERT INTO " + rel + ` SELECT * REPLACE ("_source_record" + 1000000 AS "_source_record") FROM ` + rel + ` ORDER BY "_source_record" LIMIT 2`,
			// Two rows without a key: one partition, so one later copy.
			"INSERT INTO " + rel + ` SELECT * REPLACE ("_source_record" + 2000000 AS "_source_record"` + nullKey + `) FROM ` + rel + ` ORDER BY "_source_record" LIMIT 2`,
		} {
			_, err := db.Exec(q)
			require.NoError(t, err, q)
		}
	}
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	stgRun(t, db, set)

	keys := map[string]string{
		"stg_clinic": "clinic_id", "stg_operatory": "chair_id", "stg_provider": "provider_id", "stg_carrier": "carrier_id",
		"stg_benefit_plan": "plan_id", "stg_referral_source": "referral_id", "stg_guarantor": "guarantor_id",
		"stg_patient": "patient_id", "stg_medical_alert": "alert_id", "stg_policy": "policy_id",
		"stg_appointment": "appointment_id", "stg_treatment": "treatment_id", "stg_perio_exam": "exam_id",
		"stg_perio_measure": "exam_id, tooth, site", "stg_transaction": "transaction_id", "stg_claim": "claim_id",
		"stg_recall": "recall_id", "stg_clinical_note": "note_id", "stg_attachment": "attachment_id",
		"stg_form_item": "form_item_id",
	}
	for model, key := range keys {
		t.Run(model, func(t *testing.T) {
			window := fmt.Sprintf(`SELECT "_batch_id", "_source_file", "_source_record" FROM staging.%s
				QUALIFY row_number() OVER (PARTITION BY %s ORDER BY "_batch_id", "_source_file", "_source_record") > 1`, model, key)
			listed := `SELECT "_batch_id", "_source_file", "_source_record" FROM staging.later_copies WHERE model = ?`
			var want, missing, extra int64
			require.NoError(t, db.QueryRow("SELECT count(*) FROM ("+window+")").Scan(&want))
			require.NoError(t, db.QueryRow("SELECT count(*) FROM ("+window+" EXCEPT ALL "+listed+")", model).Scan(&missing))
			require.NoError(t, db.QueryRow("SELECT count(*) FROM ("+listed+" EXCEPT ALL "+window+")", model).Scan(&extra))
			assert.GreaterOrEqual(t, want, int64(2), "the added copies and NULL keys reached staging")
			assert.Zero(t, missing, "later copies not listed")
			assert.Zero(t, extra, "rows listed that the window keeps")
		})
	}
}
