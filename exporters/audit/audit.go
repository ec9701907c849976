// Package audit keeps the log of every run that writes to a CRM: one
// meta.push_run row per run, one meta.push_record row per record the run
// created, updated, skipped, failed, deleted or restored, with the reason
// and the hash of the payload sent.
//
// The log is what makes a push safe to repeat: a record whose payload hash
// is unchanged since it was last sent is skipped, an interrupted run is
// resumed rather than started again, and a rollback knows exactly what a
// run created (to destroy it) and what it updated (pre-images to restore).
//
// The log is write-ahead: before a batch is sent, every record of it is
// logged as pending (with its pre-image when the destination holds it
// already); the answer settles each pending entry as created, updated or
// failed. A run that stopped between a write and its answer leaves pending
// entries that only the destination can settle (Unsettled): a resume, a
// rollback and a dry run read the destination for them before anything
// else, so the log never claims a write that did not happen and never
// forgets one that did. Writes go through one mutex: the DuckDB driver
// must not see concurrent writers in one process.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

//go:embed queries/*.sql
var queryFS embed.FS

var queries = template.Must(template.New("audit").ParseFS(queryFS, "queries/*.sql"))

func query(name string) string { return queryWith(name, nil) }

func queryWith(name string, data any) string {
	var b bytes.Buffer
	if err := queries.ExecuteTemplate(&b, name, data); err != nil {
		panic(err) // the templates are embedded: a failure is a build defect
	}
	return b.String()
}

// Actions an entry may record.
const (
	Create  = "create"
	Update  = "update"
	Skip    = "skip"
	Fail    = "fail"
	Delete  = "delete"
	Restore = "restore"
	// Pending is logged before a record's write is sent, with the
	// record's pre-image when the destination already holds it: until an
	// entry of the same run settles the record (create, update, fail, or
	// skip when the write never landed), a resume, a rollback or a dry
	// run asks the destination whether it holds the record, so a process
	// that dies between the write and its log loses nothing.
	Pending = "pending"
)

// Run statuses.
const (
	StatusRunning   = "running"
	StatusFinished  = "finished"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
	// StatusRolledBack closes an unfinished push that a rollback settled
	// and undid: there is nothing left to resume.
	StatusRolledBack = "rolled back"
)

// RunOptions describe a run as it starts.
type RunOptions struct {
	Destination string // twenty, odoo
	Mode        string // push (default), rollback, verify
	// Target says where the run goes (URL, database). Never a credential.
	Target string
	// Args are the options the run was started with, for the reader.
	Args string
	// Resume reopens the newest unfinished run of this destination and
	// mode instead of starting a new one.
	Resume bool
	// ParentRun is the push run a rollback or verify concerns.
	ParentRun int64
}

// Run is one run being logged.
type Run struct {
	ID          int64
	Destination string
	Mode        string
	// Resumed is set when the run was reopened by Resume.
	Resumed bool

	db *sql.DB
	mu sync.Mutex
}

// Entry is one record's outcome.
type Entry struct {
	Object    string // person, res.partner
	Table     string // twenty.person
	SourceKey string
	DestID    string // UUID (Twenty) or external id (Odoo)
	DestDBID  int64  // Odoo's database id, 0 when none
	Action    string
	Reason    string
	// PayloadHash is Hash of the payload sent.
	PayloadHash string
	// PreImage is the record's values before an update, as JSON.
	PreImage string
}

// UnfinishedError refuses a new run while an earlier one is unfinished.
type UnfinishedError struct {
	RunID       int64
	Destination string
	Mode        string
	Status      string
	StartedAt   time.Time
	// ParentRun is the push an unfinished rollback undoes.
	ParentRun int64
}

func (e *UnfinishedError) Error() string {
	if e.Mode == "rollback" {
		return fmt.Sprintf("rollback run %d of push run %d to %s (started %s) is %s: finish it first with `axium2crm rollback %s --push %d`",
			e.RunID, e.ParentRun, e.Destination, e.StartedAt.Format(time.RFC3339), e.Status, e.Destination, e.ParentRun)
	}
	return fmt.Sprintf("%s run %d to %s (started %s) is %s: run it again with --resume to finish it",
		e.Mode, e.RunID, e.Destination, e.StartedAt.Format(time.RFC3339), e.Status)
}

// ErrNothingToResume is returned by Start with Resume when every earlier
// run finished.
var ErrNothingToResume = errors.New("no unfinished run to resume")

