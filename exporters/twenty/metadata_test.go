package twenty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

func answer(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "answers", name))
	require.NoError(t, err)
	return b
}

// recorded serves recorded answers by route; it notes the queries it saw.
func recorded(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) (*Client, *[]string) {
	t.Helper()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		h, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			http.Error(w, `{"statusCode":404,"messages":["Cannot `+r.Method+` `+r.URL.Path+`"]}`, http.StatusNotFound)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{BaseURL: srv.URL, APIKey: "k", Calls: 10000, Window: time.Second, RetryBase: time.Millisecond, MaxRetries: 1})
	require.NoError(t, err)
	return c, &seen
}

func serve(b []byte, status int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
}

// TestObjectsReadsEveryShapeAndPage decodes the metadata list as Twenty
// 2.43 answers it (bare list, paged by id) and as older servers do, and
// follows every page.
func TestObjectsReadsEveryShapeAndPage(t *testing.T) {
	t.Run("2.43 new format, two pages", func(t *testing.T) {
		c, seen := recorded(t, map[string]func(http.ResponseWriter, *http.Request){
			"GET /rest/metadata/objects": func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("starting_after") == "f0000000-0000-4000-8000-000000000001" {
					serve(answer(t, "objects-2.43-page2.json"), 200)(w, r)
					return
				}
				serve(answer(t, "objects-2.43-page1.json"), 200)(w, r)
			},
		})
		objs, err := c.Objects(context.Background())
		require.NoError(t, err)
		var names []string
		for _, o := range objs {
			names = append(names, o.NameSingular)
		}
		assert.Equal(t, []string{"person", "company", "attachment"}, names, "every page, in order")
		assert.Len(t, *seen, 2)
		assert.Contains(t, (*seen)[0], "limit=200")
		assert.Equal(t, FormatPaged, c.MetadataFormat())
		person := objs[0]
		company, _ := person.Field("company")
		assert.Equal(t, "MANY_TO_ONE", company.RelationType(), "read from settings")
	})
	t.Run("2.43 legacy format", func(t *testing.T) {
		legacy := answer(t, "objects-2.43-legacy.json")
		var last map[string]any
		require.NoError(t, json.Unmarshal(legacy, &last))
		last["pageInfo"].(map[string]any)["hasNextPage"] = false
		b, _ := json.Marshal(last)
		c, _ := recorded(t, map[string]func(http.ResponseWriter, *http.Request){"GET /rest/metadata/objects": serve(b, 200)})
		objs, err := c.Objects(context.Background())
		require.NoError(t, err)
		assert.Len(t, objs, 2)
		assert.Equal(t, FormatLegacyPaged, c.MetadataFormat())
	})
	t.Run("1.x", func(t *testing.T) {
		c, _ := recorded(t, map[string]func(http.ResponseWriter, *http.Request){"GET /rest/metadata/objects": serve(answer(t, "objects-1.x.json"), 200)})
		objs, err := c.Objects(context.Background())
		require.NoError(t, err)
		assert.Len(t, objs, 3)
		assert.Equal(t, FormatLegacy, c.MetadataFormat())
		f, _ := objs[0].Field("company")
		assert.Equal(t, "MANY_TO_ONE", f.RelationType(), "read from relation")
	})
	t.Run("a next page without a cursor is an error, not a loop", func(t *testing.T) {
		b := strings.Replace(string(answer(t, "objects-2.43-page1.json")), `"endCursor":"f0000000-0000-4000-8000-000000000001"`, `"endCursor":null`, 1)
		c, _ := recorded(t, map[string]func(http.ResponseWriter, *http.Request){"GET /rest/metadata/objects": serve([]byte(b), 200)})
		_, err := c.Objects(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no new cursor")
	})
}

func TestCreateReadsBareAndWrappedAnswers(t *testing.T) {
	for _, format := range []string{"2.43", "legacy"} {
		t.Run(format, func(t *testing.T) {
			c, _ := recorded(t, map[string]func(http.ResponseWriter, *http.Request){
				"POST /rest/metadata/objects": serve(answer(t, "create-object-"+format+".json"), 201),
				"POST /rest/metadata/fields":  serve(answer(t, "create-field-"+format+".json"), 201),
			})
			o, err := c.CreateObject(context.Background(), ObjectInput{NameSingular: "perioRecord"})
			require.NoError(t, err)
			assert.Equal(t, "f0000000-0000-4000-8000-0000000000aa", o.ID)
			f, err := c.CreateField(context.Background(), FieldInput{Name: "chartNumber"})
			require.NoError(t, err)
			assert.Equal(t, "f1000000-0000-4000-8000-0000000000bb", f.ID)
		})
	}
	t.Run("an answer without an id is an error", func(t *testing.T) {
		c, _ := recorded(t, map[string]func(http.ResponseWriter, *http.Request){"POST /rest/metadata/objects": serve([]byte(`{"data":{}}`), 201)})
		_, err := c.CreateObject(context.Background(), ObjectInput{NameSingular: "perioRecord"})
		require.Error(t, err)
	})
}

