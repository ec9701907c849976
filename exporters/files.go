package exporters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// SourceDirs reads where each load batch's export files were read from,
// by batch id: a row's _file_path is relative to its batch's directory.
func SourceDirs(ctx context.Context, db *sql.DB) (map[int64]string, error) {
	rows, err := db.QueryContext(ctx, query("source_dirs"))
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

// ErrFilesMissing is what FilesError Is: the export directory the
// destination's documents are read from is not there.
var ErrFilesMissing = errors.New("export files missing")

// FilesError refuses a push whose documents could not be read: the
// export directory of a load batch that documents the destination does
// not hold yet come from is gone (moved, deleted, or recorded relative to
// where load ran by an older version), so each of them would fail, one
// by one, after the records before them had moved.
type FilesError struct {
	Destination string
	// Problems name each batch, its directory and what is wrong with it,
	// and what to do about it.
	Problems []string
}

func (e *FilesError) Error() string {
	return fmt.Sprintf("the %s push would send documents it cannot read: %s; "+
		"or push with --allow-missing-files to send the records without those files (each document is then logged as failed, with its reason)",
		e.Destination, strings.Join(e.Problems, "; "))
}

// Is lets callers test for ErrFilesMissing.
func (e *FilesError) Is(target error) bool { return target == ErrFilesMissing }

// CheckFiles returns a *FilesError unless every load batch that the
// documents the destination does not hold yet come from is in
// meta.load_batch with a directory that exists. Documents are the rows of
// the destination's tables with _file_path and _batch_id columns; held
// are those the audit log says the destination has (a re-push after the
// export was archived sends none of them again). A relative directory is
// taken from where the command runs, as the push reads it.
func CheckFiles(ctx context.Context, db *sql.DB, destination string) error {
	dirs, err := SourceDirs(ctx, db)
	if err != nil {
		return err
	}
	tables, err := fileTables(ctx, db, destination)
	if err != nil {
		return err
	}
	need := map[int64]int64{} // batch → documents
	var order []int64
	for _, t := range tables {
		rows, err := db.QueryContext(ctx, queryWith("file_batches", relation(destination, t)),
			destination, destination+"."+t)
		if err != nil {
			return fmt.Errorf("read %s.%s's files: %w", destination, t, err)
		}
		for rows.Next() {
			var nb sql.NullInt64
			var n int64
			if err := rows.Scan(&nb, &n); err != nil {
				rows.Close()
				return err
			}
			batch := nb.Int64
			if !nb.Valid {
				batch = noBatch
			}
			if _, seen := need[batch]; !seen {
				order = append(order, batch)
			}
			need[batch] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	fe := &FilesError{Destination: destination}
	for _, b := range order {
		dir, known := dirs[b]
		if p := batchProblem(b, documents(need[b]), dir, known); p != "" {
			fe.Problems = append(fe.Problems, p)
		}
	}
	if len(fe.Problems) > 0 {
		return fe
	}
	return nil
}

// batchProblem says what keeps the push from reading the documents of
// load batch b ("" when its directory is there), with what to do.
func batchProblem(b int64, docs, dir string, known bool) string {
	switch {
	case b == noBatch:
		return docs + " with no load batch (_batch_id is empty): rebuild the models (axium2crm run) from a load that recorded it"
	case !known:
		return fmt.Sprintf("%s from load batch %d, which meta.load_batch does not hold: load the export again (axium2crm load) and rebuild (axium2crm run)", docs, b)
	case dir == "":
		return fmt.Sprintf("%s from load batch %d, which recorded no directory: %s", docs, b, setDir(b))
	}
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Sprintf("%s from load batch %d's directory %s: %v: put the export back there, or %s", docs, b, dir, unwrapPath(err), setDir(b))
	case !fi.IsDir():
		return fmt.Sprintf("%s from load batch %d's directory %s, which is not a directory: %s", docs, b, dir, setDir(b))
	}
	return ""
}

// setDir is how to tell the push where a batch's export is now.
func setDir(batch int64) string {
	return fmt.Sprintf("record where the export is now with `axium2crm sql --write \"UPDATE meta.load_batch SET source_dir = '/path/to/export' WHERE batch_id = %d\"`", batch)
}

// noBatch stands for rows whose _batch_id is NULL (batch ids are positive).
const noBatch = -1

func documents(n int64) string {
	if n == 1 {
		return "1 document"
	}
	return fmt.Sprintf("%d documents", n)
}

// unwrapPath keeps a stat error's reason, the path being named already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func fileTables(ctx context.Context, db *sql.DB, destination string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query("file_tables"), destination)
	if err != nil {
		return nil, fmt.Errorf("find %s's tables that name files: %w", destination, err)
	}
	return scanKeys(rows)
}
