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
// Entries are written after the destination acknowledged them, so the log
// never claims a write that did not happen. Writes go through one mutex:
// the DuckDB driver must not see concurrent writers in one process.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"text/template"
	"time"
)

//go:embed queries/*.sql
var queryFS embed.FS

var queries = template.Must(template.New("audit").ParseFS(queryFS, "queries/*.sql"))

func query(name string) string {
	var b bytes.Buffer
	if err := queries.ExecuteTemplate(&b, name, nil); err != nil {
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
)

// Run statuses.
const (
	StatusRunning   = "running"
	StatusFinished  = "finished"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
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
}

func (e *UnfinishedError) Error() string {
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
	if prev != nil {
		return nil, prev
	}
	var id int64
	if err := db.QueryRowContext(ctx, "SELECT nextval('meta.push_run_seq')").Scan(&id); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if _, err := db.ExecContext(ctx,
		"INSERT INTO meta.push_run (run_id, destination, mode, target, args, status, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?)",
		id, opt.Destination, opt.Mode, opt.Target, opt.Args, time.Now().UTC()); err != nil {
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
		Scan(&u.RunID, &u.Destination, &u.Mode, &target, &args, &u.Status, &u.StartedAt, &resumes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: unfinished runs: %w", err)
	}
	return u, nil
}

// Log writes entries in one statement. Call it after the destination
// acknowledged the records.
func (r *Run) Log(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now().UTC()
	const cols = 13
	// Rows in chunks: DuckDB binds every parameter of one statement.
	for start := 0; start < len(entries); start += 500 {
		chunk := entries[start:min(start+500, len(entries))]
		var b strings.Builder
		b.WriteString("INSERT INTO meta.push_record (run_id, destination, object, table_name, source_key, dest_id, dest_db_id, action, reason, payload_hash, pre_image, logged_at) VALUES ")
		args := make([]any, 0, len(chunk)*cols)
		for i, e := range chunk {
			if err := checkAction(e.Action); err != nil {
				return err
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, r.ID, r.Destination, e.Object, e.Table, nullIf(e.SourceKey), e.DestID,
				nullID(e.DestDBID), e.Action, nullIf(e.Reason), nullIf(e.PayloadHash), nullIf(e.PreImage), now)
		}
		if _, err := r.db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("audit: log %d entries: %w", len(chunk), err)
		}
	}
	return nil
}

func checkAction(a string) error {
	switch a {
	case Create, Update, Skip, Fail, Delete, Restore:
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
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
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