// TestDataModelPermissionExplained: a key whose role lacks the Data Model
// permission gets a refusal that names it and stops the push.
func TestDataModelPermissionExplained(t *testing.T) {
	c, _ := recorded(t, map[string]func(http.ResponseWriter, *http.Request){"GET /rest/metadata/objects": serve(answer(t, "forbidden-data-model.json"), 403)})
	_, err := c.Objects(context.Background())
	var stop *StopError
	require.True(t, errors.As(err, &stop), "%v", err)
	assert.Equal(t, StopPermission, stop.Reason)
	assert.Contains(t, err.Error(), "Data Model permission")
}

func TestServerVersionAndFilesV2(t *testing.T) {
	data := []byte("%PDF-1.4 consent form")
	var put []byte
	var base string
	c, _ := recorded(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /client-config": serve(answer(t, "client-config.json"), 200),
		"POST /metadata": func(w http.ResponseWriter, r *http.Request) {
			var q struct {
				Query     string         `json:"query"`
				Variables map[string]any `json:"variables"`
			}
			require.NoError(t, json.NewDecoder(r.Body).Decode(&q))
			if strings.Contains(q.Query, "createFileUpload(") {
				assert.Equal(t, "FilesField", q.Variables["fileFolder"])
				assert.Equal(t, "field-1", q.Variables["fieldMetadataId"])
				assert.EqualValues(t, len(data), q.Variables["size"])
				serve([]byte(strings.Replace(string(answer(t, "create-file-upload.json")), "__UPLOAD_URL__", base+"/file-upload/0d2f?token=t", 1)), 200)(w, r)
				return
			}
			b := strings.Replace(string(answer(t, "complete-file-upload.json")), "__SIZE__", fmt.Sprint(len(put)), 1)
			serve([]byte(strings.Replace(b, "__FILE_URL__", base+"/files/0d2f?token=s", 1)), 200)(w, r)
		},
		"PUT /file-upload/0d2f": func(w http.ResponseWriter, r *http.Request) {
			assert.Empty(t, r.Header.Get("Authorization"), "the signed URL, not the key")
			assert.Equal(t, "application/pdf", r.Header.Get("Content-Type"))
			put = readAll(t, r)
			w.WriteHeader(http.StatusNoContent)
		},
		"GET /files/0d2f": func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(put) },
	})
	base = strings.TrimRight(c.Target(), "/")
	v, err := c.ServerVersion(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "2.43.0", v)
	id, err := c.UploadFile(context.Background(), "consent.pdf", data, "field-1")
	require.NoError(t, err)
	assert.Equal(t, "0d2f8f0e-6d1e-4a41-9c2a-1b1d5b3e2c11", id)
	assert.Equal(t, data, put)
}

func readAll(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return b
}

// TestCreateAfterLostAnswer: a metadata create whose answer was lost after
// Twenty made it is sent again and refused as a name already taken; the
// client finds what the lost attempt made and returns it. A refusal that
// follows no lost attempt, or a name taken by something else than what
// was sent, stays an error.
func TestCreateAfterLostAnswer(t *testing.T) {
	ctx := context.Background()
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	c, logs := testClient(t, srv, nil)
	// loseFirst drops the answer of the next create on path, once, after
	// the server made it.
	loseFirst := func(path string) {
		var done atomic.Bool
		srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
			if r.Method == http.MethodPost && r.URL.Path == path && done.CompareAndSwap(false, true) {
				return twentytest.DropAfter
			}
			return twentytest.NoFault
		})
	}
	perio := ObjectInput{NameSingular: "perioRecord", NamePlural: "perioRecords", LabelSingular: "Perio Record", LabelPlural: "Perio Records"}

	loseFirst("/rest/metadata/objects")
	o, err := c.CreateObject(ctx, perio)
	require.NoError(t, err)
	made, ok := srv.Object("perioRecord")
	require.True(t, ok)
	assert.Equal(t, made.ID, o.ID, "the object the lost attempt made")
	assert.Equal(t, 1, srv.Stats().MetaCreated)
	assert.Contains(t, logs.String(), "answer was lost")

	loseFirst("/rest/metadata/fields")
	depth := FieldInput{ObjectMetadataID: o.ID, Type: "NUMBER", Name: "pocketDepth", Label: "Pocket depth", IsNullable: true}
	f, err := c.CreateField(ctx, depth)
	require.NoError(t, err)
	require.NotNil(t, fieldOf(made, "pocketDepth"))
	assert.Equal(t, fieldOf(made, "pocketDepth").ID, f.ID, "the field the lost attempt made")
	assert.Equal(t, 2, srv.Stats().MetaCreated)

	srv.FailWhen(nil)
	_, err = c.CreateObject(ctx, perio)
	require.Error(t, err, "taken before, no answer lost: a refusal")
	assert.Contains(t, err.Error(), "Object already exists")

	loseFirst("/rest/metadata/fields")
	depth.Type = "TEXT"
	_, err = c.CreateField(ctx, depth)
	require.Error(t, err, "the name is taken by a field of another type")
	assert.Contains(t, err.Error(), "already used by another field")
	assert.Equal(t, 2, srv.Stats().MetaCreated)
}
