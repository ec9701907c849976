package twentytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
	msgs   string // the messages of an error answer, joined
}

func call(t *testing.T, s *Server, key, method, path string, body any) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	if m, ok := out.body["messages"].([]any); ok {
		for _, x := range m {
			out.msgs += fmt.Sprint(x) + "\n"
		}
	}
	return out
}

func person(id, email string) map[string]any {
	return map[string]any{"id": id, "name": map[string]any{"firstName": "Ada", "lastName": "L"},
		"emails": map[string]any{"primaryEmail": email}}
}

// newServer speaks 1.x: these tests check the shapes of Twenty before
// 1.17 (person targets, uploadFile, legacy metadata); version_test.go
// checks 2.43.
func newServer(t *testing.T) *Server { return New(t, Options{RateLimit: -1, Version: V1}) }

func TestAuth(t *testing.T) {
	s := newServer(t)
	for name, key := range map[string]string{"missing": "", "wrong": "nope"} {
		t.Run(name, func(t *testing.T) {
			r := call(t, s, key, "GET", "/rest/people", nil)
			assert.Equal(t, 401, r.status)
		})
	}
	assert.Equal(t, 200, call(t, s, s.APIKey(), "GET", "/rest/people", nil).status)
}

func TestBatchCap(t *testing.T) {
	s := newServer(t)
	mk := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = person(uuid.NewString(), fmt.Sprintf("p%d@x.org", i))
		}
		return out
	}
	r := call(t, s, s.APIKey(), "POST", "/rest/batch/people?upsert=true", mk(201))
	require.Equal(t, 400, r.status)
	assert.Contains(t, r.raw, "Maximum number of records to upsert is 200.")
	assert.Equal(t, 0, s.Count("person"))
	r = call(t, s, s.APIKey(), "POST", "/rest/batch/people?upsert=true", mk(200))
	require.Equal(t, 201, r.status, r.raw)
	assert.Len(t, r.body["data"].(map[string]any)["people"], 200)
	assert.Equal(t, 200, s.Count("person"))
}

func TestUpsertAndUnique(t *testing.T) {
	s := newServer(t)
	k := s.APIKey()
	a, b := uuid.NewString(), uuid.NewString()
	require.Equal(t, 201, call(t, s, k, "POST", "/rest/batch/people?upsert=true", []any{person(a, "ada@x.org")}).status)

	t.Run("upsert by id updates", func(t *testing.T) {
		p := person(a, "ada@x.org")
		p["jobTitle"] = "Dentist"
		r := call(t, s, k, "POST", "/rest/batch/people?upsert=true", []any{p})
		require.Equal(t, 201, r.status, r.raw)
		rec, _ := s.Record("person", a)
		assert.Equal(t, "Dentist", rec["jobTitle"])
		assert.Equal(t, 1, s.Count("person"))
		assert.Equal(t, 1, s.Stats().Updated["person"])
	})
	t.Run("create with taken email is refused", func(t *testing.T) {
		r := call(t, s, k, "POST", "/rest/batch/people", []any{person(b, "ADA@x.org")})
		assert.Equal(t, 400, r.status)
		assert.Contains(t, r.raw, "Duplicate Emails. Please set a unique one.")
	})
	t.Run("soft-deleted row keeps its email", func(t *testing.T) {
		require.Equal(t, 200, call(t, s, k, "DELETE", "/rest/people/"+a+"?soft_delete=true", nil).status)
		assert.Equal(t, 0, s.Count("person"))
		r := call(t, s, k, "POST", "/rest/people", person(b, "ada@x.org"))
		assert.Equal(t, 400, r.status, r.raw)
	})
	t.Run("upsert matching a soft-deleted email revives it", func(t *testing.T) {
		r := call(t, s, k, "POST", "/rest/batch/people?upsert=true", []any{person(b, "ada@x.org")})
		require.Equal(t, 201, r.status, r.raw)
		rec, ok := s.Record("person", a)
		require.True(t, ok)
		assert.Nil(t, rec["deletedAt"])
		_, ok = s.Record("person", b)
		assert.False(t, ok, "Twenty updates the matching record, keeping its id")
	})
	t.Run("two matches are a conflict", func(t *testing.T) {
		c := uuid.NewString()
		require.Equal(t, 201, call(t, s, k, "POST", "/rest/people", person(c, "c@x.org")).status)
		r := call(t, s, k, "POST", "/rest/batch/people?upsert=true", []any{person(c, "ada@x.org")})
		assert.Equal(t, 400, r.status)
		assert.Contains(t, r.raw, "Multiple records found with the same unique field values")
	})
	t.Run("hard delete destroys", func(t *testing.T) {
		require.Equal(t, 200, call(t, s, k, "DELETE", "/rest/people/"+a, nil).status)
		_, ok := s.Record("person", a)
		assert.False(t, ok)
	})
	t.Run("company domain is unique", func(t *testing.T) {
		co := func(id string) map[string]any {
			return map[string]any{"id": id, "name": "Acme", "domainName": map[string]any{"primaryLinkUrl": "acme.com"}}
		}
		require.Equal(t, 201, call(t, s, k, "POST", "/rest/companies", co(uuid.NewString())).status)
		r := call(t, s, k, "POST", "/rest/companies", co(uuid.NewString()))
		assert.Equal(t, 400, r.status)
		assert.Contains(t, r.raw, "Duplicate Domain Name")
	})
}

