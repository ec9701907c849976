package exporters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// TargetError is a push or rollback refused because it would write to
// another server than the one the audit log is of. The log decides what
// a push creates, updates and skips, and what a rollback deletes: against
// a server that never received the records, a push would skip every
// unchanged one (the new server left without them) and a rollback would
// undo records it did not write.
type TargetError struct {
	Destination string
	// Logged is the server the log's records went to, in push run Run.
	Logged string
	Run    int64
	// Target is where this run would go.
	Target string
	// Rollback says the refused run is a rollback of push Run.
	Rollback bool
}

func (e *TargetError) Error() string {
	if e.Rollback {
		return fmt.Sprintf("push run %d went to %s; this rollback would go to %s, which never received its records. "+
			"Roll it back against the server it went to, or, if that server now answers at this address, "+
			"run the same command with --server-moved", e.Run, e.Logged, e.Target)
	}
	return fmt.Sprintf("this project's %s log is of pushes to %s (push run %d is the newest); this push goes to %s. "+
		"The log decides what a push creates, updates and skips, so against another server it would skip every record "+
		"that server never received. If it is the same server at a new address, push again with --server-moved. "+
		"A second server (production after a trial) needs a project of its own: init one and load, run and confirm the map there, "+
		"or push from a copy of this project's directory made before its first push",
		e.Destination, e.Logged, e.Run, e.Target)
}

// ErrTargetUnknown is a push or rollback asked to compare its server with
// the log's without saying which server it goes to.
var ErrTargetUnknown = errors.New("the run does not say which server it goes to")

// CheckTarget refuses a push (a dry run and a resume too) to target when
// the newest push of destination that has not been rolled back went to
// another server; moved (--server-moved) says the log's server now
// answers at target, and lets it through: the run is logged with the new
// address, which later pushes are checked against. Runs logged without a
// target (older logs) are not checked.
func CheckTarget(ctx context.Context, db *sql.DB, destination, target string, moved bool) error {
	if target == "" {
		return ErrTargetUnknown
	}
	var run int64
	var logged string
	err := db.QueryRowContext(ctx, query("newest_target"), destination).Scan(&run, &logged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the server of the last push: %w", err)
	}
	if moved || logged == "" || SameTarget(logged, target) {
		return nil
	}
	return &TargetError{Destination: destination, Logged: logged, Run: run, Target: target}
}

// checkRollbackTarget refuses a rollback of push pushRun to target when the
// push went to another server, unless moved.
func checkRollbackTarget(ctx context.Context, db *sql.DB, destination string, pushRun int64, target string, moved bool) error {
	if target == "" {
		return ErrTargetUnknown
	}
	logged, err := PushTarget(ctx, db, destination, pushRun)
	if err != nil {
		return err
	}
	if moved || logged == "" || SameTarget(logged, target) {
		return nil
	}
	return &TargetError{Destination: destination, Logged: logged, Run: pushRun, Target: target, Rollback: true}
}

// PushTarget is the server push run pushRun of destination went to: ""
// when the run is not such a push (whether it is, a rollback checks with
// its own error) or was logged without one.
func PushTarget(ctx context.Context, db *sql.DB, destination string, pushRun int64) (string, error) {
	var logged string
	err := db.QueryRowContext(ctx, "SELECT coalesce(target, '') FROM meta.push_run WHERE run_id = ? AND destination = ? AND mode = 'push'",
		pushRun, destination).Scan(&logged)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the server of push run %d: %w", pushRun, err)
	}
	return logged, nil
}

// SameTarget says whether two runs' targets name one server: their
// addresses equal but for the case of the scheme and host and a trailing
// slash ("https://CRM.example.edu/" is "https://crm.example.edu"), and
// what follows the address (an Odoo database, "db school"; a Twenty
// workspace, "workspace <id>") equal exactly, unless one of them has none:
// a target logged before workspaces were recorded, or an API key that
// does not name its workspace, matches any workspace at its address.
func SameTarget(a, b string) bool {
	addrA, restA := splitTarget(a)
	addrB, restB := splitTarget(b)
	return addrA == addrB && (restA == restB || restA == "" || restB == "")
}

func splitTarget(t string) (addr, rest string) {
	addr, rest, _ = strings.Cut(t, " ")
	addr = strings.TrimRight(addr, "/")
	if scheme, hostPath, ok := strings.Cut(addr, "://"); ok {
		host, path, _ := strings.Cut(hostPath, "/")
		addr = strings.ToLower(scheme) + "://" + strings.ToLower(host)
		if path != "" {
			addr += "/" + path
		}
	}
	return addr, rest
}
