// Package snapshot keeps an immutable copy of the destination-ready tables
// after every model run, compares two of them field by field, and puts the
// tables back the way a snapshot had them.
//
// A copy is stored once in schema snap under a name made of its table and
// content hash; every snapshot whose table had that content points at the
// same copy, so keeping many snapshots of unchanged tables costs no disk.
// Copies live inside the warehouse rather than as Parquet beside it so an
// analyst can query any snapshot with the same SQL as the live tables, and
// a restore is one CREATE TABLE AS inside DuckDB.
package snapshot

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

//go:embed queries/*.sql
var queryFS embed.FS

var queries = template.Must(template.New("snapshot").ParseFS(queryFS, "queries/*.sql"))

func render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := queries.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("snapshot: render %s: %w", name, err)
	}
	return b.String(), nil
}

// Provenance columns tie a row to the raw record it came from. They change
// whenever a new export is loaded even if the data did not, so diffs
// ignore them; snapshots keep them.
var Provenance = []string{"_batch_id", "_source_file", "_source_record"}

// Table is one destination-ready table to keep.
type Table struct {
	Model       string
	Schema      string
	Table       string
	Fingerprint string
	// Key identifies a row across snapshots (the model's key); empty means
	// the column "id" when the table has one.
	Key []string
}

func (t Table) relation() string {
	return warehouse.QuoteIdent(t.Schema) + "." + warehouse.QuoteIdent(t.Table)
}

// Kept is one table as a snapshot holds it.
type Kept struct {
	Model       string   `json:"model"`
	Schema      string   `json:"schema"`
	Table       string   `json:"table"`
	Fingerprint string   `json:"fingerprint"`
	Rows        int64    `json:"rows"`
	ContentHash string   `json:"content_hash"`
	Storage     string   `json:"storage"`
	Key         []string `json:"key"`
	// Shared is set by Take when an earlier snapshot already held this
	// content, so no copy was made.
	Shared bool `json:"shared"`
}

// Relation is the quoted name of the stored copy.
func (k Kept) Relation() string { return "snap." + warehouse.QuoteIdent(k.Storage) }

// Snapshot is one run's kept tables.
type Snapshot struct {
	ID         int64      `json:"id"`
	CreatedAt  time.Time  `json:"created_at"`
	Status     string     `json:"status"`
	RestoredAt *time.Time `json:"restored_at,omitempty"`
	Tables     []Kept     `json:"tables,omitempty"`
	// Models and Rows summarise Tables in List.
	Models int   `json:"models"`
	Rows   int64 `json:"rows"`
	// Counts are "model=rows" pairs, in List.
	Counts []string `json:"counts,omitempty"`
}

// ErrNotFound names a snapshot that does not exist.
var ErrNotFound = errors.New("no such snapshot")

// Take keeps the tables as snapshot id (the model run's id). Tables that do
// not exist are skipped; a table whose content an earlier snapshot already
// holds shares that copy. db must be the warehouse's only writer.
func Take(ctx context.Context, db *sql.DB, id int64, tables []Table) (*Snapshot, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	live, err := liveStorage(ctx, tx)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{ID: id, CreatedAt: time.Now().UTC(), Status: "active"}
	if _, err := tx.ExecContext(ctx, "INSERT INTO meta.snapshot (snapshot_id, created_at, status) VALUES (?, ?, 'active')", id, snap.CreatedAt); err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	for _, t := range tables {
		cols, err := warehouse.Columns(ctx, tx, t.Schema, t.Table)
		if err != nil {
			return nil, err
		}
		if len(cols) == 0 {
			continue
		}
		key := t.Key
		if len(key) == 0 && slices.Contains(cols, "id") {
			key = []string{"id"}
		}
		q, err := render("content_hash", struct{ Relation string }{t.relation()})
		if err != nil {
			return nil, err
		}
		k := Kept{Model: t.Model, Schema: t.Schema, Table: t.Table, Fingerprint: t.Fingerprint, Key: key}
		var h string
		if err := tx.QueryRowContext(ctx, q).Scan(&k.Rows, &h); err != nil {
			return nil, fmt.Errorf("snapshot %d: hash %s.%s: %w", id, t.Schema, t.Table, err)
		}
		k.ContentHash = fmt.Sprintf("%d-%s", k.Rows, h)
		k.Storage = storageName(t, k.ContentHash)
		var exists int
		if err := tx.QueryRowContext(ctx,
			"SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'snap' AND table_name = ? AND database_name = current_database()",
			k.Storage).Scan(&exists); err != nil {
			return nil, err
		}
		built := live[t.Schema+"."+t.Table]
		switch {
		case exists > 0:
			// An earlier snapshot holds this content: share its copy (and
			// let the live view read it, freeing what the run built).
			k.Shared = true
			if built != "" && built != k.Storage {
				err = pointAt(ctx, tx, t.Schema, t.Table, k.Relation())
			}
		case runTable.MatchString(built):
			// The run built this table in snap: it becomes the copy, no
			// rows move.
			if _, err = tx.ExecContext(ctx, "ALTER TABLE snap."+warehouse.QuoteIdent(built)+" RENAME TO "+warehouse.QuoteIdent(k.Storage)); err == nil {
				err = pointAt(ctx, tx, t.Schema, t.Table, k.Relation())
			}
		default:
			_, err = tx.ExecContext(ctx, "CREATE TABLE "+k.Relation()+" AS SELECT * FROM "+t.relation())
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot %d: keep %s.%s: %w", id, t.Schema, t.Table, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO meta.snapshot_table VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, t.Model, t.Schema, t.Table, t.Fingerprint, k.Rows, k.ContentHash, k.Storage, key); err != nil {
			return nil, fmt.Errorf("snapshot %d: %w", id, err)
		}
		snap.Tables = append(snap.Tables, k)
		snap.Models++
		snap.Rows += k.Rows
	}
	if err := dropUnusedRuns(ctx, tx); err != nil {
		return nil, err
	}
	return snap, tx.Commit()
}

