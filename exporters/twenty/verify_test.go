package twenty

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
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
	// A note target links to a person through personId in 1.x, through
	// targetPersonId from 1.17 on; person.city is a standard field in 1.x
	// and a custom one the push creates in 2.43.
	for _, v := range []struct{ version, personLink string }{{twentytest.V2_43, "targetPersonId"}, {twentytest.V1, "personId"}} {
		t.Run(v.version, func(t *testing.T) { verifyFindsTampering(t, v.version, v.personLink) })
	}
}

func verifyFindsTampering(t *testing.T, version, personLink string) {
	ctx := context.Background()
	rw := buildReal(t, 15, 5)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Version: version})
	_, err := Push(ctx, rw.wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	c, _ := testClient(t, srv, nil)

	// The sample is TestVerifySample's; this is the full verify.
	rep, err := Verify(ctx, rw.wh.DB(), verifyOpts(t, rw, c))
	require.NoError(t, err)
	assert.Zero(t, rep.Differences(), "clean right after the push: %+v", rep.Objects)
	want := tableRows(t, rw.wh)
	for _, ov := range rep.Objects {
		assert.Equal(t, want[ov.Object], ov.Expected, ov.Object)
		assert.Equal(t, want[ov.Object], ov.Found, ov.Object)
	}

	var patient, task, note string
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.person WHERE _source_object = 'patient'`).Scan(&patient))
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.task`).Scan(&task))
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id) FROM twenty.note`).Scan(&note))
	require.NoError(t, c.Patch(ctx, "people", patient, Record{"city": "Edited in Twenty"}))
	found, err := c.Destroy(ctx, "tasks", task)
	require.NoError(t, err)
	require.True(t, found)
	extra := uuid.NewString()
	_, err = c.Upsert(ctx, "noteTargets", []Record{{"id": extra, "noteId": note, personLink: patient}})
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

// idsPerRead records the most ids one read of records by id asked for.
type idsPerRead struct {
	next http.RoundTripper
	max  atomic.Int64
}

func (c *idsPerRead) RoundTrip(r *http.Request) (*http.Response, error) {
	if f, ok := strings.CutPrefix(r.URL.Query().Get("filter"), "id[in]:"); ok {
		var ids []string
		if json.Unmarshal([]byte(f), &ids) == nil && int64(len(ids)) > c.max.Load() {
			c.max.Store(int64(len(ids)))
		}
	}
	return c.next.RoundTrip(r)
}

// TestVerifyReadsPages verifies with pages of 7 rows over tables of more
// than 7, after tampering in several pages: the report is the one whole
// pages of the default size give, and no read asks Twenty for more ids
// than a page holds (a verify that reads a table whole asks for all).
func TestVerifyReadsPages(t *testing.T) {
	ctx := context.Background()
	rw := buildReal(t, 15, 5)
	db := rw.wh.DB()
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Version: twentytest.V1})
	_, err := Push(ctx, db, pushOpts(t, srv, nil))
	require.NoError(t, err)
	reads := &idsPerRead{next: http.DefaultTransport}
	c, _ := testClient(t, srv, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: reads} })

	const page = 7
	rows := tableRows(t, rw.wh)
	require.Greater(t, rows["person"], 2*page, "the person table spans several pages")
	require.Greater(t, rows["task"], 2*page, "the task table spans several pages")
	ids := func(q string) []string {
		r, err := db.Query(q)
		require.NoError(t, err)
		defer r.Close()
		var out []string
		for r.Next() {
			var id string
			require.NoError(t, r.Scan(&id))
			out = append(out, id)
		}
		return out
	}
	patients := ids(`SELECT id FROM twenty.person WHERE _source_object = 'patient' ORDER BY id`)
	tasks := ids(`SELECT id FROM twenty.task ORDER BY id`)
	notes := ids(`SELECT id FROM twenty.note ORDER BY id`)
	first, last := patients[0], patients[len(patients)-1]
	// Two edited people and two destroyed tasks, a page or more apart; two
	// records linked to those people that no table has; and a task deleted
	// from the table since the push, which Twenty still holds.
	for _, p := range []string{first, last} {
		require.NoError(t, c.Patch(ctx, "people", p, Record{"city": "Edited in Twenty"}))
	}
	for _, id := range []string{tasks[0], tasks[len(tasks)-1]} {
		found, err := c.Destroy(ctx, "tasks", id)
		require.NoError(t, err)
		require.True(t, found)
	}
	added := []string{uuid.NewString(), uuid.NewString()}
	_, err = c.Upsert(ctx, "noteTargets", []Record{{"id": added[0], "noteId": notes[0], "personId": first},
		{"id": added[1], "noteId": notes[0], "personId": last}})
	require.NoError(t, err)
	goneTask := tasks[len(tasks)/2]
	_, err = db.Exec(`DELETE FROM twenty.task WHERE id = ?`, goneTask)
	require.NoError(t, err)

	verifyWith := func(rows int, byIDs bool) VerifyReport {
		old, oldIDs := verifyPageRows, verifyByIDs
		verifyPageRows, verifyByIDs = rows, byIDs
		defer func() { verifyPageRows, verifyByIDs = old, oldIDs }()
		reads.max.Store(0)
		rep, err := Verify(ctx, db, verifyOpts(t, rw, c))
		require.NoError(t, err)
		return rep
	}
	whole := verifyWith(exporters.DefaultPageRows, true)
	paged := verifyWith(page, true)
	assert.LessOrEqual(t, reads.max.Load(), int64(page), "no read asks for more ids than a page holds")
	assert.Equal(t, whole.Objects, paged.Objects)
	// List pages (200 records a call) merged with pages of 7 rows: the same.
	listed := verifyWith(page, false)
	assert.Equal(t, whole.Objects, listed.Objects)
	assert.Equal(t, 7, paged.Differences())
	by := map[string]exporters.TableVerify{}
	for _, ov := range paged.Objects {
		by[ov.Object] = ov
	}
	assert.Equal(t, 2, by["person"].Mismatched)
	assert.Equal(t, rows["person"], by["person"].Found)
	assert.Equal(t, []string{tasks[0], tasks[len(tasks)-1]}, by["task"].MissingIDs)
	assert.Equal(t, []string{goneTask}, by["task"].ExtraIDs)
	assert.Equal(t, rows["task"]-1, by["task"].Expected)
	wantExtra := slices.Clone(added)
	slices.Sort(wantExtra)
	assert.Equal(t, wantExtra, by["noteTarget"].ExtraIDs)
	for _, rep := range []VerifyReport{whole, paged, listed} {
		var fails int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND action = 'fail'`, rep.RunID).Scan(&fails))
		assert.Equal(t, 7, fails, "one fail entry per difference")
	}
}

// TestNumberCanonical: an integer read back compares as big.Rat names it,
// whichever way it is written; other numbers go through big.Rat.
func TestNumberCanonical(t *testing.T) {
	for _, s := range []string{"0", "-0", "+5", "0042", "-17", "9223372036854775807", "9223372036854775808", "12.50", "1e3", "-0.25", "abc", ""} {
		want := any(s)
		if r, ok := new(big.Rat).SetString(s); ok {
			want = "num:" + r.RatString()
		}
		assert.Equal(t, want, number(s), s)
	}
	assert.Equal(t, number("42"), number("42.0"))
}
