package mapping

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Source names the source map's confirmations (meta.map_confirmation,
// destination 'source'): the project's source_map.yaml, which says how
// the export's files and columns land, is confirmed like a destination's
// map, by the hash of its content.
const Source = "source"

// SourceNotConfirmedError refuses to load or push while the source map in
// use was never confirmed, or changed since it was.
type SourceNotConfirmedError struct {
	Hash string
	Last *Confirmation
}

func (e *SourceNotConfirmedError) Error() string {
	what := "has never been confirmed"
	if e.Last != nil {
		what = fmt.Sprintf("changed since %s confirmed it on %s", e.Last.By, e.Last.At.Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("the source map (source_map.yaml) %s: review it with `axium2crm map source` and confirm it with `axium2crm map source --confirm`", what)
}

// SourceConfirmed returns the confirmation of the source map with this
// hash, or *SourceNotConfirmedError.
func SourceConfirmed(ctx context.Context, db *sql.DB, hash string) (*Confirmation, error) {
	c, err := confirmation(ctx, db, Source, hash)
	if err != nil || c != nil {
		return c, err
	}
	last, err := confirmation(ctx, db, Source, "")
	if err != nil {
		return nil, err
	}
	return nil, &SourceNotConfirmedError{Hash: hash, Last: last}
}

// ConfirmSource records that by approved the source map with this hash
// (files and columns are counted in the record).
func ConfirmSource(ctx context.Context, db *sql.DB, hash, by, note string, files, columns int) (*Confirmation, error) {
	if by == "" {
		return nil, errors.New("a confirmation needs the name of who confirms")
	}
	c := &Confirmation{Destination: Source, Hash: hash, By: by, At: time.Now().UTC(), Objects: files, Fields: columns, Note: note}
	var n any
	if note != "" {
		n = note
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO meta.map_confirmation VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		c.Destination, c.Hash, c.By, c.At, nil, c.Objects, c.Fields, n); err != nil {
		return nil, fmt.Errorf("confirm the source map: %w", err)
	}
	return c, nil
}