// Start records a run as started (or reopens the unfinished one with
// Resume). Without Resume, an unfinished run of the same destination and
// mode is refused with *UnfinishedError: one process holds the warehouse,
// so a run still marked running was interrupted.
func Start(ctx context.Context, db *sql.DB, opt RunOptions) (*Run, error) {
	if opt.Destination == "" {
		return nil, errors.New("audit: a run needs a destination")
	}
	if opt.Mode == "" {
		opt.Mode = "push"
	}
	prev, err := Unfinished(ctx, db, opt.Destination, opt.Mode)
	if err != nil {
		return nil, err
	}
	if opt.Resume {
		if prev == nil {
			return nil, fmt.Errorf("%s %s: %w", opt.Mode, opt.Destination, ErrNothingToResume)
		}
		if _, err := db.ExecContext(ctx,
			"UPDATE meta.push_run SET status = 'running', finished_at = NULL, message = NULL, resumes = resumes + 1 WHERE run_id = ?",
			prev.RunID); err != nil {
			return nil, fmt.Errorf("audit: resume run %d: %w", prev.RunID, err)
		}
		return &Run{ID: prev.RunID, Destination: opt.Destination, Mode: opt.Mode, Resumed: true, db: db}, nil
	}
	if prev != nil && opt.Mode == "verify" {
		// A verify only reads the destination: an interrupted one has
		// nothing to finish, so it is closed and a new one starts.
		if _, err := db.ExecContext(ctx, "UPDATE meta.push_run SET status = 'abandoned', finished_at = ? WHERE run_id = ?",
			time.Now().UTC(), prev.RunID); err != nil {
			return nil, fmt.Errorf("audit: close interrupted verify %d: %w", prev.RunID, err)
		}
		prev = nil
	}
	if prev != nil {
		return nil, prev
	}
	var id int64
	if err := db.QueryRowContext(ctx, "SELECT nextval('meta.push_run_seq')").Scan(&id); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if _, err := db.ExecContext(ctx,
		"INSERT INTO meta.push_run (run_id, destination, mode, target, args, status, started_at, parent_run) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
		id, opt.Destination, opt.Mode, opt.Target, opt.Args, time.Now().UTC(), nullID(opt.ParentRun)); err != nil {
		return nil, fmt.Errorf("audit: start run: %w", err)
	}
	return &Run{ID: id, Destination: opt.Destination, Mode: opt.Mode, db: db}, nil
}

// Unfinished returns the newest run of destination and mode that did not
// finish after the last one that did, or nil.
func Unfinished(ctx context.Context, db *sql.DB, destination, mode string) (*UnfinishedError, error) {
	u := &UnfinishedError{}
	var target, args string
	var resumes int
	err := db.QueryRowContext(ctx, query("unfinished"), destination, mode, destination, mode).
		Scan(&u.RunID, &u.Destination, &u.Mode, &target, &args, &u.Status, &u.StartedAt, &resumes, &u.ParentRun)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: unfinished runs: %w", err)
	}
	return u, nil
}

// Open returns run runID of the log, to log entries into (a rollback
// settling the push it undoes) without changing its status.
func Open(ctx context.Context, db *sql.DB, runID int64) (*Run, error) {
	r := &Run{ID: runID, db: db}
	err := db.QueryRowContext(ctx, "SELECT destination, mode FROM meta.push_run WHERE run_id = ?", runID).Scan(&r.Destination, &r.Mode)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("run %d: no such run (see meta.push_run)", runID)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: run %d: %w", runID, err)
	}
	return r, nil
}

// Close marks a run that will not be resumed (status StatusRolledBack, or
// another closing status) with a message saying why.
func (r *Run) Close(ctx context.Context, status, message string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.db.ExecContext(context.WithoutCancel(ctx),
		"UPDATE meta.push_run SET status = ?, message = ?, finished_at = ? WHERE run_id = ?",
		status, nullIf(message), time.Now().UTC(), r.ID)
	if err != nil {
		return fmt.Errorf("audit: close run %d: %w", r.ID, err)
	}
	return nil
}

// Log writes entries in one transaction: pending entries before their
// write is sent, the others once the destination answered.
func (r *Run) Log(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now().UTC()
	for _, e := range entries {
		if err := checkAction(e.Action); err != nil {
			return err
		}
	}
	write := logWrites.Add(1)
	crashPoint("log-before", write)
	if err := r.append(ctx, now, entries); err != nil {
		return fmt.Errorf("audit: log %d entries: %w", len(entries), err)
	}
	crashPoint("log-after", write)
	return nil
}