func TestValidation(t *testing.T) {
	s := newServer(t)
	k := s.APIKey()
	good := uuid.NewString()
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		msg    string
	}{
		{"unknown field", "/rest/people", map[string]any{"alertFlag": true}, 400, `Object person doesn't have any "alertFlag" field.`},
		{"unknown sub-field", "/rest/people", map[string]any{"name": map[string]any{"first": "A"}}, 400, "is not a sub-field"},
		{"bad select", "/rest/tasks", map[string]any{"status": "Done"}, 400, "Invalid value 'Done'"},
		{"good select", "/rest/tasks", map[string]any{"id": good, "status": "DONE", "dueAt": "2024-03-01T09:30:00-05:00"}, 201, ""},
		{"date-time without offset", "/rest/tasks", map[string]any{"dueAt": "2024-03-01T09:30:00"}, 400, "date-time"},
		{"missing relation target", "/rest/taskTargets", map[string]any{"taskId": good, "personId": uuid.NewString()}, 400, "does not exist"},
		{"bad id", "/rest/people", map[string]any{"id": "P-1"}, 400, "Invalid UUID"},
		{"micros as text", "/rest/companies", map[string]any{"annualRecurringRevenue": map[string]any{"amountMicros": "12", "currencyCode": "USD"}}, 400, "amountMicros"},
		{"unknown object", "/rest/patients", map[string]any{}, 400, "not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, s, k, "POST", c.path, c.body)
			assert.Equal(t, c.status, r.status, r.raw)
			assert.Contains(t, r.msgs, c.msg)
		})
	}
	t.Run("batch is all or nothing", func(t *testing.T) {
		before := s.Count("person")
		r := call(t, s, k, "POST", "/rest/batch/people?upsert=true", []any{person(uuid.NewString(), "ok@x.org"), map[string]any{"bogus": 1}})
		assert.Equal(t, 400, r.status)
		assert.Equal(t, before, s.Count("person"))
	})
}

func TestGetListPatch(t *testing.T) {
	s := newServer(t)
	k := s.APIKey()
	a, b := uuid.NewString(), uuid.NewString()
	require.Equal(t, 201, call(t, s, k, "POST", "/rest/batch/people", []any{person(a, "a@x.org"), person(b, "b@x.org")}).status)
	r := call(t, s, k, "GET", "/rest/people/"+a, nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, a, r.body["data"].(map[string]any)["person"].(map[string]any)["id"])
	assert.Equal(t, 404, call(t, s, k, "GET", "/rest/people/"+uuid.NewString(), nil).status)
	r = call(t, s, k, "GET", `/rest/people?filter=id[in]:["`+a+`"]`, nil)
	require.Equal(t, 200, r.status, r.raw)
	assert.Len(t, r.body["data"].(map[string]any)["people"], 1)
	r = call(t, s, k, "PATCH", "/rest/people/"+b, map[string]any{"jobTitle": "Hygienist"})
	require.Equal(t, 200, r.status, r.raw)
	rec, _ := s.Record("person", b)
	assert.Equal(t, "Hygienist", rec["jobTitle"])
	assert.Equal(t, 400, call(t, s, k, "PATCH", "/rest/people/"+b, map[string]any{"emails": map[string]any{"primaryEmail": "a@x.org"}}).status)
}

