package odoo

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
)

// DestinationOptions configure NewDestination beyond the client.
type DestinationOptions struct {
	// TimeZone is the clinic's zone naive timestamps are read in; the
	// tables' timestamps cannot be sent or exported without it.
	TimeZone *time.Location
	// BatchSize is the records per call of push, verify and rollback
	// (0: 500); Workers the push's calls in flight (0: 2).
	BatchSize, Workers int
	// LiveScoring keeps Odoo's lead scoring counting during a push
	// (PushOptions.LiveScoring).
	LiveScoring bool
	// Target is recorded in the audit log (never a secret).
	Target string
}

// destination drives Push, Verify, Rollback and ExportCSV through the
// shared exporters.Destination contract.
type destination struct {
	c   *Client
	opt DestinationOptions
}

// NewDestination is Odoo as an exporters.Destination: c is a dialled
// client (ExportCSV makes no call and accepts a nil c).
func NewDestination(c *Client, opt DestinationOptions) exporters.Destination {
	if opt.Target == "" && c != nil {
		opt.Target = c.Target()
	}
	return &destination{c: c, opt: opt}
}

func (d *destination) Name() string { return "odoo" }

func (d *destination) ExportCSV(ctx context.Context, db *sql.DB, dir string) (exporters.CSVReport, error) {
	rep, err := ExportCSV(ctx, db, CSVOptions{OutDir: dir, TimeZone: d.opt.TimeZone})
	if rep == nil {
		return exporters.CSVReport{}, err
	}
	out := exporters.CSVReport{Readme: rep.Readme, Skipped: rep.Skipped, Detail: rep}
	for _, f := range rep.Files {
		out.Files = append(out.Files, exporters.CSVFile{Path: f.Path, Object: f.Model, Rows: f.Rows, Columns: f.Columns})
	}
	return out, err
}

// qualified names a table as the other destinations do (odoo.res_partner).
func qualified(table string) string {
	if strings.HasPrefix(table, "odoo.") {
		return table
	}
	return "odoo." + table
}

func (d *destination) Push(ctx context.Context, db *sql.DB, opt exporters.PushOptions) (exporters.PushReport, error) {
	if d.c == nil {
		return exporters.PushReport{DryRun: opt.DryRun}, errors.New("odoo push: no client")
	}
	rep, err := Push(ctx, db, d.c, PushOptions{BatchSize: d.opt.BatchSize, Workers: d.opt.Workers, TimeZone: d.opt.TimeZone,
		DryRun: opt.DryRun, Force: opt.Force, AllowMissingFiles: opt.AllowMissingFiles, ServerMoved: opt.ServerMoved, Resume: opt.Resume, Sample: opt.Sample, PropagateDeletes: opt.PropagateDeletes,
		LiveScoring: d.opt.LiveScoring, Target: d.opt.Target, Args: opt.Args, Progress: opt.Progress})
	out := exporters.PushReport{DryRun: opt.DryRun}
	if rep == nil {
		return out, err
	}
	out.RunID, out.Resumed, out.Failures, out.Target, out.Detail = rep.RunID, rep.Resumed, len(rep.Failures), d.opt.Target, rep
	out.Estimate, out.Permissions = rep.Estimate, rep.Permissions
	models := map[string]string{}
	for _, t := range rep.Tables {
		out.Tables = append(out.Tables, exporters.TableCount{Table: qualified(t.Table), Object: t.Model, Rows: t.Rows,
			Created: t.Create, Updated: t.Update, Skipped: t.Skip, Failed: t.Fail})
		models[qualified(t.Table)] = t.Model
	}
	if rep.Schema != nil {
		for _, a := range rep.Schema.Actions {
			out.Schema = append(out.Schema, exporters.SchemaChange{Kind: a.Kind, Object: a.Model, Field: a.Name, Detail: a.Detail})
		}
	}
	for _, f := range rep.Failures {
		out.Refused = append(out.Refused, exporters.Refusal{Table: qualified(f.Table), Object: models[qualified(f.Table)],
			ID: f.XID, Reason: f.Reason})
	}
	for _, g := range rep.Gone {
		out.Gone++
		table := qualified(g.Table)
		if n := len(out.GoneTables); n == 0 || out.GoneTables[n-1].Table != table {
			out.GoneTables = append(out.GoneTables, exporters.GoneTable{Table: table, Object: models[table]})
		}
		gt := &out.GoneTables[len(out.GoneTables)-1]
		gt.Count++
		gt.Records = append(gt.Records, exporters.GoneRecord{ID: g.XID, SourceKey: g.SourceKey})
		if g.Deleted {
			out.Deleted++
			gt.Deleted++
		}
	}
	return out, err
}

