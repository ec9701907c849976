package twentytest

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newV2(t *testing.T) *Server { return New(t, Options{RateLimit: -1, Version: V2_43}) }

func gql(t *testing.T, s *Server, key, path, query string, vars map[string]any) resp {
	t.Helper()
	return call(t, s, key, "POST", path, map[string]any{"query": query, "variables": vars})
}

func TestVersionStated(t *testing.T) {
	for _, c := range []struct{ version, app string }{{V2_43, "2.43.0"}, {V1, "1.16.0"}, {"", "2.43.0"}} {
		t.Run(c.version, func(t *testing.T) {
			s := New(t, Options{RateLimit: -1, Version: c.version})
			r := call(t, s, "", "GET", "/client-config", nil)
			require.Equal(t, 200, r.status, "the client config is public")
			assert.Equal(t, c.app, r.body["appVersion"])
			r = gql(t, s, s.APIKey(), "/graphql", "query { clientConfig { appVersion } }", nil)
			assert.Equal(t, c.app, r.body["data"].(map[string]any)["clientConfig"].(map[string]any)["appVersion"])
		})
	}
	assert.Panics(t, func() { New(t, Options{Version: "3.0"}) })
}

func TestStandardObjects243(t *testing.T) {
	s := newV2(t)
	has := func(object, field string) bool {
		o, ok := s.Object(object)
		require.True(t, ok, object)
		return o.field(field) != nil
	}
	for _, gone := range []string{"person.city", "person.xLink", "company.employees", "company.idealCustomerProfile",
		"company.annualRecurringRevenue", "attachment.author", "attachment.type", "noteTarget.person", "taskTarget.person"} {
		o, f, _ := strings.Cut(gone, ".")
		assert.False(t, has(o, f), gone)
	}
	for _, there := range []string{"company.annualRevenue", "noteTarget.targetPerson", "taskTarget.targetCompany",
		"attachment.file", "attachment.targetNote", "person.emails", "workspaceMember.userEmail"} {
		o, f, _ := strings.Cut(there, ".")
		assert.True(t, has(o, f), there)
	}
	note, _ := s.Object("note")
	assert.Equal(t, "RICH_TEXT", note.field("bodyV2").Type)
	// targetPersonId is the join column of a 2.43 note target.
	p, n := uuid.NewString(), uuid.NewString()
	require.Equal(t, 201, call(t, s, s.APIKey(), "POST", "/rest/people", person(p, "a@x.org")).status)
	require.Equal(t, 201, call(t, s, s.APIKey(), "POST", "/rest/notes", map[string]any{"id": n, "title": "t"}).status)
	r := call(t, s, s.APIKey(), "POST", "/rest/noteTargets", map[string]any{"noteId": n, "targetPersonId": p})
	assert.Equal(t, 201, r.status, r.raw)
	r = call(t, s, s.APIKey(), "POST", "/rest/noteTargets", map[string]any{"noteId": n, "personId": p})
	assert.Equal(t, 400, r.status, r.raw)
}

func TestMetadataShapes(t *testing.T) {
	t.Run("1.x", func(t *testing.T) {
		s := newServer(t)
		r := call(t, s, s.APIKey(), "GET", "/rest/metadata/objects", nil)
		require.Equal(t, 200, r.status)
		assert.Len(t, r.body["data"].(map[string]any)["objects"], 8)
		r = call(t, s, s.APIKey(), "POST", "/rest/metadata/objects", map[string]any{"nameSingular": "perioRecord",
			"namePlural": "perioRecords", "labelSingular": "Perio Record", "labelPlural": "Perio Records"})
		require.Equal(t, 201, r.status, r.raw)
		assert.NotEmpty(t, r.body["data"].(map[string]any)["createOneObject"].(map[string]any)["id"])
	})
	t.Run("2.43", func(t *testing.T) {
		s := newV2(t)
		r := call(t, s, s.APIKey(), "GET", "/rest/metadata/objects", nil)
		require.Equal(t, 200, r.status)
		data := r.body["data"].([]any)
		assert.Len(t, data, 8)
		assert.EqualValues(t, 8, r.body["totalCount"])
		assert.Equal(t, false, r.body["pageInfo"].(map[string]any)["hasNextPage"])
		assert.NotEmpty(t, data[0].(map[string]any)["fields"], "objects come with their fields")
		r = call(t, s, s.APIKey(), "POST", "/rest/metadata/objects", map[string]any{"nameSingular": "perioRecord",
			"namePlural": "perioRecords", "labelSingular": "Perio Record", "labelPlural": "Perio Records"})
		require.Equal(t, 201, r.status, r.raw)
		id, _ := r.body["id"].(string)
		require.NotEmpty(t, id, "a create answers the bare object")
		nt, _ := s.Object("noteTarget")
		assert.NotNil(t, nt.field("targetPerioRecord"), "a custom object becomes a target<Object> of note targets")
		r = call(t, s, s.APIKey(), "POST", "/rest/metadata/fields", map[string]any{"objectMetadataId": id,
			"type": "TEXT", "name": "tooth", "label": "Tooth"})
		require.Equal(t, 201, r.status, r.raw)
		assert.Equal(t, "tooth", r.body["name"])
	})
}

