// Package loaders lands raw axiUm exports (report CSVs and API JSON) in the
// project warehouse's raw.<object> tables, losslessly: every source field is
// kept as the text it was exported as, each row carries its load batch, source
// file, record ordinal and a row hash, and records that cannot be read are kept
// whole in meta.rejects with their file, line and reason.
package loaders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// Source is one export file to land.
type Source struct {
	Spec Spec
	// Path is where the file is on disk.
	Path string
	// Rel is the path recorded in the warehouse: relative to the export
	// directory, slash-separated.
	Rel string
}

// Prepared is a source file ready for a Loader: readable as UTF-8.
type Prepared struct {
	Source
	// ReadPath is the file the Loader reads: the source itself, or a UTF-8
	// copy when the source is in a legacy encoding.
	ReadPath string
	Encoding Encoding
	SHA256   string
	Size     int64
	// TempDir receives the Loader's working copies.
	TempDir string
	// BadBytes reports invalid UTF-8 sequences left in ReadPath; the Loader
	// rejects the records holding them.
	BadBytes bool
}

// Loader reads one prepared file into a temp table.
//
// Stage runs on conn outside any transaction: the temp table and whatever it
// learns are not part of the warehouse until the caller commits them (in one
// transaction: rows into raw.<object>, rejects into meta.rejects, the file
// into meta.load_file), so a failed or interrupted file leaves nothing
// behind. Stage must account for every record of the file: each one is
// either a row of the temp table or one of Staged's rejects, and
// Result.RowsRead must equal their sum. It returns an error only when the
// file cannot be read at all (a missing key column, an unreadable header,
// which are *HeaderError); a bad record is a reject, never an error.
type Loader interface {
	Stage(ctx context.Context, conn *sql.Conn, p Prepared) (Staged, error)
}

// Staged is a file read into a temp table, not yet committed.
type Staged struct {
	// Result holds the format, delimiter, columns, warnings and counts of
	// records read and rejected.
	Result FileResult
	table  string       // the temp table
	cols   []landColumn // raw column ← temp table field
	// record is the SQL expression of a temp row's record ordinal.
	record string
	// renumber lists rejected record ordinals the temp rows must be
	// shifted past (when record counts parsed records only).
	renumber     []int64
	blankIsEmpty bool
	rejects      []reject
}

// reject is a record that could not be landed.
type reject struct {
	record, line                  int64
	column, errType, reason, text string
	raw                           []byte
}

