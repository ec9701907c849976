package twenty

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCamelCase(t *testing.T) {
	for in, want := range map[string]string{
		"created_at": "createdAt", "alert_flag": "alertFlag", "company_id": "companyId", "body_v2": "bodyV2",
		"address_street1": "addressStreet1", "primary_phone_calling_code": "primaryPhoneCallingCode",
		"amount_micros": "amountMicros", "id": "id", "name": "name",
	} {
		assert.Equal(t, want, CamelCase(in), in)
	}
}

func TestReadTableMapsConventions(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 3})
	ctx := context.Background()
	plan, err := ReadPlan(ctx, wh.DB())
	require.NoError(t, err)
	require.Len(t, plan.Objects, 9)
	assert.Equal(t, "company", plan.Objects[0].Table, "load order")
	assert.Equal(t, "attachment", plan.Objects[8].Table)

	ny, err := NewMapper("America/New_York")
	require.NoError(t, err)
	rows, err := ny.ReadTable(ctx, wh.DB(), "person", nil)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	byKey := map[string]Row{}
	for _, r := range rows {
		byKey[r.SourceKey] = r
	}
	p1, p2 := byKey["P1"].Payload, byKey["P2"].Payload
	js, _ := json.Marshal(p1)

	cases := []struct {
		name string
		got  any
		want any
	}{
		{"composite full name", p1["name"], map[string]any{"firstName": "First1", "lastName": "Last1"}},
		{"composite phones", p1["phones"].(map[string]any)["primaryPhoneCallingCode"], "+1"},
		{"relation id", p1["companyId"] != nil, true},
		{"null relation stays null", byKey["P3"].Payload["companyId"], nil},
		// 2019-03-10 02:30 does not exist in New York (spring forward); the
		// same instant is written with the EDT offset.
		{"naive timestamp in the zone, with offset", p1["patientSince"], "2019-03-10T03:30:00-04:00"},
		{"summer offset", p2["patientSince"], "2019-03-10T03:30:00-04:00"},
		{"date", p1["dateOfBirth"], "1980-01-02"},
		{"micros exact", p1["outstandingBalance"].(map[string]any)["amountMicros"], int64(12345678902)},
		{"multi-select as array", p2["medicalAlerts"], []any{"PENICILLIN_ALLERGY", "DIABETES"}},
		{"empty list stays an array", p1["medicalAlerts"], []any{}},
		{"extra_fields merged", p1["allergyNotes"], `Latex, "severe"`},
		{"metadata not sent", p1["_source_key"], nil},
		{"extra_fields column not sent", p1["extraFields"], nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, c.got) })
	}
	assert.NotContains(t, string(js), "_batch_id")
	assert.Equal(t, "patient", byKey["P1"].SourceObject)

	utc, err := NewMapper("UTC")
	require.NoError(t, err)
	urows, err := utc.ReadTable(ctx, wh.DB(), "person", map[string]bool{byKey["P1"].ID: true})
	require.NoError(t, err)
	require.Len(t, urows, 1, "keep filters by id")
	assert.Equal(t, "2019-03-10T02:30:00Z", urows[0].Payload["patientSince"])

	tasks, err := ny.ReadTable(ctx, wh.DB(), "task", nil)
	require.NoError(t, err)
	due := map[string]any{}
	for _, r := range tasks {
		due[r.SourceKey] = r.Payload["dueAt"]
	}
	assert.Equal(t, "2024-11-04T01:30:00-05:00", due["1"], "winter offset")
	amb, err := ny.Value(time.Date(2024, 11, 3, 1, 30, 0, 0, time.UTC), "TIMESTAMP")
	require.NoError(t, err)
	assert.Equal(t, "2024-11-03T01:30:00-04:00", amb, "a repeated wall time takes the earlier instant")
	for _, r := range tasks {
		if r.SourceKey == "1" {
			assert.Equal(t, map[string]any{"markdown": "Crown prep, tooth 2"}, r.Payload["bodyV2"])
		}
	}

	perio, err := ny.ReadTable(ctx, wh.DB(), "perio_record", nil)
	require.NoError(t, err)
	assert.Equal(t, json.Number("1.5"), perio[0].Payload["pocketDepthMm"], "DECIMAL read exactly")
	assert.Equal(t, "2024-02-29", perio[0].Payload["examDate"])
}

func TestMapperRejectsBadZone(t *testing.T) {
	_, err := NewMapper("Mars/Olympus")
	assert.ErrorContains(t, err, "Mars/Olympus")
}

func TestExtraFieldsClash(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 1})
	_, err := wh.DB().Exec(`UPDATE twenty.person SET extra_fields = '{"alertFlag": true}'`)
	require.NoError(t, err)
	m, _ := NewMapper("")
	_, err = m.ReadTable(context.Background(), wh.DB(), "person", nil)
	assert.ErrorContains(t, err, `"alertFlag" is also a column`)
}