func TestMetadataPaging(t *testing.T) {
	s := newV2(t)
	k := s.APIKey()
	all := call(t, s, k, "GET", "/rest/metadata/fields?limit=200", nil)
	require.Equal(t, 200, all.status, all.raw)
	total := int(all.body["totalCount"].(float64))
	require.Greater(t, total, 60, "enough fields to need pages")

	t.Run("60 by default, by id descending", func(t *testing.T) {
		r := call(t, s, k, "GET", "/rest/metadata/fields", nil)
		data := r.body["data"].([]any)
		require.Len(t, data, 60)
		for i := 1; i < len(data); i++ {
			assert.Greater(t, data[i-1].(map[string]any)["id"], data[i].(map[string]any)["id"])
		}
		pi := r.body["pageInfo"].(map[string]any)
		assert.Equal(t, true, pi["hasNextPage"])
		assert.Equal(t, false, pi["hasPreviousPage"])
		assert.Equal(t, data[59].(map[string]any)["id"], pi["endCursor"])
		assert.EqualValues(t, total, r.body["totalCount"], "totalCount counts every item")
	})
	t.Run("limit is clamped to 200", func(t *testing.T) {
		assert.Len(t, call(t, s, k, "GET", "/rest/metadata/fields?limit=5000", nil).body["data"], min(total, 200))
	})
	t.Run("starting_after walks every item once", func(t *testing.T) {
		seen := map[string]bool{}
		cursor := ""
		for page := 0; page < 100; page++ {
			p := "/rest/metadata/fields?limit=7"
			if cursor != "" {
				p += "&starting_after=" + cursor
			}
			r := call(t, s, k, "GET", p, nil)
			require.Equal(t, 200, r.status, r.raw)
			for _, f := range r.body["data"].([]any) {
				id := f.(map[string]any)["id"].(string)
				assert.False(t, seen[id], "seen twice: %s", id)
				seen[id] = true
			}
			pi := r.body["pageInfo"].(map[string]any)
			assert.Equal(t, cursor != "", pi["hasPreviousPage"])
			if pi["hasNextPage"] != true {
				break
			}
			cursor = pi["endCursor"].(string)
		}
		assert.Len(t, seen, total)
	})
	t.Run("ending_before pages back", func(t *testing.T) {
		first := call(t, s, k, "GET", "/rest/metadata/objects?limit=3", nil)
		second := call(t, s, k, "GET", "/rest/metadata/objects?limit=3&starting_after="+first.body["pageInfo"].(map[string]any)["endCursor"].(string), nil)
		back := call(t, s, k, "GET", "/rest/metadata/objects?limit=3&ending_before="+second.body["pageInfo"].(map[string]any)["startCursor"].(string), nil)
		require.Equal(t, 200, back.status, back.raw)
		ids := func(r resp) (out []string) {
			for _, o := range r.body["data"].([]any) {
				out = append(out, o.(map[string]any)["id"].(string))
			}
			return out
		}
		assert.Equal(t, ids(first), ids(back))
		assert.Equal(t, true, back.body["pageInfo"].(map[string]any)["hasNextPage"])
	})
	for name, q := range map[string]string{
		"bad cursor":   "starting_after=nope",
		"both cursors": "starting_after=" + uuid.NewString() + "&ending_before=" + uuid.NewString(),
		"bad limit":    "limit=ten",
		"negative":     "limit=-1",
	} {
		t.Run(name, func(t *testing.T) {
			r := call(t, s, k, "GET", "/rest/metadata/objects?"+q, nil)
			assert.Equal(t, 400, r.status, r.raw)
		})
	}
}

