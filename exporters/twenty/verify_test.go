package twenty

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"

	"github.com/axium2crm/axium2crm/exporters"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name      string
		key       string
		src, dest any
		same      bool
	}{
		{"phone formatting", "phones", map[string]any{"primaryPhoneNumber": "(216) 555-0159", "primaryPhoneCallingCode": "+1"},
			map[string]any{"primaryPhoneNumber": "2165550159", "primaryPhoneCallingCode": "+1", "primaryPhoneCountryCode": ""}, true},
		{"phone changed", "phones", map[string]any{"primaryPhoneNumber": "(216) 555-0159"}, map[string]any{"primaryPhoneNumber": "2165550158"}, false},
		{"e-mail case", "emails", map[string]any{"primaryEmail": "Donna@Example.org"}, map[string]any{"primaryEmail": "donna@example.org", "additionalEmails": []any{}}, true},
		{"rich text: markdown compared, blocknote ignored", "bodyV2", map[string]any{"markdown": "Exam\n\nClean"},
			map[string]any{"markdown": "Exam \n\n Clean", "blocknote": `[{"type":"paragraph"}]`}, true},
		{"rich text changed", "bodyV2", map[string]any{"markdown": "Exam"}, map[string]any{"markdown": "Exam 2"}, false},
		{"timestamp offset vs UTC", "createdAt", "2018-07-23T07:49:48-04:00", "2018-07-23T11:49:48.000Z", true},
		{"timestamp moved", "createdAt", "2018-07-23T07:49:48-04:00", "2018-07-23T07:49:48.000Z", false},
		{"currency micros as number or text", "outstandingBalance", map[string]any{"amountMicros": json.Number("12500000"), "currencyCode": "USD"},
			map[string]any{"amountMicros": "12500000.0", "currencyCode": "USD"}, true},
		{"numeric", "probingDepth", json.Number("3.0"), json.Number("3"), true},
		{"multi-select order", "alertFlag", []any{"LATEX", "DIABETES"}, []any{"DIABETES", "LATEX"}, true},
		{"multi-select value lost", "alertFlag", []any{"LATEX", "DIABETES"}, []any{"DIABETES"}, false},
		{"empty text vs null", "jobTitle", nil, "", true},
		{"text changed", "city", "Akron", "Cleveland", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.same, assertSame(normalize(c.key, c.src), normalize(c.key, c.dest)))
		})
	}
}

func assertSame(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func verifyOpts(t *testing.T, rw *realWarehouse, c *Client) VerifyOptions {
	m, err := NewMapper("America/New_York")
	require.NoError(t, err)
	return VerifyOptions{Client: c, Mapper: m}
}

// TestVerifyFindsTampering pushes the real models, verifies clean, then
// edits a field of one record, destroys another and adds a record linked
// to a migrated person in Twenty: verify reports exactly those three.
func TestVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	rw := buildReal(t, 15, 5)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Version: twentytest.V1}) // 1.x person targets; the contract suite verifies on 2.43
	_, err := Push(ctx, rw.wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	c, _ := testClient(t, srv, nil)

	o := verifyOpts(t, rw, c)
	o.Sample = 12
	rep, err := Verify(ctx, rw.wh.DB(), o)
	require.NoError(t, err)
	assert.Zero(t, rep.Differences(), "clean right after the push: %+v", rep.Objects)
	want := tableRows(t, rw.wh)
	for _, ov := range rep.Objects {
		assert.Equal(t, want[ov.Object], ov.Expected, ov.Object)
		assert.Equal(t, want[ov.Object], ov.Found, ov.Object)
	}
	sampled := map[string]bool{}
	for _, s := range rep.Sample {
		sampled[s.Object] = true
		assert.True(t, s.Found)
		for _, f := range s.Fields {
			assert.True(t, f.Same, "%s %s %s: %q vs %q", s.Object, s.ID, f.Field, f.Source, f.Destination)
		}
	}
	assert.Len(t, sampled, len(want), "the sample spans every object")
	assert.Len(t, rep.Sample, 12)

	var patient, task, note string
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.person WHERE _source_object = 'patient'`).Scan(&patient))
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.task`).Scan(&task))
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.note`).Scan(&note))
	require.NoError(t, c.Patch(ctx, "people", patient, Record{"city": "Edited in Twenty"}))
	found, err := c.Destroy(ctx, "tasks", task)
	require.NoError(t, err)
	require.True(t, found)
	extra := uuid.NewString()
	_, err = c.Upsert(ctx, "noteTargets", []Record{{"id": extra, "noteId": note, "personId": patient}})
	require.NoError(t, err)

	rep, err = Verify(ctx, rw.wh.DB(), verifyOpts(t, rw, c))
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Differences())
	by := map[string]exporters.TableVerify{}
	for _, ov := range rep.Objects {
		by[ov.Object] = ov
	}
	assert.Equal(t, 1, by["person"].Mismatched)
	require.Len(t, by["person"].Differences, 1)
	assert.Equal(t, "city", by["person"].Differences[0].Field)
	assert.Equal(t, "Edited in Twenty", by["person"].Differences[0].Destination)
	assert.Equal(t, []string{task}, by["task"].MissingIDs)
	assert.Equal(t, []string{extra}, by["noteTarget"].ExtraIDs)

	var runs, fails int
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT count(*) FROM meta.push_run WHERE mode = 'verify' AND status = 'finished' AND parent_run IS NOT NULL`).Scan(&runs))
	assert.Equal(t, 2, runs)
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND action = 'fail'`, rep.RunID).Scan(&fails))
	assert.Equal(t, 3, fails)
}
