package twenty

import (
	"context"
	"database/sql"
	"errors"

	"github.com/axium2crm/axium2crm/exporters"
)

// DestinationOptions configure NewDestination beyond the client.
type DestinationOptions struct {
	// Mapper converts the tables' values (nil: UTC).
	Mapper *Mapper
	// InFlight is PushOptions.InFlight.
	InFlight int
}

// destination drives Push, Verify, Rollback and ExportCSV through the
// shared exporters.Destination contract.
type destination struct {
	c   *Client
	opt DestinationOptions
}

// NewDestination is Twenty as an exporters.Destination: c reaches the
// workspace (ExportCSV makes no call and accepts a nil c).
func NewDestination(c *Client, opt DestinationOptions) exporters.Destination {
	return &destination{c: c, opt: opt}
}

func (d *destination) Name() string { return Destination }

func (d *destination) mapper() (*Mapper, error) {
	if d.opt.Mapper != nil {
		return d.opt.Mapper, nil
	}
	return NewMapper("")
}

func (d *destination) ExportCSV(ctx context.Context, db *sql.DB, dir string) (exporters.CSVReport, error) {
	m, err := d.mapper()
	if err != nil {
		return exporters.CSVReport{}, err
	}
	rep, err := ExportCSV(ctx, db, CSVOptions{OutDir: dir, Mapper: m})
	out := exporters.CSVReport{Readme: rep.Readme, Skipped: rep.Skipped, Detail: rep}
	for _, f := range rep.Files {
		out.Files = append(out.Files, exporters.CSVFile{Path: f.Path, Object: f.Object, Rows: f.Rows, Columns: f.Columns})
	}
	return out, err
}

func (d *destination) Push(ctx context.Context, db *sql.DB, opt exporters.PushOptions) (exporters.PushReport, error) {
	m, err := d.mapper()
	if err != nil {
		return exporters.PushReport{}, err
	}
	rep, err := Push(ctx, db, PushOptions{Client: d.c, Mapper: m, DryRun: opt.DryRun, Resume: opt.Resume, Sample: opt.Sample,
		Force: opt.Force, AllowMissingFiles: opt.AllowMissingFiles, ServerMoved: opt.ServerMoved, Args: opt.Args, PropagateDeletes: opt.PropagateDeletes, Progress: opt.Progress, InFlight: d.opt.InFlight})
	out := exporters.PushReport{RunID: rep.RunID, DryRun: rep.DryRun, Resumed: rep.Resumed, Failures: len(rep.Failures) + rep.FailuresNotListed,
		Target: rep.Target, Estimate: rep.Estimate, Permissions: rep.Permissions, Detail: rep}
	tables := map[string]string{}
	for _, o := range rep.Objects {
		out.Tables = append(out.Tables, exporters.TableCount{Table: o.Table, Object: o.Object, Rows: o.Rows,
			Created: o.Create, Updated: o.Update, Skipped: o.Skip, Failed: o.Fail})
		if _, ok := tables[o.Object]; !ok {
			tables[o.Object] = o.Table
		}
	}
	for _, a := range rep.Schema {
		out.Schema = append(out.Schema, exporters.SchemaChange{Kind: a.Kind, Object: a.Object, Field: a.Field, Type: a.Type, Detail: a.Detail})
	}
	for _, f := range rep.Failures {
		out.Refused = append(out.Refused, exporters.Refusal{Table: tables[f.Object], Object: f.Object, ID: f.ID,
			SourceKey: f.SourceKey, Reason: f.Reason})
	}
	for _, g := range rep.Gone {
		out.Gone += g.Count
		out.Deleted += g.Deleted
		gt := exporters.GoneTable{Table: g.Table, Object: g.Object, Count: g.Count, Deleted: g.Deleted}
		for _, r := range g.Records {
			gt.Records = append(gt.Records, exporters.GoneRecord{ID: r.DestID, SourceKey: r.SourceKey})
		}
		out.GoneTables = append(out.GoneTables, gt)
	}
	return out, err
}

func (d *destination) Verify(ctx context.Context, db *sql.DB, opt exporters.VerifyOptions) (exporters.VerifyReport, error) {
	m, err := d.mapper()
	if err != nil {
		return exporters.VerifyReport{}, err
	}
	rep, err := Verify(ctx, db, VerifyOptions{Client: d.c, Mapper: m, Sample: opt.Sample, Counts: opt.Counts, Examples: opt.Examples, Args: opt.Args})
	out := exporters.VerifyReport{RunID: rep.RunID, PushRun: rep.PushRun, Target: rep.Target, Tables: rep.Objects,
		Mode: rep.Mode, Counts: rep.Counts, ReadCalls: rep.ReadCalls, Detail: rep}
	tables := map[string]string{}
	for _, o := range rep.Objects {
		if _, ok := tables[o.Object]; !ok {
			tables[o.Object] = o.Table
		}
	}
	for _, s := range rep.Sample {
		out.Sample = append(out.Sample, exporters.SideBySide{Table: tables[s.Object], Object: s.Object, ID: s.ID,
			SourceKey: s.SourceKey, Found: s.Found, Fields: s.Fields})
	}
	return out, err
}

func (d *destination) Rollback(ctx context.Context, db *sql.DB, pushRun int64, opt exporters.RollbackOptions) (exporters.RollbackReport, error) {
	if d.c == nil {
		return exporters.RollbackReport{PushRun: pushRun}, errors.New("twenty rollback: no client")
	}
	rep, err := Rollback(ctx, db, RollbackOptions{Client: d.c, PushRun: pushRun, Schema: opt.Schema, ServerMoved: opt.ServerMoved, Args: opt.Args, Progress: opt.Progress})
	return exporters.RollbackReport{RunID: rep.RunID, PushRun: rep.PushRun, Resumed: rep.Resumed, Tables: rep.Tables,
		Schema: rep.Schema, SchemaLeft: rep.SchemaLeft, Detail: rep}, err
}