// runTable is the name of a table a model run built in snap (see
// models.RunOptions.StoreIn) and no snapshot has kept yet.
var runTable = regexp.MustCompile(`__run[0-9]+$`)

// storedView is the SQL DuckDB keeps for a view over a table in snap, as
// the model runner and Restore create it.
// (DuckDB keeps it normalised: quotes only where a name needs them).
var storedView = regexp.MustCompile(`(?is)^CREATE VIEW .* AS SELECT \* FROM "?snap"?\.("(?:[^"]|"")+"|[A-Za-z0-9_]+)\s*;?\s*$`)

// liveStorage maps each live relation ("twenty.person") that is a view
// over a table in snap to that table's name.
func liveStorage(ctx context.Context, q warehouse.Queryer) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal AND schema_name <> 'snap'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var schema, view, text string
		if err := rows.Scan(&schema, &view, &text); err != nil {
			return nil, err
		}
		if m := storedView.FindStringSubmatch(text); m != nil {
			name := m[1]
			if strings.HasPrefix(name, `"`) {
				name = strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
			}
			out[schema+"."+view] = name
		}
	}
	return out, rows.Err()
}

// pointAt makes the live relation a view of a kept table, replacing the
// table or view it was.
func pointAt(ctx context.Context, tx *sql.Tx, schema, table, kept string) error {
	rel := warehouse.QuoteIdent(schema) + "." + warehouse.QuoteIdent(table)
	var tables int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?", schema, table).Scan(&tables); err != nil {
		return err
	}
	if tables > 0 {
		if _, err := tx.ExecContext(ctx, "DROP TABLE "+rel); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, "CREATE OR REPLACE VIEW "+rel+" AS SELECT * FROM "+kept)
	return err
}

