package twenty

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

var errAttachmentFile = errors.New("attachment file")

// uploadFields are the attachment fields the upload fills (fullPath with
// uploadFile, file with Files v2): set at send time, they are not part of
// the payload hash, and verify compares the file's checksum instead.
var uploadFields = []string{"fullPath", "file"}

// uploadAttachment reads the row's file from its load batch's export
// directory, checks its SHA-256, uploads it the way the workspace takes
// files (Detect) and returns the payload fields that point at it:
// file: [{fileId, label}] with Files v2, fullPath with uploadFile (1.x).
func uploadAttachment(ctx context.Context, c *Client, r Row, batchDirs map[int64]string) (Record, error) {
	name, data, err := attachmentFile(r, batchDirs)
	if err != nil {
		return nil, err
	}
	if ws := c.workspace(); ws.FilesV2 {
		id, err := c.UploadFile(ctx, name, data, ws.FileFieldID)
		if err != nil {
			return nil, err
		}
		label := fmt.Sprint(orEmpty(r.Payload["name"]))
		if label == "" {
			label = name
		}
		return Record{"file": []any{map[string]any{"fileId": id, "label": label}}}, nil
	}
	path, err := c.Upload(ctx, name, data)
	if err != nil {
		return nil, err
	}
	return Record{"fullPath": path}, nil
}

// attachmentFile reads the row's file and checks it against the export's
// SHA-256.
func attachmentFile(r Row, batchDirs map[int64]string) (string, []byte, error) {
	rel := fmt.Sprint(orEmpty(r.Meta["_file_path"]))
	if rel == "" {
		return "", nil, fmt.Errorf("%w: no _file_path", errAttachmentFile)
	}
	batch, _ := r.Meta["_batch_id"].(int64)
	if b32, ok := r.Meta["_batch_id"].(int32); ok {
		batch = int64(b32)
	}
	dir, ok := batchDirs[batch]
	if !ok {
		return "", nil, fmt.Errorf("%w: load batch %d is not in meta.load_batch", errAttachmentFile, batch)
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return "", nil, fmt.Errorf("%w: _file_path %q leaves the export directory", errAttachmentFile, rel)
	}
	path := filepath.Join(dir, clean)
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", errAttachmentFile, err)
	}
	sum := sha256.Sum256(data)
	if want := fmt.Sprint(orEmpty(r.Meta["_file_sha256"])); want != "" && !strings.EqualFold(want, hex.EncodeToString(sum[:])) {
		return "", nil, fmt.Errorf("%w: %s has SHA-256 %s, the export recorded %s", errAttachmentFile, path, hex.EncodeToString(sum[:]), want)
	}
	return filepath.Base(path), data, nil
}