func TestDataModelPermission(t *testing.T) {
	for _, v := range []string{V2_43, V1} {
		t.Run(v, func(t *testing.T) {
			s := New(t, Options{RateLimit: -1, Version: v})
			s.DenyDataModel()
			r := call(t, s, s.APIKey(), "GET", "/rest/metadata/objects", nil)
			if v == V1 {
				assert.Equal(t, 200, r.status, "1.x mode does not model the permission")
				return
			}
			require.Equal(t, 403, r.status)
			assert.Equal(t, "Entity performing the request does not have permission\n", r.msgs)
			assert.Equal(t, "PERMISSION_DENIED", r.body["code"])
			assert.Equal(t, 200, call(t, s, s.APIKey(), "GET", "/rest/people", nil).status, "records stay readable")
		})
	}
}

func TestWorkspaceMembersByInvitation(t *testing.T) {
	member := map[string]any{"id": uuid.NewString(), "userEmail": "dr@x.org", "name": map[string]any{"firstName": "A", "lastName": "B"}}
	t.Run("1.x takes members from the key", func(t *testing.T) {
		s := newServer(t)
		assert.Equal(t, 201, call(t, s, s.APIKey(), "POST", "/rest/workspaceMembers", member).status)
	})
	s := newV2(t)
	k := s.APIKey()
	for _, p := range []string{"/rest/workspaceMembers", "/rest/batch/workspaceMembers"} {
		body := any(member)
		if strings.Contains(p, "batch") {
			body = []any{member}
		}
		r := call(t, s, k, "POST", p, body)
		assert.Equal(t, 403, r.status, p)
		assert.Contains(t, r.msgs, "Entity performing the request does not have permission", p)
	}
	assert.Equal(t, 0, s.Count("workspaceMember"))

	const send = `mutation($emails: [String!]!, $roleId: UUID) { sendInvitations(emails: $emails, roleId: $roleId) { success errors result { id email expiresAt } } }`
	r := gql(t, s, k, "/metadata", send, map[string]any{"emails": []string{"dr@x.org"}})
	require.Equal(t, 200, r.status)
	errs := r.body["errors"].([]any)
	assert.Equal(t, "FORBIDDEN", errs[0].(map[string]any)["extensions"].(map[string]any)["code"], "an API key may not invite")
	assert.Empty(t, s.Invitations())

	r = gql(t, s, s.UserToken(), "/metadata", send, map[string]any{"emails": []string{"Dr@x.org", "nurse@x.org"}})
	out := r.body["data"].(map[string]any)["sendInvitations"].(map[string]any)
	assert.Equal(t, true, out["success"])
	assert.Len(t, out["result"], 2)
	assert.ElementsMatch(t, []string{"dr@x.org", "nurse@x.org"}, s.Invitations())

	_, err := s.Join("stranger@x.org", "No One")
	assert.Error(t, err, "only the invited join")
	id, err := s.Join("dr@x.org", "Ada Lovelace")
	require.NoError(t, err)
	rec, ok := s.Record("workspaceMember", id)
	require.True(t, ok)
	assert.Equal(t, "dr@x.org", rec["userEmail"])
	assert.Equal(t, []string{"nurse@x.org"}, s.Invitations())
	r = call(t, s, k, "GET", "/rest/workspaceMembers", nil)
	assert.Len(t, r.body["data"].(map[string]any)["workspaceMembers"], 1)

	r = gql(t, s, s.UserToken(), "/metadata", send, map[string]any{"emails": []string{"dr@x.org"}})
	out = r.body["data"].(map[string]any)["sendInvitations"].(map[string]any)
	assert.Equal(t, false, out["success"], "a member is not invited again")
	assert.Len(t, out["errors"], 1)
}

const (
	createUpload   = `mutation($filename: String!, $size: Float!, $fileFolder: FileFolder!, $fieldMetadataId: String) { createFileUpload(filename: $filename, size: $size, fileFolder: $fileFolder, fieldMetadataId: $fieldMetadataId) { fileId uploadUrl contentType expiresAt } }`
	completeUpload = `mutation($fileId: String!) { completeFileUpload(fileId: $fileId) { id path size createdAt url } }`
)