// dropUnusedRuns drops the tables runs built in snap that no view reads
// any more (kept ones were renamed to their content name).
func dropUnusedRuns(ctx context.Context, tx *sql.Tx) error {
	read, err := readByViews(ctx, tx)
	if err != nil {
		return err
	}
	names, err := column[string](ctx, tx, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'snap' AND database_name = current_database()")
	if err != nil {
		return err
	}
	for _, n := range names {
		if runTable.MatchString(n) && !read(n) {
			if _, err := tx.ExecContext(ctx, "DROP TABLE snap."+warehouse.QuoteIdent(n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// readByViews reports whether any view names a table of snap (a live
// view of a kept copy, or an analyst's view over one), so the table stays.
func readByViews(ctx context.Context, tx *sql.Tx) (func(name string) bool, error) {
	views, err := column[string](ctx, tx, "SELECT sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal")
	if err != nil {
		return nil, err
	}
	return func(name string) bool {
		// The whole name: run1 is not read by a view of run12.
		whole := regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_])`)
		return slices.ContainsFunc(views, whole.MatchString)
	}, nil
}

// storageName names a copy by its table and content: the same content of
// the same table always lands in the same copy.
func storageName(t Table, contentHash string) string {
	h := strings.NewReplacer("-", "_").Replace(contentHash)
	if len(h) > 40 {
		h = h[:40]
	}
	return t.Schema + "__" + t.Table + "__" + h
}

// column runs a one-column query and returns its values.
func column[T any](ctx context.Context, db warehouse.Queryer, q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// List returns every snapshot, oldest first, with its table count and rows.
func List(ctx context.Context, db *sql.DB) ([]Snapshot, error) {
	q, err := render("list", nil)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		var s Snapshot
		var restored sql.NullTime
		var counts []any
		if err := rows.Scan(&s.ID, &s.CreatedAt, &s.Status, &restored, &s.Models, &s.Rows, &counts); err != nil {
			return nil, err
		}
		if restored.Valid {
			s.RestoredAt = &restored.Time
		}
		for _, c := range counts {
			if c != nil {
				s.Counts = append(s.Counts, fmt.Sprint(c))
			}
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Get returns one snapshot with its tables.
func Get(ctx context.Context, db *sql.DB, id int64) (*Snapshot, error) {
	s := &Snapshot{ID: id}
	var restored sql.NullTime
	err := db.QueryRowContext(ctx, "SELECT created_at, status, restored_at FROM meta.snapshot WHERE snapshot_id = ?", id).
		Scan(&s.CreatedAt, &s.Status, &restored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("snapshot %d: %w (see `axium2crm snapshot list`)", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if restored.Valid {
		s.RestoredAt = &restored.Time
	}
	q, err := render("tables", nil)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, q, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k Kept
		var key []any
		if err := rows.Scan(&k.Model, &k.Schema, &k.Table, &k.Fingerprint, &k.Rows, &k.ContentHash, &k.Storage, &key); err != nil {
			return nil, err
		}
		for _, c := range key {
			k.Key = append(k.Key, fmt.Sprint(c))
		}
		s.Tables = append(s.Tables, k)
		s.Models++
		s.Rows += k.Rows
	}
	return s, rows.Err()
}

// Latest returns the newest active snapshot's id, or 0.
func Latest(ctx context.Context, db *sql.DB) (int64, error) {
	var id sql.NullInt64
	err := db.QueryRowContext(ctx, "SELECT max(snapshot_id) FROM meta.snapshot WHERE status = 'active'").Scan(&id)
	return id.Int64, err
}

// Restored is the outcome of Restore.
type Restored struct {
	Snapshot int64    `json:"snapshot"`
	Tables   []string `json:"tables"`
	// RolledBack are the later snapshots (model runs) marked rolled back.
	RolledBack []int64 `json:"rolled_back"`
}

// Restore puts every table the snapshot kept back to its content, in one
// transaction, and marks the snapshots and model runs after it rolled back.
func Restore(ctx context.Context, db *sql.DB, id int64) (*Restored, error) {
	s, err := Get(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if s.Status != "active" {
		return nil, fmt.Errorf("snapshot %d was rolled back itself; restore a snapshot that is active", id)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := &Restored{Snapshot: id}
	for _, k := range s.Tables {
		if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+warehouse.QuoteIdent(k.Schema)); err != nil {
			return nil, err
		}
		// The live name becomes a view of the kept copy: no rows move, and
		// the copy stays while a live view reads it (Prune checks).
		if err := pointAt(ctx, tx, k.Schema, k.Table, k.Relation()); err != nil {
			return nil, fmt.Errorf("restore %s.%s from snapshot %d: %w", k.Schema, k.Table, id, err)
		}
		out.Tables = append(out.Tables, k.Schema+"."+k.Table)
	}
	if err := dropUnusedRuns(ctx, tx); err != nil {
		return nil, err
	}
	if out.RolledBack, err = column[int64](ctx, tx, "SELECT snapshot_id FROM meta.snapshot WHERE snapshot_id > ? AND status = 'active' ORDER BY 1", id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta.snapshot SET status = 'rolled_back' WHERE snapshot_id > ? AND status = 'active'", id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta.run SET status = 'rolled_back' WHERE kind = 'run' AND run_id > ? AND status <> 'rolled_back'", id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta.snapshot SET restored_at = ? WHERE snapshot_id = ?", time.Now().UTC(), id); err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// Pruned is the outcome of Prune.
type Pruned struct {
	Snapshots []int64  `json:"snapshots"`
	Copies    []string `json:"copies"`
}

// Prune forgets all but the newest keep snapshots and drops the copies no
// remaining snapshot uses. keep < 1 keeps everything.
func Prune(ctx context.Context, db *sql.DB, keep int) (*Pruned, error) {
	out := &Pruned{}
	if keep < 1 {
		return out, nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if out.Snapshots, err = column[int64](ctx, tx, "SELECT snapshot_id FROM meta.snapshot ORDER BY snapshot_id DESC OFFSET ?", keep); err != nil {
		return nil, err
	}
	for _, id := range out.Snapshots {
		for _, q := range []string{"DELETE FROM meta.snapshot_table WHERE snapshot_id = ?", "DELETE FROM meta.snapshot WHERE snapshot_id = ?"} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return nil, err
			}
		}
	}
	q, err := render("unused_storage", nil)
	if err != nil {
		return nil, err
	}
	unused, err := column[string](ctx, tx, q)
	if err != nil {
		return nil, err
	}
	// A copy a view reads (the live tables after a rollback to a pruned
	// snapshot, or the tables a run built and no snapshot kept yet) stays.
	read, err := readByViews(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, name := range unused {
		if !read(name) {
			out.Copies = append(out.Copies, name)
		}
	}
	for _, name := range out.Copies {
		if _, err := tx.ExecContext(ctx, "DROP TABLE snap."+warehouse.QuoteIdent(name)); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}
