// Package warehouse opens a migration project's DuckDB staging warehouse and
// keeps its metadata schema current.
//
// The driver has known defects this package designs around: every statement
// goes through one connection (concurrent writers in one process can corrupt
// aggregate statistics), and a file held by another process is reported as
// ErrLocked naming the holder instead of DuckDB's raw text.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// FileName is the warehouse file inside a project directory.
const FileName = "staging.duckdb"

// Catalog is the name the warehouse file is attached under.
const Catalog = "warehouse"

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options configure how the warehouse is opened.
type Options struct {
	// Path of the DuckDB file.
	Path string
	// MemoryLimit is DuckDB's memory_limit ("2GB", "1000000000B"); empty keeps DuckDB's default.
	MemoryLimit string
	// Threads is DuckDB's worker thread count; 0 keeps DuckDB's default.
	Threads int
	// TempDir is where DuckDB spills; empty keeps DuckDB's default.
	TempDir string
	// ReadOnly opens without write access; migrations are not applied.
	ReadOnly bool
}

// Warehouse is an open project warehouse.
type Warehouse struct {
	db   *sql.DB
	path string
	ro   bool
	tmp  string // a read-only open's own spill directory
}

// removeTmp removes a read-only open's spill directory (none: "").
func removeTmp(dir string) {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

// ErrLocked reports that another process holds the warehouse file.
type ErrLocked struct {
	Path   string
	Holder string
	PID    int
}

func (e *ErrLocked) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d (%s)", e.PID, e.Holder)
	}
	return fmt.Sprintf("warehouse %s is in use by %s; wait for it to finish or stop it, then retry", e.Path, who)
}

// ErrNotFound reports a read-only open of a warehouse that does not exist.
var ErrNotFound = errors.New("warehouse not found")

var lockRE = regexp.MustCompile(`Conflicting lock is held in (.*?) \(PID (\d+)\)`)

