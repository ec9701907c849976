package twentytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"
)

// maxDirectUpload is settings.storage.maxDirectUploadFileSize ("1GB" read
// by the bytes package) of twenty-server's engine/constants/settings.
const maxDirectUpload = 1 << 30

// upload is a Files v2 file (Twenty's FileEntity): pending from
// createFileUpload, uploaded by the PUT, completed by completeFileUpload.
type upload struct {
	id, name, folder, fieldID, path, token string
	size                                   int
	data                                   []byte
	uploaded, completed                    bool
	createdAt                              time.Time
}

// FileByID returns the bytes uploaded for a Files v2 file id (the fileId
// an attachment's file field holds), once the PUT has delivered them.
func (s *Server) FileByID(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok || !u.uploaded {
		return nil, false
	}
	return append([]byte(nil), u.data...), true
}

type gqlRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables"`
}

type gqlErr struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

func writeGQLError(w http.ResponseWriter, code, format string, a ...any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": nil,
		"errors": []gqlErr{{Message: fmt.Sprintf(format, a...), Extensions: map[string]any{"code": code}}}})
}

// handleMetadataGraphQL serves the /metadata GraphQL mutations the
// exporter uses in 2.43, read from the operation's variables (arguments
// written inline in the query text are not read: see DIFFERENCES.md):
//   - createFileUpload(filename, size, fileFolder, fieldMetadataId) →
//     FileUploadTarget {fileId, uploadUrl, contentType, expiresAt}
//     (file-upload.service.ts createFileUpload, file-upload-target.service.ts);
//   - completeFileUpload(fileId) → FileWithSignedUrl {id, path, size,
//     createdAt, url};
//   - sendInvitations(emails, roleId) → SendInvitations {success, errors,
//     result}; only for a user: WorkspaceInvitationResolver.sendInvitations
//     has @UseGuards(UserAuthGuard), which refuses an API key (no user on
//     the request), and Nest's ForbiddenException("Forbidden resource")
//     becomes a GraphQL ForbiddenError, code FORBIDDEN.
func (s *Server) handleMetadataGraphQL(w http.ResponseWriter, r *http.Request, isUser bool) {
	var req gqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeGQLError(w, "BAD_USER_INPUT", "invalid GraphQL request body: %v", err)
		return
	}
	if !s.v2() {
		writeGQLError(w, "GRAPHQL_VALIDATION_FAILED", "this test server serves no /metadata GraphQL in %s mode", V1)
		return
	}
	v := req.Variables
	str := func(k string) string { x, _ := v[k].(string); return x }
	switch {
	case strings.Contains(req.Query, "createFileUpload"):
		s.createFileUpload(w, str("filename"), v["size"], str("fileFolder"), str("fieldMetadataId"))
	case strings.Contains(req.Query, "completeFileUpload"):
		s.completeFileUpload(w, str("fileId"))
	case strings.Contains(req.Query, "sendInvitations"):
		if !isUser {
			writeGQLError(w, "FORBIDDEN", "Forbidden resource")
			return
		}
		var emails []string
		list, _ := v["emails"].([]any)
		for _, e := range list {
			if es, ok := e.(string); ok {
				emails = append(emails, es)
			}
		}
		s.sendInvitations(w, emails, v["roleId"])
	default:
		writeGQLError(w, "GRAPHQL_VALIDATION_FAILED", "this test server serves only createFileUpload, completeFileUpload and sendInvitations on /metadata")
	}
}

var directUploadFolders = map[string]bool{"FilesField": true, "Workflow": true, "EmailAttachment": true, "AgentChat": true, "EmailImage": true}

func (s *Server) createFileUpload(w http.ResponseWriter, filename string, sizeArg any, folder, fieldID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !directUploadFolders[folder] {
		writeGQLError(w, "BAD_USER_INPUT", "Direct upload is not supported for file folder %s", folder)
		return
	}
	size, ok := sizeArg.(float64)
	if !ok || size != float64(int(size)) || size <= 0 || size > maxDirectUpload {
		writeGQLError(w, "BAD_USER_INPUT", "Invalid file size %v (max %d bytes)", sizeArg, maxDirectUpload)
		return
	}
	var f *Field
	if folder == "FilesField" {
		if fieldID == "" {
			writeGQLError(w, "BAD_USER_INPUT", "fieldMetadataId or fieldMetadataUniversalIdentifier must be provided")
			return
		}
		for _, o := range s.objects {
			for _, c := range o.Fields {
				if c.ID == fieldID {
					f = c
				}
			}
		}
		if f == nil {
			writeGQLError(w, "BAD_USER_INPUT", "Files field %s not found", fieldID)
			return
		}
		if f.Type != "FILES" {
			writeGQLError(w, "BAD_USER_INPUT", "Field %s is not a files field", f.ID)
			return
		}
	}
	id := uuid.NewString()
	name := id
	if ext := strings.TrimPrefix(path.Ext(filename), "."); ext != "" {
		name += "." + ext
	}
	u := &upload{id: id, name: filename, folder: folder, fieldID: fieldID, size: int(size),
		path: folder + "/" + fieldID + "/" + name, token: uuid.NewString(), createdAt: s.now()}
	s.uploads[id] = u
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"createFileUpload": map[string]any{
		"fileId": id,
		// file-upload-target.service.ts without presigned storage: the
		// server's own streaming endpoint, authorised by the token in the
		// query string (FileUploadTokenGuard), not by the Bearer key.
		"uploadUrl":   fmt.Sprintf("%s/file-upload/%s?token=%s", s.URL, id, u.token),
		"contentType": "application/octet-stream",
		"expiresAt":   s.now().Add(time.Hour).Format("2006-01-02T15:04:05.000Z"),
	}}})
}