// append writes entries through DuckDB's appender, one transaction for
// all of them (a failed append leaves nothing of the batch): a third of
// the cost per entry of one INSERT reading them from a JSON parameter,
// which made the log most of a push's CPU. The table has no DECIMAL
// column, the type the driver's appender writes wrongly.
func (r *Run) append(ctx context.Context, now time.Time, entries []Entry) error {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The appender flushes what it holds even when a row fails; the
	// transaction around it is what makes the batch all or nothing.
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "", "meta", "push_record")
		if err != nil {
			return err
		}
		row := make([]driver.Value, 12)
		for _, e := range entries {
			row[0], row[1], row[2], row[3] = r.ID, text(r.Destination), text(e.Object), text(e.Table)
			row[4], row[5], row[6] = nullStr(e.SourceKey), text(e.DestID), nil
			if e.DestDBID != 0 {
				row[6] = e.DestDBID
			}
			row[7], row[8], row[9], row[10], row[11] = e.Action, nullStr(e.Reason), nullStr(e.PayloadHash), nullStr(e.PreImage), now
			if err := app.AppendRow(row...); err != nil {
				return errors.Join(err, app.Close())
			}
		}
		return app.Close()
	})
	if err != nil {
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return errors.Join(err, rerr)
	}
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return errors.Join(err, rerr)
	}
	return nil
}

// text is a text column's value, never invalid UTF-8 (a server's message
// may hold any bytes; DuckDB's VARCHAR must not): replaced as
// encoding/json would.
func text(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// nullStr is text, NULL for empty.
func nullStr(s string) driver.Value {
	if s == "" {
		return nil
	}
	return text(s)
}

func checkAction(a string) error {
	switch a {
	case Create, Update, Skip, Fail, Delete, Restore, Pending:
		return nil
	}
	return fmt.Errorf("audit: unknown action %q", a)
}

// Finish records how the run ended: finished when err is nil, cancelled
// when err is a context cancellation, failed otherwise. It uses a fresh
// context so a cancelled run is still recorded.
func (r *Run) Finish(ctx context.Context, runErr error) error {
	status, msg := StatusFinished, ""
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded):
		status, msg = StatusCancelled, runErr.Error()
	default:
		status, msg = StatusFailed, runErr.Error()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.db.ExecContext(context.WithoutCancel(ctx),
		"UPDATE meta.push_run SET status = ?, message = ?, finished_at = ? WHERE run_id = ?",
		status, nullIf(msg), time.Now().UTC(), r.ID)
	if err != nil {
		return fmt.Errorf("audit: finish run %d: %w", r.ID, err)
	}
	return nil
}

// Sent is what the log says a destination holds of one record.
type Sent struct {
	PayloadHash string
	DBID        int64
}

// LastHashes returns, for one warehouse table, every record the log says
// the destination holds (its newest create, update or restore, not
// followed by a delete), keyed by destination id, with the hash of the
// payload last sent. A record absent from the map was never sent or was
// deleted.
func LastHashes(ctx context.Context, db *sql.DB, destination, table string) (map[string]Sent, error) {
	rows, err := db.QueryContext(ctx, query("last_hashes"), destination, table)
	if err != nil {
		return nil, fmt.Errorf("audit: last hashes of %s: %w", table, err)
	}
	return ScanSent(rows)
}

// ScanSent reads (destination id, payload hash, database id) rows, as
// the log's queries of what a destination holds answer them.
func ScanSent(rows *sql.Rows) (map[string]Sent, error) {
	defer rows.Close()
	out := map[string]Sent{}
	for rows.Next() {
		var id string
		var h sql.NullString
		var dbid sql.NullInt64
		if err := rows.Scan(&id, &h, &dbid); err != nil {
			return nil, err
		}
		out[id] = Sent{PayloadHash: h.String, DBID: dbid.Int64}
	}
	return out, rows.Err()
}

// LastHashesOf is LastHashes for the records of one page only (their
// destination ids): a push's fallback when the log of a table does not
// fit memory_limit at once (Pager.AttachLast), at the cost of a scan of
// the table's log per page.
func LastHashesOf(ctx context.Context, db *sql.DB, destination, table string, ids []string) (map[string]Sent, error) {
	if ids == nil {
		ids = []string{}
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, query("last_hashes_of"), destination, table, string(list))
	if err != nil {
		return nil, fmt.Errorf("audit: last hashes of %s: %w", table, err)
	}
	return ScanSent(rows)
}