// Open opens (creating if needed, unless read-only) the warehouse and applies
// pending metadata migrations.
func Open(ctx context.Context, opt Options) (*Warehouse, error) {
	if opt.ReadOnly {
		if _, err := os.Stat(opt.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s (run `axium2crm init` and `load` first)", ErrNotFound, opt.Path)
		}
	}
	// DuckDB names its spill files by size class only
	// (duckdb_temp_storage_DEFAULT-0.tmp) and starts each database with
	// its temp directory emptied, so two processes reading one warehouse
	// (export twenty and export odoo at once: read-only opens may share
	// the file) destroyed each other's spilled pages ("Could not read
	// enough bytes from file ..."). A read-only open spills into a
	// directory of its own under TempDir, removed when it closes.
	ownTmp := ""
	if opt.ReadOnly && opt.TempDir != "" {
		if err := os.MkdirAll(opt.TempDir, 0o700); err != nil {
			return nil, err
		}
		d, err := os.MkdirTemp(opt.TempDir, "reader-")
		if err != nil {
			return nil, err
		}
		opt.TempDir, ownTmp = d, d
	}
	q := url.Values{}
	if opt.MemoryLimit != "" {
		q.Set("memory_limit", opt.MemoryLimit)
	}
	if opt.Threads > 0 {
		q.Set("threads", strconv.Itoa(opt.Threads))
	}
	if opt.TempDir != "" {
		q.Set("temp_directory", opt.TempDir)
	}
	dsn := ""
	if len(q) > 0 {
		dsn = "?" + q.Encode()
	}
	// The file is attached under a fixed catalog name rather than opened
	// directly: opened directly, staging.duckdb's catalog would be called
	// "staging" and collide with the staging schema (every staging.x would
	// be ambiguous). New files use the current storage format (typed macro
	// parameters and better compression need it); an existing file keeps
	// its own.
	attach := "ATTACH IF NOT EXISTS " + QuoteLiteral(opt.Path) + " AS " + Catalog + " (STORAGE_VERSION 'latest'"
	if opt.ReadOnly {
		attach += ", READ_ONLY"
	}
	attach += ")"
	connector, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		for _, st := range []string{attach, "USE " + Catalog} {
			if _, err := ex.ExecContext(context.Background(), st, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		removeTmp(ownTmp)
		return nil, translateOpenError(opt.Path, err)
	}
	db := sql.OpenDB(connector)
	// One connection serialises every statement: see the package comment.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		removeTmp(ownTmp)
		return nil, translateOpenError(opt.Path, err)
	}
	w := &Warehouse{db: db, path: opt.Path, ro: opt.ReadOnly, tmp: ownTmp}
	if !opt.ReadOnly {
		// Patient data: the file and its WAL are owner-only whatever the umask.
		for _, p := range []string{opt.Path, opt.Path + ".wal"} {
			if _, err := os.Stat(p); err == nil {
				_ = os.Chmod(p, 0o600)
			}
		}
		if err := w.migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return w, nil
}

func translateOpenError(p string, err error) error {
	if m := lockRE.FindStringSubmatch(err.Error()); m != nil {
		pid, _ := strconv.Atoi(m[2])
		return &ErrLocked{Path: p, Holder: m[1], PID: pid}
	}
	return fmt.Errorf("open warehouse %s: %w", p, err)
}

// DB returns the warehouse's database handle (one connection).
func (w *Warehouse) DB() *sql.DB { return w.db }

// Path returns the warehouse file path.
func (w *Warehouse) Path() string { return w.path }

// ReadOnly reports whether the warehouse was opened read-only.
func (w *Warehouse) ReadOnly() bool { return w.ro }

// Close closes the warehouse, checkpointing it when writable.
func (w *Warehouse) Close() error {
	if !w.ro {
		_, _ = w.db.Exec("CHECKPOINT " + Catalog)
	}
	err := w.db.Close()
	removeTmp(w.tmp)
	return err
}

// RawConn runs f with the driver connection, for the Appender.
func (w *Warehouse) RawConn(ctx context.Context, f func(driver.Conn) error) error {
	c, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(dc any) error { return f(dc.(driver.Conn)) })
}

// Migration is one versioned metadata migration.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// SchemaVersion returns the highest applied migration (0 for a new file).
func (w *Warehouse) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := w.db.QueryRowContext(ctx,
		"SELECT coalesce(max(version), 0) FROM meta.schema_migrations").Scan(&v)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return 0, nil
		}
		return 0, err
	}
	return v, nil
}

func (w *Warehouse) migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	if _, err := w.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS meta"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := w.db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS meta.schema_migrations "+
		"(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	cur, err := w.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if n := len(ms); n > 0 && cur > ms[n-1].Version {
		return fmt.Errorf("warehouse %s has schema version %d, newer than this axium2crm knows (%d): upgrade axium2crm",
			w.path, cur, ms[n-1].Version)
	}
	for _, m := range ms {
		if m.Version <= cur {
			continue
		}
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO meta.schema_migrations VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now().UTC()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// QuoteIdent quotes an identifier for DuckDB. Identifiers from input files
// (headers, custom form fields) always pass through here.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QuoteLiteral quotes a string literal, for the few places DuckDB does not
// accept a bound parameter (table function arguments such as read_csv's).
func QuoteLiteral(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// Queryer is what Columns reads through: a *sql.DB, *sql.Conn or *sql.Tx.
type Queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Columns lists a table's (or view's) columns in order; none when it does
// not exist in the warehouse catalog.
func Columns(ctx context.Context, db Queryer, schema, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx,
		"SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND database_name = current_database() ORDER BY column_index",
		schema, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", schema, table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// OutOfMemory says whether err is DuckDB's answer that a statement did
// not fit memory_limit.
func OutOfMemory(err error) bool {
	var e *duckdb.Error
	return errors.As(err, &e) && e.Type == duckdb.ErrorTypeOutOfMemory
}