// FileResult is what happened to one file.
type FileResult struct {
	Object       string   `json:"object"`
	File         string   `json:"file"`
	Status       string   `json:"status"` // loaded, skipped, failed
	Format       string   `json:"format"`
	Encoding     string   `json:"encoding"`
	Delimiter    string   `json:"delimiter,omitempty"`
	SHA256       string   `json:"sha256"`
	Bytes        int64    `json:"bytes"`
	Columns      []string `json:"columns,omitempty"`
	RowsRead     int64    `json:"rows_read"`
	RowsLoaded   int64    `json:"rows_loaded"`
	RowsRejected int64    `json:"rows_rejected"`
	// RowsFlagged counts landed records holding a byte that must be
	// flagged (NUL, a byte the code page leaves undefined); each is named
	// in Warnings and listed in staging.data_quality.
	RowsFlagged int64    `json:"rows_flagged,omitempty"`
	Message     string   `json:"message,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
	Seconds     float64  `json:"seconds"`
}

// Report is the outcome of one load.
type Report struct {
	BatchID   int64        `json:"batch_id"`
	SourceDir string       `json:"source_dir"`
	Files     []FileResult `json:"files"`
	// Unmatched are files no object's patterns matched, and directories
	// deeper than any pattern reaches (ending in "/"); they were not loaded.
	Unmatched []string `json:"unmatched,omitempty"`
	// NoFiles are the objects no file matched, in catalog order.
	NoFiles []string `json:"no_files,omitempty"`
	// Patterns are the patterns tried (PatternsTried), given when some file
	// matched no object.
	Patterns []string `json:"patterns_tried,omitempty"`
	// Interrupted lists earlier batches found still running (killed loads);
	// their finished files were kept and are skipped now as already loaded.
	Interrupted []int64 `json:"interrupted,omitempty"`
}

// Failed reports whether any file failed.
func (r Report) Failed() bool {
	for _, f := range r.Files {
		if f.Status == "failed" {
			return true
		}
	}
	return false
}

// Options for a load.
type Options struct {
	// Specs are every object the project knows.
	Specs []Spec
	// Only restricts the load to these objects (empty: all).
	Only []string
	// TempDir holds transcoded copies while they load.
	TempDir string
	// Progress, when set, is told about each file as it starts.
	Progress func(object, file string)
}

// NoMatchError is an export in which no file matched any object's patterns.
type NoMatchError struct {
	Root string
	// Files are the files (and directories deeper than any pattern) seen.
	Files []string
	// Patterns are the patterns tried, one line per object (PatternsTried).
	Patterns []string
}

func (e *NoMatchError) Error() string {
	return fmt.Sprintf("export %s: no file matches any object's patterns (%d files seen); set `files` for the objects in axium2crm.yaml",
		e.Root, len(e.Files))
}

// PatternsTried describes each object's file patterns on one line, the
// extensions of patterns that differ only in them folded into braces:
// "patient: patient.{csv,txt}, patient-*.{csv,txt}".
func PatternsTried(specs []Spec) []string {
	out := make([]string, 0, len(specs))
	for _, s := range specs {
		var stems []string
		exts := map[string][]string{}
		for _, p := range s.Files {
			stem, ext := p, ""
			if i := strings.LastIndex(p, "."); i > strings.LastIndex(p, "/") {
				stem, ext = p[:i], p[i+1:]
			}
			if _, ok := exts[stem]; !ok {
				stems = append(stems, stem)
			}
			exts[stem] = append(exts[stem], ext)
		}
		parts := make([]string, len(stems))
		for i, st := range stems {
			switch e := exts[st]; {
			case len(e) == 1 && e[0] == "":
				parts[i] = st
			case len(e) == 1:
				parts[i] = st + "." + e[0]
			default:
				parts[i] = st + ".{" + strings.Join(e, ",") + "}"
			}
		}
		if len(parts) == 0 {
			parts = []string{"(no patterns)"}
		}
		out = append(out, s.Object.Name+": "+strings.Join(parts, ", "))
	}
	return out
}

// ErrUnknownObject reports an object name the project does not define.
var ErrUnknownObject = errors.New("unknown object")

// Discover lists the files under root (a directory or a single file) that
// belong to an object, and those that belong to none.
func Discover(root string, specs []Spec) (srcs []Source, unmatched []string, err error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("export %s: %w", root, err)
	}
	base := root
	if !info.IsDir() {
		base = filepath.Dir(root)
	}
	// Patterns match a path of a given depth; don't walk deeper than any
	// pattern reaches (an export's attachments/ tree can hold many thousand
	// documents).
	maxDepth := 0
	for _, s := range specs {
		for _, p := range s.Files {
			maxDepth = max(maxDepth, strings.Count(p, "/"))
		}
	}
	walk := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel, _ := filepath.Rel(base, p); rel != "." && strings.Count(filepath.ToSlash(rel), "/") >= maxDepth {
				unmatched = append(unmatched, filepath.ToSlash(rel)+"/")
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		var hits []Spec
		for _, s := range specs {
			if s.Matches(rel) {
				hits = append(hits, s)
			}
		}
		switch len(hits) {
		case 0:
			unmatched = append(unmatched, rel)
		case 1:
			srcs = append(srcs, Source{Spec: hits[0], Path: p, Rel: rel})
		default:
			names := make([]string, len(hits))
			for i, h := range hits {
				names[i] = h.Object.Name
			}
			return fmt.Errorf("%s matches the file patterns of several objects (%s); narrow `files` in axium2crm.yaml",
				rel, strings.Join(names, ", "))
		}
		return nil
	}
	if info.IsDir() {
		err = filepath.WalkDir(root, walk)
	} else {
		err = walk(root, fs.FileInfoToDirEntry(info), nil)
	}
	if err != nil {
		return nil, nil, err
	}
	order := map[string]int{}
	for i, s := range specs {
		order[s.Object.Name] = i
	}
	sort.SliceStable(srcs, func(i, j int) bool {
		a, b := srcs[i], srcs[j]
		if order[a.Spec.Object.Name] != order[b.Spec.Object.Name] {
			return order[a.Spec.Object.Name] < order[b.Spec.Object.Name]
		}
		return a.Rel < b.Rel
	})
	return srcs, unmatched, nil
}

// Load lands every export file under root in one new load batch. Each file
// is its own transaction: a file already landed (same object, same SHA-256)
// is skipped, a failed file leaves nothing behind, and a killed load resumes
// by running it again.
func Load(ctx context.Context, db *sql.DB, root string, opt Options) (Report, error) {
	specs := opt.Specs
	if len(opt.Only) > 0 {
		byName := map[string]Spec{}
		for _, s := range opt.Specs {
			byName[s.Object.Name] = s
		}
		specs = nil
		for _, name := range opt.Only {
			s, ok := byName[name]
			if !ok {
				return Report{}, fmt.Errorf("%w %q: not a built-in axiUm object nor defined in axium2crm.yaml", ErrUnknownObject, name)
			}
			specs = append(specs, s)
		}
	}
	srcs, unmatched, err := Discover(root, specs)
	if err != nil {
		return Report{}, err
	}
	if len(srcs) == 0 {
		return Report{}, &NoMatchError{Root: root, Files: unmatched, Patterns: PatternsTried(specs)}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return Report{}, err
	}
	defer conn.Close()

	rep := Report{SourceDir: root, Unmatched: unmatched}
	if len(unmatched) > 0 {
		rep.Patterns = PatternsTried(specs)
	}
	found := map[string]bool{}
	for _, src := range srcs {
		found[src.Spec.Object.Name] = true
	}
	for _, s := range specs {
		if !found[s.Object.Name] {
			rep.NoFiles = append(rep.NoFiles, s.Object.Name)
		}
	}
	if rep.Interrupted, err = markInterrupted(ctx, conn); err != nil {
		return rep, err
	}
	if err := conn.QueryRowContext(ctx, "SELECT nextval('meta.load_batch_seq')").Scan(&rep.BatchID); err != nil {
		return rep, err
	}
	// The exporters read the attachments' files from this directory,
	// whatever directory they run in: it is kept absolute.
	dir, err := filepath.Abs(root)
	if err != nil {
		return rep, fmt.Errorf("export directory %s: %w", root, err)
	}
	if _, err := conn.ExecContext(ctx,
		"INSERT INTO meta.load_batch (batch_id, source_dir, started_at, status) VALUES (?, ?, ?, 'running')",
		rep.BatchID, dir, time.Now().UTC()); err != nil {
		return rep, err
	}
	var loadErr error
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			loadErr = err
			break
		}
		if opt.Progress != nil {
			opt.Progress(src.Spec.Object.Name, src.Rel)
		}
		res, err := loadFile(ctx, conn, rep.BatchID, src, opt.TempDir)
		if err != nil {
			if ctx.Err() != nil {
				loadErr = ctx.Err()
				break
			}
			res.Status, res.Message = "failed", err.Error()
		}
		rep.Files = append(rep.Files, res)
	}
	status, msg := "finished", ""
	switch {
	case errors.Is(loadErr, context.Canceled):
		status, msg = "cancelled", "cancelled; files landed so far are kept, run load again to continue"
	case loadErr != nil:
		status, msg = "failed", loadErr.Error()
	case rep.Failed():
		status, msg = "finished", "some files failed"
	}
	// The batch is closed even when the caller's context is done.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx),
		"UPDATE meta.load_batch SET finished_at = ?, status = ?, message = ? WHERE batch_id = ?",
		time.Now().UTC(), status, msg, rep.BatchID); err != nil && loadErr == nil {
		loadErr = err
	}
	return rep, loadErr
}

func markInterrupted(ctx context.Context, conn *sql.Conn) ([]int64, error) {
	rows, err := conn.QueryContext(ctx, "SELECT batch_id FROM meta.load_batch WHERE status = 'running' ORDER BY batch_id")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) > 0 {
		_, err = conn.ExecContext(ctx, "UPDATE meta.load_batch SET status = 'interrupted', "+
			"message = 'the load stopped before finishing; its landed files were kept' WHERE status = 'running'")
	}
	return ids, err
}

func loadFile(ctx context.Context, conn *sql.Conn, batch int64, src Source, tempDir string) (FileResult, error) {
	start := time.Now()
	res := FileResult{Object: src.Spec.Object.Name, File: src.Rel, Format: formatOf(src.Rel)}
	pr, err := probeFile(src.Path)
	if err != nil {
		return res, fmt.Errorf("%s: %w", src.Rel, err)
	}
	res.SHA256, res.Bytes = pr.SHA256, pr.Size

	var prevBatch int64
	var prevFile string
	err = conn.QueryRowContext(ctx, "SELECT batch_id, source_file FROM meta.load_file WHERE object = ? AND file_sha256 = ?",
		res.Object, pr.SHA256).Scan(&prevBatch, &prevFile)
	switch {
	case err == nil:
		res.Status = "skipped"
		res.Message = fmt.Sprintf("already loaded in batch %d as %s (same SHA-256)", prevBatch, prevFile)
		return res, nil
	case !errors.Is(err, sql.ErrNoRows):
		return res, err
	}

	configured, err := ParseEncoding(src.Spec.Encoding)
	if err != nil {
		return res, fmt.Errorf("%s: %w", src.Rel, err)
	}
	enc := resolveEncoding(configured, pr)
	res.Encoding = string(enc)
	p := Prepared{Source: src, ReadPath: src.Path, Encoding: enc, SHA256: pr.SHA256, Size: pr.Size, TempDir: tempDir}
	switch enc {
	case EncWindows1252, EncLatin1, EncUTF16:
		if p.ReadPath, err = transcode(src.Path, tempDir, enc); err != nil {
			return res, err
		}
		defer os.Remove(p.ReadPath)
	case EncUTF8:
		p.BadBytes = !pr.ValidUTF8
	}

	var ld Loader = csvLoader{}
	if res.Format != "csv" {
		ld = jsonLoader{}
	}
	st, err := ld.Stage(ctx, conn, p)
	if st.table != "" {
		defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp."+warehouse.QuoteIdent(st.table))
	}
	if err != nil {
		return res, err
	}
	landed := st.Result
	landed.Object, landed.File, landed.SHA256, landed.Bytes, landed.Encoding = res.Object, res.File, res.SHA256, res.Bytes, res.Encoding
	landed.Status = "loaded"
	if err := commitStaged(ctx, conn, batch, src, st, &landed); err != nil {
		return res, err
	}
	landed.Seconds = time.Since(start).Seconds()
	return landed, nil
}

// commitStaged moves a staged file into the warehouse in one transaction.
func commitStaged(ctx context.Context, conn *sql.Conn, batch int64, src Source, st Staged, res *FileResult) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	object := src.Spec.Object.Name
	if err := ensureTable(ctx, conn, object, res.Columns); err != nil {
		return err
	}
	q, err := render("land_staged.sql", map[string]any{
		"Object": object, "Columns": st.cols, "HashColumns": hashOrder(st.cols), "Staging": st.table,
		"Record": st.record, "BlankIsEmpty": st.blankIsEmpty, "Renumber": len(st.renumber) > 0,
	})
	if err != nil {
		return err
	}
	args := []any{batch, src.Rel}
	if len(st.renumber) > 0 {
		args = append(args, st.renumber)
	}
	r, err := conn.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", src.Rel, err)
	}
	if res.RowsLoaded, err = r.RowsAffected(); err != nil {
		return err
	}
	for _, rj := range st.rejects {
		if _, err := conn.ExecContext(ctx, "INSERT INTO meta.rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			batch, object, src.Rel, rj.record, rj.line, nullIfEmpty(rj.column), rj.errType, rj.reason, rj.text, rj.raw); err != nil {
			return err
		}
	}
	if err := recordFile(ctx, conn, batch, *res); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

func recordFile(ctx context.Context, conn *sql.Conn, batch int64, r FileResult) error {
	if r.RowsRead != r.RowsLoaded+r.RowsRejected {
		return fmt.Errorf("%s: internal check failed: %d read != %d loaded + %d rejected", r.File, r.RowsRead, r.RowsLoaded, r.RowsRejected)
	}
	_, err := conn.ExecContext(ctx, "INSERT INTO meta.load_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		batch, r.Object, r.File, r.SHA256, r.Bytes, r.Format, r.Encoding, nullIfEmpty(r.Delimiter), r.Columns,
		r.RowsRead, r.RowsLoaded, r.RowsRejected, time.Now().UTC())
	return err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func formatOf(rel string) string {
	switch strings.ToLower(filepath.Ext(rel)) {
	case ".json":
		return "json"
	case ".ndjson", ".jsonl":
		return "ndjson"
	}
	return "csv"
}

// ensureTable creates raw.<object> or widens it with columns it lacks.
func ensureTable(ctx context.Context, conn *sql.Conn, object string, columns []string) error {
	q, err := render("create_raw.sql", map[string]any{"Object": object, "Columns": columns})
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create raw.%s: %w", object, err)
	}
	rows, err := conn.QueryContext(ctx,
		"SELECT lower(column_name) FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = ?", object)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		have[c] = true
	}
	rows.Close()
	for _, c := range columns {
		if have[strings.ToLower(c)] {
			continue
		}
		q, err := render("add_column.sql", map[string]any{"Object": object, "Column": c})
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("add column %s to raw.%s: %w", c, object, err)
		}
	}
	return nil
}

// hashOrder returns the fields in the order the row hash reads them: by
// column name, so the hash does not depend on the export's column order.
func hashOrder(cols []landColumn) []string {
	sorted := append([]landColumn(nil), cols...)
	sort.Slice(sorted, func(i, j int) bool { return strings.ToLower(sorted[i].Name) < strings.ToLower(sorted[j].Name) })
	out := make([]string, len(sorted))
	for i, c := range sorted {
		out[i] = c.Field
	}
	return out
}