// HeldCount is how many records of one warehouse table the log says the
// destination holds (the size of LastHashes, counted in SQL).
func HeldCount(ctx context.Context, db *sql.DB, destination, table string) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, query("held_count"), destination, table).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: records of %s held: %w", table, err)
	}
	return n, nil
}

// GoneRecord is a record the destination holds that the current table no
// longer has.
type GoneRecord struct {
	DestID    string `json:"dest_id"`
	SourceKey string `json:"source_key"`
	DBID      int64  `json:"db_id,omitempty"`
}

// Gone lists the records of one warehouse table (schema.table, its id
// column named idColumn) that the log says the destination holds but the
// table no longer has: deleted in axiUm since they were pushed. Delta
// pushes report them; only --propagate-deletes removes them.
func Gone(ctx context.Context, db *sql.DB, destination, schema, table, idColumn string) ([]GoneRecord, error) {
	return gone(ctx, db, destination, schema, table, idColumn, "", 0)
}

// GonePage is Gone in pages: at most limit records, those whose
// destination id sorts after after ("" for the first page).
func GonePage(ctx context.Context, db *sql.DB, destination, schema, table, idColumn, after string, limit int) ([]GoneRecord, error) {
	return gone(ctx, db, destination, schema, table, idColumn, after, limit)
}

