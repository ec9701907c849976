package twenty

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

const secretKey = "sk-live-DO-NOT-LEAK-7f3a9c"

func testClient(t *testing.T, srv *twentytest.Server, mod func(*Config)) (*Client, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg := Config{BaseURL: srv.URL, APIKey: srv.APIKey(), Calls: 10000, Window: time.Second,
		RetryBase: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	return c, &logs
}

func people(n int) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = Record{"id": uuid.NewString(), "name": map[string]any{"firstName": fmt.Sprint("P", i)},
			"emails": map[string]any{"primaryEmail": fmt.Sprintf("p%d@x.org", i)}}
	}
	return out
}

func TestUpsertBatchesAndRetries(t *testing.T) {
	cases := []struct {
		name  string
		fault twentytest.Fault
	}{
		{"500 is retried", twentytest.Fail500},
		{"dropped connection is retried", twentytest.DropBefore},
		{"write acknowledged but answer lost is retried without duplicates", twentytest.DropAfter},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
			cl, logs := testClient(t, srv, nil)
			srv.FailCall(2, c.fault)
			recs := people(450)
			res, err := cl.Upsert(context.Background(), "people", recs)
			require.NoError(t, err)
			assert.Len(t, res.OK, 450)
			assert.Empty(t, res.Rejected)
			assert.Equal(t, 450, srv.Count("person"))
			for _, n := range srv.Stats().BatchSizes {
				assert.LessOrEqual(t, n, MaxBatch)
			}
			assert.Contains(t, logs.String(), "retrying")
		})
	}
}

func TestUpsertGivesUpAfterRetries(t *testing.T) {
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	srv.FailWhen(func(int, *http.Request) twentytest.Fault { return twentytest.Fail500 })
	cl, _ := testClient(t, srv, func(c *Config) { c.MaxRetries = 2 })
	_, err := cl.Upsert(context.Background(), "people", people(3))
	require.Error(t, err)
	assert.Equal(t, 3, srv.CallCount(), "one try and two retries")
}

func TestUpsertIsolatesBadRecords(t *testing.T) {
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	cl, logs := testClient(t, srv, nil)
	recs := people(37)
	recs[5]["alertFlag"] = true                  // unknown field
	recs[31]["phones"] = map[string]any{"x": ""} // bad sub-field
	res, err := cl.Upsert(context.Background(), "people", recs)
	require.NoError(t, err)
	bad := map[string]string{}
	for _, r := range res.Rejected {
		bad[r.ID] = r.Reason
	}
	require.Len(t, bad, 2, "%v", bad)
	assert.Equal(t, `Object person doesn't have any "alertFlag" field.`, bad[recordID(recs[5])])
	assert.Contains(t, bad[recordID(recs[31])], "sub-field")
	assert.Len(t, res.OK, 35)
	assert.Equal(t, 35, srv.Count("person"))
	assert.Contains(t, logs.String(), "alertFlag")
}

func TestRateLimit429(t *testing.T) {
	for _, retryAfter := range []bool{true, false} {
		t.Run(fmt.Sprint("Retry-After=", retryAfter), func(t *testing.T) {
			// The server allows 3 calls a second; the client thinks it may
			// make 1000, so it must wait out the 429s.
			srv := twentytest.New(t, twentytest.Options{RateLimit: 3, RateWindow: time.Second, RetryAfter: retryAfter})
			cl, logs := testClient(t, srv, func(c *Config) { c.BatchSize = 2; c.RetryBase = 50 * time.Millisecond })
			res, err := cl.Upsert(context.Background(), "people", people(10))
			require.NoError(t, err)
			assert.Len(t, res.OK, 10)
			assert.Equal(t, 10, srv.Count("person"))
			assert.Positive(t, srv.Stats().Throttled)
			assert.Contains(t, logs.String(), "429")
		})
	}
}

func TestClientLimiterKeepsUnderServerLimit(t *testing.T) {
	srv := twentytest.New(t, twentytest.Options{RateLimit: 5, RateWindow: 500 * time.Millisecond})
	cl, _ := testClient(t, srv, func(c *Config) { c.Calls = 5; c.Window = 500 * time.Millisecond; c.BatchSize = 1 })
	_, err := cl.Upsert(context.Background(), "people", people(8))
	require.NoError(t, err)
	assert.Zero(t, srv.Stats().Throttled, "the client paces itself")
}

func TestSecretNeverInErrorsOrLogs(t *testing.T) {
	srv := twentytest.New(t, twentytest.Options{APIKey: secretKey, RateLimit: 1, RateWindow: time.Hour})
	var logs bytes.Buffer
	newC := func(key string) *Client {
		c, err := NewClient(Config{BaseURL: srv.URL, APIKey: key, MaxRetries: 1, RetryBase: time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		require.NoError(t, err)
		return c
	}
	var errs []string
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	// Wrong key (401), then the right key spends the one token and is throttled, 500s, bad records.
	_, err := newC(secretKey+"x").Total(ctx, "people")
	require.Error(t, err)
	errs = append(errs, err.Error())
	good := newC(secretKey)
	srv.FailCall(2, twentytest.Fail500)
	_, err = good.Total(ctx, "people")
	errs = append(errs, fmt.Sprint(err))
	_, err = good.Upsert(ctx, "people", []Record{{"bogus": 1}})
	require.Error(t, err)
	errs = append(errs, err.Error())
	_, err = NewClient(Config{BaseURL: "http://user:" + secretKey + "@host", APIKey: secretKey})
	require.Error(t, err)
	errs = append(errs, err.Error())
	for _, e := range errs {
		assert.NotContains(t, e, secretKey)
		assert.NotContains(t, e, "DO-NOT-LEAK")
	}
	assert.NotContains(t, logs.String(), "DO-NOT-LEAK")
	assert.True(t, strings.Contains(strings.Join(errs, "\n"), "401"), "the 401 was provoked: %v", errs)
}

func TestMetadataClient(t *testing.T) {
	// uploadFile is the 1.x upload (Files v2: TestServerVersionAndFilesV2).
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Version: twentytest.V1})
	cl, _ := testClient(t, srv, nil)
	ctx := context.Background()
	objs, err := cl.Objects(ctx)
	require.NoError(t, err)
	byName := map[string]ObjectMeta{}
	for _, o := range objs {
		byName[o.NameSingular] = o
	}
	require.Contains(t, byName, "person")
	f, ok := byName["person"].Field("emails")
	require.True(t, ok)
	assert.Equal(t, "EMAILS", f.Type)

	o, err := cl.CreateObject(ctx, ObjectInput{NameSingular: "perioRecord", NamePlural: "perioRecords", LabelSingular: "Perio Record", LabelPlural: "Perio Records"})
	require.NoError(t, err)
	_, err = cl.CreateField(ctx, FieldInput{ObjectMetadataID: o.ID, Type: "RELATION", Name: "person", Label: "Person", IsNullable: true,
		RelationCreationPayload: &RelationInput{Type: "MANY_TO_ONE", TargetObjectMetadataID: byName["person"].ID, TargetFieldLabel: "Perio Records"}})
	require.NoError(t, err)
	_, err = cl.CreateField(ctx, FieldInput{ObjectMetadataID: o.ID, Type: "TEXT", Name: "tooth_number", Label: "Tooth"})
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 400, ae.Status)
	assert.Contains(t, ae.Message(), "camelCase")

	path, err := cl.Upload(ctx, "scan.png", []byte("PNG"))
	require.NoError(t, err)
	data, ok := srv.File(path)
	require.True(t, ok)
	assert.Equal(t, "PNG", string(data))
}