// handleFileUpload is PUT /file-upload/:id?token= (FileUploadController
// uploadFileById): 204 when the bytes are exactly the declared size.
func (s *Server) handleFileUpload(w http.ResponseWriter, r *http.Request, id string) {
	forbidden := func() {
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"})
	}
	s.mu.Lock()
	u, ok := s.uploads[id]
	s.mu.Unlock()
	if r.Method != http.MethodPut {
		writeError(w, &apiError{status: 404, msg: "Cannot " + r.Method + " " + r.URL.Path})
		return
	}
	if !ok || r.URL.Query().Get("token") != u.token {
		forbidden()
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(u.size)+1))
	if err != nil {
		writeError(w, badRequest("read upload: %v", err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case u.uploaded:
		writeError(w, badRequest("File %s is not awaiting an upload", id))
	case len(data) > u.size:
		writeError(w, badRequest("Upload exceeds declared size of %d bytes", u.size))
	case len(data) != u.size:
		writeError(w, badRequest("Uploaded %d bytes but %d were declared", len(data), u.size))
	default:
		u.data, u.uploaded = data, true
		s.stats.Uploads++
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) completeFileUpload(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok {
		writeGQLError(w, "NOT_FOUND", "File not found: %s", id)
		return
	}
	// Twenty's completion finds the stored object and its size; a file
	// whose PUT never arrived has none.
	if !u.uploaded || len(u.data) != u.size {
		writeGQLError(w, "BAD_USER_INPUT", "File %s has not been uploaded", id)
		return
	}
	u.completed = true
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"completeFileUpload": map[string]any{
		"id": u.id, "path": u.path, "size": u.size,
		"createdAt": u.createdAt.Format("2006-01-02T15:04:05.000Z"),
		"url":       fmt.Sprintf("%s/file/%s/%s?token=%s", s.URL, u.folder, u.id, u.token),
	}}})
}

// handleFileGet serves a completed file's bytes at the signed url
// completeFileUpload answered.
func (s *Server) handleFileGet(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	u, ok := s.uploads[id]
	s.mu.Unlock()
	if r.Method != http.MethodGet || !ok || !u.completed || r.URL.Query().Get("token") != u.token {
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(u.data)
}

func (s *Server) sendInvitations(w http.ResponseWriter, emails []string, roleID any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	result, errs := []invitation{}, []string{}
	for _, e := range emails {
		e = strings.ToLower(strings.TrimSpace(e))
		if !strings.Contains(e, "@") {
			errs = append(errs, fmt.Sprintf("%s is not a valid email", e))
			continue
		}
		member := false
		s.tables["workspaceMember"].each(func(_ string, m map[string]any) bool {
			member = member || strings.EqualFold(fmt.Sprint(m["userEmail"]), e)
			return !member
		})
		if member {
			errs = append(errs, fmt.Sprintf("%s is already in the workspace", e))
			continue
		}
		result = append(result, s.invite(e, roleID))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"sendInvitations": map[string]any{
		"success": len(errs) == 0, "errors": errs, "result": result}}})
}

// dropFiles deletes the files a destroyed record's FILES fields held, as
// Twenty 2.x does (core-modules/file/files-field/listeners/
// files-field-deletion.listener.ts queues FilesFieldDeletionJob on every
// DESTROYED batch event; here it happens at once).
func (s *Server) dropFiles(o *Object, rec map[string]any) {
	if !s.v2() {
		return
	}
	for _, f := range o.Fields {
		if f.Type != "FILES" {
			continue
		}
		items, _ := rec[f.Name].([]any)
		for _, x := range items {
			if m, ok := x.(map[string]any); ok {
				if id, ok := m["fileId"].(string); ok {
					delete(s.uploads, id)
				}
			}
		}
	}
}

// Files is how many Files v2 files the server holds (uploaded or not).
func (s *Server) Files() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.uploads)
}

// checkFiles validates a FILES value in 2.43: [{fileId, label}], each file
// completed through the upload flow into this field.
func (s *Server) checkFiles(o *Object, f *Field, v any) (any, *apiError) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, badRequest("Invalid value for field \"%s\" of object %s: expected an array of {fileId, label}", f.Name, o.NameSingular)
	}
	for _, x := range arr {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, badRequest("Invalid value for field \"%s\" of object %s: expected an array of {fileId, label}", f.Name, o.NameSingular)
		}
		for k := range m {
			if k != "fileId" && k != "label" && k != "extension" {
				return nil, badRequest("Invalid composite field: \"%s\" is not a sub-field of %s (FILES)", k, f.Name)
			}
		}
		id, _ := m["fileId"].(string)
		u, ok := s.uploads[id]
		if !ok || !u.completed {
			return nil, badRequest("File %s not found", id)
		}
		if u.fieldID != f.ID {
			return nil, badRequest("File %s was not uploaded for field %s", id, f.Name)
		}
	}
	return arr, nil
}