func TestMetadata(t *testing.T) {
	s := newServer(t)
	k := s.APIKey()
	obj := func(singular, plural string) resp {
		return call(t, s, k, "POST", "/rest/metadata/objects", map[string]any{"nameSingular": singular, "namePlural": plural,
			"labelSingular": "Perio Record", "labelPlural": "Perio Records", "icon": "IconTooth"})
	}
	for _, c := range []struct{ singular, plural, msg string }{
		{"perio_record", "perioRecords", "camelCase"},
		{"PerioRecord", "perioRecords", "camelCase"},
		{"event", "perioEvents", "not available"},
		{strings.Repeat("a", 64), "perioRecords", "too long"},
		{"person", "persons", "already exists"},
	} {
		t.Run("object "+c.singular, func(t *testing.T) {
			r := obj(c.singular, c.plural)
			assert.Equal(t, 400, r.status)
			assert.Contains(t, r.raw, c.msg)
		})
	}
	r := obj("perioRecord", "perioRecords")
	require.Equal(t, 201, r.status, r.raw)
	perio := r.body["data"].(map[string]any)["createOneObject"].(map[string]any)
	personObj, _ := s.Object("person")

	field := func(body map[string]any) resp {
		body["objectMetadataId"] = perio["id"]
		return call(t, s, k, "POST", "/rest/metadata/fields", body)
	}
	t.Run("select options", func(t *testing.T) {
		r := field(map[string]any{"name": "site", "label": "Site", "type": "SELECT", "options": []any{map[string]any{"value": "mesial", "label": "Mesial", "position": 0}}})
		assert.Equal(t, 400, r.status)
		assert.Contains(t, r.raw, "UPPER_CASE")
		r = field(map[string]any{"name": "site", "label": "Site", "type": "SELECT"})
		assert.Contains(t, r.raw, "Options are required")
		r = field(map[string]any{"name": "site", "label": "Site", "type": "SELECT", "options": []any{map[string]any{"value": "MESIAL", "label": "Mesial", "position": 0}}})
		assert.Equal(t, 201, r.status, r.raw)
	})
	t.Run("reserved field name", func(t *testing.T) {
		r := field(map[string]any{"name": "type", "label": "Type", "type": "TEXT"})
		assert.Contains(t, r.raw, "not available")
	})
	t.Run("relation creates the join column and the reverse field", func(t *testing.T) {
		r := field(map[string]any{"name": "person", "label": "Person", "type": "RELATION", "relationCreationPayload": map[string]any{
			"type": "MANY_TO_ONE", "targetObjectMetadataId": personObj.ID, "targetFieldLabel": "Perio Records", "targetFieldIcon": "IconTooth"}})
		require.Equal(t, 201, r.status, r.raw)
		pid := uuid.NewString()
		require.Equal(t, 201, call(t, s, k, "POST", "/rest/people", person(pid, "p@x.org")).status)
		r = call(t, s, k, "POST", "/rest/batch/perioRecords?upsert=true", []any{map[string]any{"personId": pid, "site": "MESIAL"}})
		require.Equal(t, 201, r.status, r.raw)
		p, _ := s.Object("person")
		assert.NotNil(t, p.field("perioRecords"))
	})
	r = call(t, s, k, "GET", "/rest/metadata/objects", nil)
	require.Equal(t, 200, r.status)
	assert.Len(t, r.body["data"].(map[string]any)["objects"], 9)
}

func TestRateLimit(t *testing.T) {
	s := New(t, Options{RateLimit: 5, RateWindow: time.Minute, RetryAfter: true})
	codes := map[int]int{}
	for range 7 {
		r := call(t, s, s.APIKey(), "GET", "/rest/people", nil)
		codes[r.status]++
		if r.status == 429 {
			assert.Contains(t, r.raw, "Limit reached (5 tokens per 60000 ms)")
			assert.NotEmpty(t, r.header.Get("Retry-After"))
		}
	}
	assert.Equal(t, map[int]int{200: 5, 429: 2}, codes)
	// Twenty throttles record queries only: the data-model API and the
	// /metadata GraphQL (file uploads, invitations) still answer.
	assert.Equal(t, 200, call(t, s, s.APIKey(), "GET", "/rest/metadata/objects", nil).status)
	assert.Equal(t, 200, call(t, s, s.APIKey(), "POST", "/metadata", map[string]any{"query": "query { __typename }"}).status)
	assert.Equal(t, 429, call(t, s, s.APIKey(), "GET", "/rest/people", nil).status)
}