func gone(ctx context.Context, db *sql.DB, destination, schema, table, idColumn, after string, limit int) ([]GoneRecord, error) {
	q := queryWith("gone", struct {
		Relation, IDColumn string
		Paged              bool
	}{warehouse.QuoteIdent(schema) + "." + warehouse.QuoteIdent(table), warehouse.QuoteIdent(idColumn), limit > 0})
	args := []any{destination, schema + "." + table}
	if limit > 0 {
		args = append(args, after, limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: records gone from %s.%s: %w", schema, table, err)
	}
	defer rows.Close()
	var out []GoneRecord
	for rows.Next() {
		var g GoneRecord
		if err := rows.Scan(&g.DestID, &g.SourceKey, &g.DBID); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Undo is one record a push wrote, as a rollback must undo it: destroy
// what it created, restore the pre-image of what it updated.
type Undo struct {
	Table     string
	Object    string
	DestID    string
	DBID      int64
	Action    string // create or update: what the push did
	PreImage  string
	SourceKey string
}

// UndoPlan lists what push run runID created and updated that no rollback
// of it has undone yet, by table. The exporter orders the tables in reverse
// load order.
func UndoPlan(ctx context.Context, db *sql.DB, runID int64) (map[string][]Undo, error) {
	var mode string
	err := db.QueryRowContext(ctx, "SELECT mode FROM meta.push_run WHERE run_id = ?", runID).Scan(&mode)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("push run %d: no such run (see meta.push_run)", runID)
	}
	if err != nil {
		return nil, err
	}
	if mode != "push" {
		return nil, fmt.Errorf("run %d is a %s run, not a push", runID, mode)
	}
	tables, err := UndoTables(ctx, db, runID)
	if err != nil {
		return nil, err
	}
	// The pages of each kind, merged in destination id order.
	out := map[string][]Undo{}
	for _, table := range tables {
		for _, kind := range []string{Create, Update} {
			after := ""
			for {
				page, err := UndoPage(ctx, db, runID, table, kind, after, 5000)
				if err != nil {
					return nil, err
				}
				if len(page) == 0 {
					break
				}
				out[table] = append(out[table], page...)
				after = page[len(page)-1].DestID
			}
		}
		sort.SliceStable(out[table], func(i, j int) bool { return out[table][i].DestID < out[table][j].DestID })
	}
	return out, nil
}

// UndoPage reads one page of UndoPlan: of table, the records of one kind
// (Create: to delete; Update: to restore) after the destination id after,
// at most limit, in destination id order. A rollback reads the log this way
// so what it holds does not grow with the push.
func UndoPage(ctx context.Context, db *sql.DB, runID int64, table, kind, after string, limit int) ([]Undo, error) {
	rows, err := db.QueryContext(ctx, query("undo_page"), runID, table, kind, after, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: undo of %s in run %d: %w", table, runID, err)
	}
	defer rows.Close()
	var out []Undo
	for rows.Next() {
		var u Undo
		if err := rows.Scan(&u.Table, &u.Object, &u.DestID, &u.DBID, &u.Action, &u.PreImage, &u.SourceKey); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UndoTables lists, sorted, the tables push run runID wrote to where
// something is left to undo.
func UndoTables(ctx context.Context, db *sql.DB, runID int64) ([]string, error) {
	left, err := UndoLeft(ctx, db, runID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(left))
	for t := range left {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// UndoLeft counts, by table, the records push run runID wrote that no
// rollback of it undid yet.
func UndoLeft(ctx context.Context, db *sql.DB, runID int64) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, query("undo_left"), runID)
	if err != nil {
		return nil, fmt.Errorf("audit: what is left to undo of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, rows.Err()
}

// PendingPreImages returns the pre-images run runID logged for table
// before sending their update that no entry of the run acknowledged yet,
// by destination id: the run was interrupted between the write and its
// log, so the destination may hold the new values already and only these
// are the record's values before the run.
func PendingPreImages(ctx context.Context, db *sql.DB, runID int64, table string) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, query("pending"), runID, table)
	if err != nil {
		return nil, fmt.Errorf("audit: pending pre-images of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, pre string
		if err := rows.Scan(&id, &pre); err != nil {
			return nil, err
		}
		out[id] = pre
	}
	return out, rows.Err()
}

// Unsettled is a pending entry no later entry of its run settled.
type Unsettled struct {
	Table, Object, DestID, SourceKey string
	DBID                             int64
	// PreImage is the record's values before the run when the destination
	// held it already; empty when the write was a create.
	PreImage string
	// PayloadHash is the hash of the payload the write sent.
	PayloadHash string
}

// UnsettledOf lists the pending entries of run runID that no entry settled,
// by table and destination id.
func UnsettledOf(ctx context.Context, db *sql.DB, runID int64) ([]Unsettled, error) {
	rows, err := db.QueryContext(ctx, query("unsettled"), runID)
	if err != nil {
		return nil, fmt.Errorf("audit: unsettled entries of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []Unsettled
	for rows.Next() {
		var u Unsettled
		if err := rows.Scan(&u.Table, &u.Object, &u.DestID, &u.DBID, &u.SourceKey, &u.PreImage, &u.PayloadHash); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// NewerPush is a later push that wrote records an earlier one wrote.
type NewerPush struct {
	RunID   int64
	Records int
}

// NewerPushes lists the pushes of destination after runID that wrote
// records runID wrote and that no rollback undid, newest first.
func NewerPushes(ctx context.Context, db *sql.DB, destination string, runID int64) ([]NewerPush, error) {
	rows, err := db.QueryContext(ctx, query("newer_pushes"), destination, runID, runID)
	if err != nil {
		return nil, fmt.Errorf("audit: pushes after run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []NewerPush
	for rows.Next() {
		var n NewerPush
		if err := rows.Scan(&n.RunID, &n.Records); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Count is the number of entries of one table and action in a run.
type Count struct {
	Table   string `json:"table"`
	Action  string `json:"action"`
	Records int64  `json:"records"`
}

// Summary counts a run's entries by table and action.
func Summary(ctx context.Context, db *sql.DB, runID int64) ([]Count, error) {
	rows, err := db.QueryContext(ctx, query("summary"), runID)
	if err != nil {
		return nil, fmt.Errorf("audit: summary of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Table, &c.Action, &c.Records); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Hash is the payload hash the log keeps: SHA-256 of the payload's
// canonical JSON (encoding/json sorts map keys), so the same values always
// hash the same.
func Hash(payload any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("audit: hash payload: %w", err)
	}
	return HashJSON(b), nil
}

// HashJSON is Hash of a payload already encoded by encoding/json, for a
// caller that sends those very bytes.
func HashJSON(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// LastPreImage returns the pre-image of the newest update or pending
// entry of destID in a destination's table that kept one, in any run,
// and whether there is one: what a setting was before the push that
// changed it, when an interrupted push left it changed.
func LastPreImage(ctx context.Context, db *sql.DB, destination, table, destID string) (string, bool, error) {
	var pre string
	err := db.QueryRowContext(ctx, query("last_pre_image"), destination, table, destID).Scan(&pre)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("audit: the value of %s before the push changed it: %w", destID, err)
	}
	return pre, true, nil
}