func (d *destination) Verify(ctx context.Context, db *sql.DB, opt exporters.VerifyOptions) (exporters.VerifyReport, error) {
	if d.c == nil {
		return exporters.VerifyReport{}, errors.New("odoo verify: no client")
	}
	rep, err := Verify(ctx, db, d.c, VerifyOptions{TimeZone: d.opt.TimeZone, Sample: opt.Sample, Counts: opt.Counts, Examples: opt.Examples,
		Target: d.opt.Target, Args: opt.Args})
	if rep == nil {
		return exporters.VerifyReport{}, err
	}
	out := exporters.VerifyReport{RunID: rep.RunID, PushRun: rep.PushRun, Target: rep.Target, Mode: rep.Mode, Counts: rep.Counts,
		ReadCalls: rep.ReadCalls, Detail: rep}
	for _, t := range rep.Tables {
		tv := exporters.TableVerify{Table: qualified(t.Table), Object: t.Model, Expected: t.Expected, Found: t.Found,
			Missing: t.Missing, Extra: t.Extra, Mismatched: t.Mismatched, MissingIDs: t.MissingXIDs, ExtraIDs: t.ExtraXIDs}
		for _, f := range t.Differences {
			tv.Differences = append(tv.Differences, exporters.FieldDiff{ID: f.XID, SourceKey: f.SourceKey, Field: f.Field,
				Source: f.Source, Destination: f.Destination})
		}
		out.Tables = append(out.Tables, tv)
	}
	models := map[string]string{}
	for _, t := range out.Tables {
		models[t.Table] = t.Object
	}
	for _, s := range rep.Sample {
		table := qualified(s.Table)
		out.Sample = append(out.Sample, exporters.SideBySide{Table: table, Object: models[table], ID: s.XID,
			SourceKey: s.SourceKey, Found: s.Found, Fields: s.Fields})
	}
	return out, err
}

func (d *destination) Rollback(ctx context.Context, db *sql.DB, pushRun int64, opt exporters.RollbackOptions) (exporters.RollbackReport, error) {
	if d.c == nil {
		return exporters.RollbackReport{PushRun: pushRun}, errors.New("odoo rollback: no client")
	}
	rep, err := Rollback(ctx, db, d.c, RollbackOptions{PushRun: pushRun, Schema: opt.Schema, ServerMoved: opt.ServerMoved, BatchSize: d.opt.BatchSize,
		Target: d.opt.Target, Args: opt.Args, Progress: opt.Progress})
	out := exporters.RollbackReport{PushRun: pushRun}
	if rep == nil {
		return out, err
	}
	out.RunID, out.Resumed, out.Schema, out.Detail = rep.RunID, rep.Resumed, rep.Schema, rep
	models := map[string]string{}
	if len(rep.Tables) > 0 {
		// The rollback report names tables only; the plan has their models.
		if plan, perr := ReadPlan(ctx, db); perr == nil {
			for _, o := range plan.Objects {
				models[o.Table] = o.Model
			}
		}
	}
	for _, t := range rep.Tables {
		out.Tables = append(out.Tables, exporters.RollbackCount{Table: qualified(t.Table), Object: models[t.Table],
			Destroyed: t.Deleted, Restored: t.Restored, AlreadyGone: t.Missing, NoPreImage: t.NoPreImage})
	}
	return out, err
}