func TestFaults(t *testing.T) {
	s := newServer(t)
	k := s.APIKey()
	s.FailCall(1, Fail500)
	assert.Equal(t, 500, call(t, s, k, "POST", "/rest/people", person(uuid.NewString(), "a@x.org")).status)
	assert.Equal(t, 0, s.Count("person"))

	s.FailCall(2, DropAfter)
	id := uuid.NewString()
	req, _ := http.NewRequest("POST", s.URL+"/rest/people", strings.NewReader(`{"id":"`+id+`"}`))
	req.Header.Set("Authorization", "Bearer "+k)
	_, err := http.DefaultClient.Do(req)
	require.Error(t, err, "the connection is dropped")
	_, ok := s.Record("person", id)
	assert.True(t, ok, "the write happened before the drop")

	s.FailCall(3, DropBefore)
	req, _ = http.NewRequest("POST", s.URL+"/rest/people", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+k)
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err)
	assert.Equal(t, 1, s.Count("person"))
}

func TestUploadAndAttachment(t *testing.T) {
	s := newServer(t)
	k := s.APIKey()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", `{"query":"mutation($file: Upload!, $fileFolder: FileFolder) { uploadFile(file: $file, fileFolder: $fileFolder) { path token } }","variables":{"file":null,"fileFolder":"Attachment"}}`)
	_ = mw.WriteField("map", `{"0":["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", "consent.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 test"))
	require.NoError(t, mw.Close())
	req, _ := http.NewRequest("POST", s.URL+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+k)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var out struct {
		Data struct {
			UploadFile struct{ Path string } `json:"uploadFile"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	res.Body.Close()
	data, ok := s.File(out.Data.UploadFile.Path)
	require.True(t, ok)
	assert.Equal(t, "%PDF-1.4 test", string(data))

	r := call(t, s, k, "POST", "/rest/attachments", map[string]any{"name": "consent.pdf", "fullPath": "attachment/missing.pdf"})
	assert.Equal(t, 400, r.status)
	r = call(t, s, k, "POST", "/rest/attachments", map[string]any{"name": "consent.pdf", "fullPath": out.Data.UploadFile.Path, "fileCategory": "TEXT_DOCUMENT"})
	assert.Equal(t, 201, r.status, r.raw)
}

func TestDestroyMany(t *testing.T) {
	s := newServer(t)
	var ids []string
	var batch []map[string]any
	for i := range 150 {
		id := uuid.NewString()
		ids = append(ids, id)
		batch = append(batch, person(id, fmt.Sprintf("p%d@example.com", i)))
	}
	require.Equal(t, 201, call(t, s, s.APIKey(), "POST", "/rest/batch/people", batch).status)
	filter := func(list []string) string {
		b, _ := json.Marshal(list)
		return "/rest/people?filter=" + url.QueryEscape("id[in]:"+string(b))
	}
	cases := []struct {
		name   string
		key    string
		path   string
		status int
		msg    string
		left   int
	}{
		{"no API key", "", filter(ids[:2]), 401, "Token invalid", 150},
		{"no filter", s.APIKey(), "/rest/people", 400, "Filters are mandatory", 150},
		{"over the 100-record cap", s.APIKey(), filter(ids[:101]), 400, "more than 100", 150},
		{"bad uuid", s.APIKey(), filter([]string{"x"}), 400, "Invalid UUID", 150},
		{"100 destroyed", s.APIKey(), filter(ids[:100]), 200, "", 50},
		{"soft delete keeps the row", s.APIKey(), filter(ids[100:110]) + "&soft_delete=true", 200, "", 40},
		{"already gone is not an error", s.APIKey(), filter(ids[:3]), 200, "", 40},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, s, c.key, "DELETE", c.path, nil)
			require.Equal(t, c.status, r.status, r.raw)
			assert.Contains(t, r.msgs, c.msg)
			assert.Equal(t, c.left, s.Count("person"))
		})
	}
	_, kept := s.Record("person", ids[0])
	assert.False(t, kept, "destroyed, not soft-deleted")
	soft, kept := s.Record("person", ids[100])
	require.True(t, kept, "soft_delete=true keeps the row")
	assert.NotNil(t, soft["deletedAt"])
	r := call(t, s, s.APIKey(), "DELETE", filter(ids[:3]), nil)
	assert.Empty(t, r.body["data"].(map[string]any)["deletePeople"], "nothing left to destroy")
	r = call(t, s, s.APIKey(), "DELETE", filter(ids[110:112]), nil)
	assert.Len(t, r.body["data"].(map[string]any)["deletePeople"], 2)
}
