// Package mapping is the human gate before any record moves: the models
// propose a map for each destination (its object_plan and field_plan
// tables: which axiUm object lands in which CRM object, which fields are
// standard and which custom fields will be created, with their types and
// options), a person reviews it and confirms it, and a push refuses to run
// on a map nobody confirmed.
//
// A confirmation is tied to the map's content hash, so any change to the map
// (a model edit, a new select option the data brought) needs a new
// confirmation; a map that merely gets rebuilt with the same content does not.
package mapping

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// Plan tables every destination schema provides.
const (
	ObjectPlan = "object_plan"
	FieldPlan  = "field_plan"
)

// Map is a destination's proposed map as the warehouse holds it now.
type Map struct {
	Destination string            `json:"destination"`
	Hash        string            `json:"hash"`
	Objects     []json.RawMessage `json:"objects"`
	Fields      []json.RawMessage `json:"fields"`
	// Confirmed is the confirmation of exactly this map, if any.
	Confirmed *Confirmation `json:"confirmed,omitempty"`
	// LastConfirmed is the newest confirmation of any map of this
	// destination, to tell "never confirmed" from "changed since".
	LastConfirmed *Confirmation `json:"last_confirmed,omitempty"`
}

// Confirmation is one person's approval of one map.
type Confirmation struct {
	Hash        string    `json:"hash"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
	RunID       int64     `json:"run_id,omitempty"`
	Objects     int       `json:"objects"`
	Fields      int       `json:"fields"`
	Note        string    `json:"note,omitempty"`
	Destination string    `json:"destination"`
}

// ErrNoPlan says the destination's plan tables have not been built.
var ErrNoPlan = errors.New("the destination's map has not been built")

// NotConfirmedError refuses a push on a map nobody confirmed.
type NotConfirmedError struct {
	Destination string
	Hash        string
	// Last is the newest earlier confirmation, nil when none.
	Last *Confirmation
}

func (e *NotConfirmedError) Error() string {
	what := "has never been confirmed"
	if e.Last != nil {
		what = fmt.Sprintf("changed since %s confirmed it on %s", e.Last.By, e.Last.At.Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("the %s map %s: review it with `axium2crm map %s` and confirm it with `axium2crm map %s --confirm` before any record moves",
		e.Destination, what, e.Destination, e.Destination)
}

// Read returns the destination's current map and whether it is confirmed.
func Read(ctx context.Context, db *sql.DB, destination string) (*Map, error) {
	m := &Map{Destination: destination}
	h := sha256.New()
	for _, part := range []struct {
		table string
		into  *[]json.RawMessage
	}{{ObjectPlan, &m.Objects}, {FieldPlan, &m.Fields}} {
		rel := warehouse.QuoteIdent(destination) + "." + warehouse.QuoteIdent(part.table)
		cols, err := warehouse.Columns(ctx, db, destination, part.table)
		if err != nil {
			return nil, err
		}
		if len(cols) == 0 {
			return nil, fmt.Errorf("%s.%s: %w (run `axium2crm run` first)", destination, part.table, ErrNoPlan)
		}
		// Row counts describe the data, not the map: they change with every
		// delta load and must not ask for a new confirmation.
		sel := "(SELECT COLUMNS(c -> c NOT IN ('rows', 'row_count')) FROM " + rel + ")"
		rows, err := db.QueryContext(ctx, "SELECT to_json(t)::VARCHAR AS j FROM "+sel+" t ORDER BY j")
		if err != nil {
			return nil, fmt.Errorf("read %s.%s: %w", destination, part.table, err)
		}
		fmt.Fprintf(h, "%s\n", part.table)
		for rows.Next() {
			var j string
			if err := rows.Scan(&j); err != nil {
				rows.Close()
				return nil, err
			}
			*part.into = append(*part.into, json.RawMessage(j))
			fmt.Fprintf(h, "%s\n", j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	m.Hash = hex.EncodeToString(h.Sum(nil))
	var err error
	if m.Confirmed, err = confirmation(ctx, db, destination, m.Hash); err != nil {
		return nil, err
	}
	if m.LastConfirmed, err = confirmation(ctx, db, destination, ""); err != nil {
		return nil, err
	}
	return m, nil
}

func confirmation(ctx context.Context, db *sql.DB, destination, hash string) (*Confirmation, error) {
	c := &Confirmation{Destination: destination}
	var run sql.NullInt64
	var note sql.NullString
	err := db.QueryRowContext(ctx,
		"SELECT map_hash, confirmed_by, confirmed_at, run_id, objects, fields, note FROM meta.map_confirmation WHERE destination = ? AND (? = '' OR map_hash = ?) ORDER BY confirmed_at DESC LIMIT 1",
		destination, hash, hash).Scan(&c.Hash, &c.By, &c.At, &run, &c.Objects, &c.Fields, &note)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("map confirmations: %w", err)
	}
	c.RunID, c.Note = run.Int64, note.String
	return c, nil
}

// Confirm records that by reviewed and approved m. runID is the model run
// whose tables were reviewed (0 when unknown).
func Confirm(ctx context.Context, db *sql.DB, m *Map, by, note string, runID int64) (*Confirmation, error) {
	if by == "" {
		return nil, errors.New("a confirmation needs the name of who confirms")
	}
	c := &Confirmation{Destination: m.Destination, Hash: m.Hash, By: by, At: time.Now().UTC(), RunID: runID,
		Objects: len(m.Objects), Fields: len(m.Fields), Note: note}
	var run any
	if runID > 0 {
		run = runID
	}
	var n any
	if note != "" {
		n = note
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO meta.map_confirmation VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		c.Destination, c.Hash, c.By, c.At, run, c.Objects, c.Fields, n); err != nil {
		return nil, fmt.Errorf("confirm the %s map: %w", m.Destination, err)
	}
	m.Confirmed = c
	return c, nil
}

// Require returns the confirmed map, or *NotConfirmedError when the map the
// warehouse holds now was never confirmed.
func Require(ctx context.Context, db *sql.DB, destination string) (*Map, error) {
	m, err := Read(ctx, db, destination)
	if err != nil {
		return nil, err
	}
	if m.Confirmed == nil {
		return m, &NotConfirmedError{Destination: destination, Hash: m.Hash, Last: m.LastConfirmed}
	}
	return m, nil
}
