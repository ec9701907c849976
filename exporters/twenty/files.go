package twenty

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

var errAttachmentFile = errors.New("attachment file")

// uploadAttachment reads the row's file from its load batch's export
// directory, checks its SHA-256 and uploads it.
func uploadAttachment(ctx context.Context, c *Client, r Row, batchDirs map[int64]string) (string, error) {
	rel := fmt.Sprint(orEmpty(r.Meta["_file_path"]))
	if rel == "" {
		return "", fmt.Errorf("%w: no _file_path", errAttachmentFile)
	}
	batch, _ := r.Meta["_batch_id"].(int64)
	if b32, ok := r.Meta["_batch_id"].(int32); ok {
		batch = int64(b32)
	}
	dir, ok := batchDirs[batch]
	if !ok {
		return "", fmt.Errorf("%w: load batch %d is not in meta.load_batch", errAttachmentFile, batch)
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("%w: _file_path %q leaves the export directory", errAttachmentFile, rel)
	}
	path := filepath.Join(dir, clean)
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errAttachmentFile, err)
	}
	sum := sha256.Sum256(data)
	if want := fmt.Sprint(orEmpty(r.Meta["_file_sha256"])); want != "" && !strings.EqualFold(want, hex.EncodeToString(sum[:])) {
		return "", fmt.Errorf("%w: %s has SHA-256 %s, the export recorded %s", errAttachmentFile, path, hex.EncodeToString(sum[:]), want)
	}
	return c.Upload(ctx, filepath.Base(path), data)
}

func readBatchDirs(ctx context.Context, db *sql.DB) (map[int64]string, error) {
	rows, err := db.QueryContext(ctx, query("batch_dirs"))
	if err != nil {
		return nil, fmt.Errorf("read meta.load_batch: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var dir string
		if err := rows.Scan(&id, &dir); err != nil {
			return nil, err
		}
		out[id] = dir
	}
	return out, rows.Err()
}