func put(t *testing.T, u string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest("PUT", u, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

func TestFilesV2(t *testing.T) {
	s := newV2(t)
	k := s.APIKey()
	att, _ := s.Object("attachment")
	fileField := att.field("file").ID
	pdf := []byte("%PDF-1.4 perio chart")
	start := func(size any) resp {
		return gql(t, s, k, "/metadata", createUpload, map[string]any{"filename": "chart.pdf", "size": size,
			"fileFolder": "FilesField", "fieldMetadataId": fileField})
	}

	r := start(len(pdf))
	target := r.body["data"].(map[string]any)["createFileUpload"].(map[string]any)
	fileID := target["fileId"].(string)
	up := target["uploadUrl"].(string)
	assert.Equal(t, "application/octet-stream", target["contentType"])
	assert.True(t, strings.HasPrefix(up, s.URL+"/file-upload/"+fileID+"?token="), up)

	r = gql(t, s, k, "/metadata", completeUpload, map[string]any{"fileId": fileID})
	assert.NotEmpty(t, r.body["errors"], "nothing to complete before the bytes arrive")

	pu, _ := url.Parse(up)
	bad := *pu
	bad.RawQuery = "token=nope"
	assert.Equal(t, 403, put(t, bad.String(), pdf), "the upload URL's token authorises the PUT")
	assert.Equal(t, 400, put(t, up, pdf[:3]), "fewer bytes than declared")
	assert.Equal(t, 204, put(t, up, pdf))
	assert.Equal(t, 400, put(t, up, pdf), "a file is uploaded once")

	r = gql(t, s, k, "/metadata", completeUpload, map[string]any{"fileId": fileID})
	done := r.body["data"].(map[string]any)["completeFileUpload"].(map[string]any)
	assert.Equal(t, fileID, done["id"])
	assert.EqualValues(t, len(pdf), done["size"])
	assert.True(t, strings.HasPrefix(done["path"].(string), "FilesField/"), done["path"])
	got, ok := s.FileByID(fileID)
	require.True(t, ok)
	assert.Equal(t, pdf, got)
	res, err := http.Get(done["url"].(string))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, pdf, body, "the signed url serves the bytes")

	p := uuid.NewString()
	require.Equal(t, 201, call(t, s, k, "POST", "/rest/people", person(p, "p@x.org")).status)
	r = call(t, s, k, "POST", "/rest/attachments", map[string]any{"name": "chart.pdf", "targetPersonId": p,
		"file": []any{map[string]any{"fileId": fileID, "label": "chart.pdf"}}})
	require.Equal(t, 201, r.status, r.raw)
	for name, body := range map[string]map[string]any{
		"unknown file":  {"file": []any{map[string]any{"fileId": uuid.NewString(), "label": "x"}}},
		"author is 1.x": {"authorId": uuid.NewString()},
		"type is 1.x":   {"type": "pdf"},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, 400, call(t, s, k, "POST", "/rest/attachments", body).status)
		})
	}
	t.Run("size and folder are checked", func(t *testing.T) {
		for _, size := range []any{0, 1.5, 2 << 30} {
			assert.NotEmpty(t, start(size).body["errors"], fmt.Sprint(size))
		}
		r := gql(t, s, k, "/metadata", createUpload, map[string]any{"filename": "a.pdf", "size": 3, "fileFolder": "Attachment"})
		assert.NotEmpty(t, r.body["errors"])
		r = gql(t, s, k, "/metadata", createUpload, map[string]any{"filename": "a.pdf", "size": 3, "fileFolder": "FilesField",
			"fieldMetadataId": att.field("name").ID})
		assert.NotEmpty(t, r.body["errors"], "not a files field")
	})
	t.Run("uploadFile is gone", func(t *testing.T) {
		assert.Contains(t, uploadMultipart(t, s), "Cannot query field \\\"uploadFile\\\"")
	})
}

// uploadMultipart sends 1.x's uploadFile multipart mutation and returns
// the raw answer.
func uploadMultipart(t *testing.T, s *Server) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", `{"query":"mutation($file: Upload!, $fileFolder: FileFolder) { uploadFile(file: $file, fileFolder: $fileFolder) { path token } }","variables":{"file":null,"fileFolder":"Attachment"}}`)
	_ = mw.WriteField("map", `{"0":["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", "consent.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 test"))
	require.NoError(t, mw.Close())
	req, _ := http.NewRequest("POST", s.URL+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.APIKey())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return string(raw)
}