// UploadFile stores a file for a FILES field the Files v2 way (Twenty 2.x):
// createFileUpload(filename, size, fileFolder: FilesField, fieldMetadataId)
// on /metadata answers an upload URL, the bytes are PUT there with the
// content type it names (a signed URL: no API key, as twenty-sdk's own
// upload does), and completeFileUpload(fileId) registers the file. The
// file is then read back from the URL completeFileUpload answers and its
// SHA-256 compared with what was sent. It returns the file id a FILES
// value points at.
func (c *Client) UploadFile(ctx context.Context, filename string, data []byte, fieldID string) (string, error) {
	var target struct {
		CreateFileUpload struct {
			FileID      string `json:"fileId"`
			UploadURL   string `json:"uploadUrl"`
			ContentType string `json:"contentType"`
		} `json:"createFileUpload"`
	}
	err := c.metadataGraphQL(ctx, `mutation CreateFileUpload($filename: String!, $size: Float!, $fileFolder: FileFolder!, $fieldMetadataId: String) {
  createFileUpload(filename: $filename, size: $size, fileFolder: $fileFolder, fieldMetadataId: $fieldMetadataId) { fileId uploadUrl contentType expiresAt }
}`, map[string]any{"filename": filename, "size": len(data), "fileFolder": "FilesField", "fieldMetadataId": fieldID}, &target)
	if err != nil {
		return "", err
	}
	t := target.CreateFileUpload
	if t.FileID == "" || t.UploadURL == "" {
		return "", fmt.Errorf("twenty: createFileUpload %s: no fileId or uploadUrl in the answer", filename)
	}
	if err := c.transfer(ctx, http.MethodPut, t.UploadURL, data, t.ContentType, nil); err != nil {
		return "", fmt.Errorf("twenty: upload %s: %w", filename, err)
	}
	var done struct {
		CompleteFileUpload struct {
			ID   string  `json:"id"`
			Size float64 `json:"size"`
			URL  string  `json:"url"`
		} `json:"completeFileUpload"`
	}
	err = c.metadataGraphQL(ctx, `mutation CompleteFileUpload($fileId: String!) {
  completeFileUpload(fileId: $fileId) { id path size createdAt url }
}`, map[string]any{"fileId": t.FileID}, &done)
	if err != nil {
		return "", err
	}
	f := done.CompleteFileUpload
	if int(f.Size) != len(data) {
		return "", fmt.Errorf("%w: %s: Twenty stored %d bytes, %d were sent", errAttachmentFile, filename, int(f.Size), len(data))
	}
	if f.URL != "" {
		var back []byte
		if err := c.transfer(ctx, http.MethodGet, f.URL, nil, "", &back); err != nil {
			return "", fmt.Errorf("twenty: read back %s: %w", filename, err)
		}
		if sha256.Sum256(back) != sha256.Sum256(data) {
			return "", fmt.Errorf("%w: %s: the file Twenty serves differs from the one sent (SHA-256)", errAttachmentFile, filename)
		}
	}
	return t.FileID, nil
}

// transfer moves bytes to or from a file storage URL (an upload or a
// signed download URL, absolute or relative to the server), with the
// client's retries on network errors and 5xx. The API key is sent only to
// the Twenty server itself, never to another host.
func (c *Client) transfer(ctx context.Context, method, raw string, body []byte, contentType string, out *[]byte) error {
	u, err := c.base.Parse(raw)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
		if err != nil {
			return err
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if u.Host == c.base.Host && strings.HasPrefix(u.Path, c.base.Path) && method == http.MethodGet && !u.Query().Has("token") {
			req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
		}
		res, err := c.http.Do(req)
		status := 0
		if err == nil {
			var b []byte
			b, err = io.ReadAll(io.LimitReader(res.Body, 1<<30))
			res.Body.Close()
			status = res.StatusCode
			if err == nil && status < 300 {
				if out != nil {
					*out = b
				}
				return nil
			}
			if err == nil && status < 500 {
				return apiError(method, u.Path, status, b)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= c.cfg.MaxRetries {
			if err != nil {
				return err
			}
			return fmt.Errorf("%s %s: %d after %d retries", method, u.Path, status, attempt)
		}
		t := time.NewTimer(c.backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// metadataGraphQL runs one query on /metadata and decodes its data into
// out; a GraphQL error becomes an *APIError (a refusal no record caused
// becomes a *StopError, as on REST).
func (c *Client) metadataGraphQL(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	b, err := c.do(ctx, http.MethodPost, "/metadata", body, "application/json")
	if err != nil {
		return err
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return fmt.Errorf("twenty: /metadata: %w", err)
	}
	if len(resp.Errors) > 0 {
		ae := &APIError{Method: http.MethodPost, Path: "/metadata", Status: http.StatusBadRequest}
		for _, e := range resp.Errors {
			ae.Messages = append(ae.Messages, e.Message)
			switch e.Extensions.Code {
			case "FORBIDDEN":
				ae.Status = http.StatusForbidden
			case "UNAUTHENTICATED":
				ae.Status = http.StatusUnauthorized
			}
		}
		return refusal(ae)
	}
	return json.Unmarshal(resp.Data, out)
}
