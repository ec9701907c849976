package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/exporters/odoo"
)

func newExportOdooCmd(g *globals) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "odoo --out DIR",
		Short: "Write Odoo import CSVs (one per table, in load order) and a README",
		Long: `Write one CSV per odoo.* table in load order (01_res_groups.csv,
02_res_partner_company.csv, ...) in the format of Odoo's importer: the id
column is the external id, "<field>/id" columns refer to other records by
external id, many2many columns hold comma-separated external ids. README.txt
beside them lists the custom model and x_ fields to create first, the groups,
the import order, and what only 'axium2crm push odoo' can load (attachment
files, the res_id of notes and attachments).`,
		Example: `  axium2crm export odoo --out ./odoo-import --project ./mig`,
		Args:    argsUsage(cobra.NoArgs),
		RunE:    func(cmd *cobra.Command, _ []string) error { return runExportOdoo(cmd, g, o) },
	}
	cmd.Flags().StringVar(&o.out, "out", "", "directory to write the files in (required)")
	return cmd
}

func runExportOdoo(cmd *cobra.Command, g *globals, o *exportOptions) error {
	if o.out == "" {
		return usageError{fmt.Errorf("--out DIR is required")}
	}
	p, err := openProject(cmd.Context(), g.project, true)
	if err != nil {
		return err
	}
	defer p.Close()
	rep, err := exportOdoo(cmd, p, o.out)
	if err != nil {
		return err
	}
	if g.json {
		return writeJSON(cmd.OutOrStdout(), rep)
	}
	printOdooCSVReport(cmd.OutOrStdout(), rep)
	return nil
}

func exportOdoo(cmd *cobra.Command, p *project, out string) (*odoo.CSVReport, error) {
	tz, err := time.LoadLocation(p.cfg.Odoo.TimeZone)
	if err != nil {
		return nil, err
	}
	return odoo.ExportCSV(cmd.Context(), p.wh.DB(), odoo.CSVOptions{OutDir: out, TimeZone: tz})
}

func printOdooCSVReport(out io.Writer, rep *odoo.CSVReport) {
	t := table{columns: []string{"file", "model", "rows", "columns"}}
	for _, f := range rep.Files {
		t.rows = append(t.rows, []any{f.Path, f.Model, f.Rows, f.Columns})
	}
	_ = printAligned(out, t)
	fmt.Fprintf(out, "\nRead %s first. Only the push can load:\n", rep.Readme)
	for _, s := range rep.Skipped {
		fmt.Fprintf(out, "  %s\n", s)
	}
}

type pushOdooOptions struct {
	pushOptions
	propagateDeletes bool
}

func newPushOdooCmd(g *globals) *cobra.Command {
	o := &pushOdooOptions{}
	cmd := &cobra.Command{
		Use:   "odoo",
		Short: "Push the odoo.* tables to an Odoo database through its XML-RPC or JSON-RPC API",
		Long: `Push the odoo.* tables to Odoo: check the modules the data needs, create the
custom model and x_ fields (a type conflict stops before any record moves),
then load records in load order in batches, each created together with its
external id (axium.<object>_<key>) so a lost answer never duplicates a
record. Every record is logged in meta.push_record; a record whose payload is
unchanged since it was last sent is skipped, so pushing again sends only new
and changed rows. Records that disappeared from the tables are listed, and
deleted in Odoo only with --propagate-deletes. An interrupted push is
finished with --resume.

The server comes from ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or
ODOO_API_KEY; never pass a password on the command line. The push refuses to
run while the map is unconfirmed or the odoo models' data tests fail
(--force overrides the tests).`,
		Example: `  ODOO_URL=https://odoo.example.edu ODOO_DB=clinic ODOO_USER=migration axium2crm push odoo --dry-run --project ./mig
  axium2crm push odoo --sample 20 --project ./mig
  axium2crm push odoo --resume --project ./mig`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runPushOdoo(cmd, g, o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "show the schema changes and record counts; change nothing")
	f.BoolVar(&o.resume, "resume", false, "finish the interrupted push")
	f.IntVar(&o.sample, "sample", 0, "push only N patients and what links to them")
	f.BoolVar(&o.force, "force", false, "push even though data tests fail")
	f.BoolVar(&o.propagateDeletes, "propagate-deletes", false, "delete in Odoo the records that disappeared from the tables")
	return cmd
}

// odooConfig reads the server and login from the environment.
func odooConfig(cfg config.Odoo) (odoo.Config, error) {
	c := odoo.Config{URL: os.Getenv("ODOO_URL"), DB: os.Getenv("ODOO_DB"), User: os.Getenv("ODOO_USER"), Protocol: cfg.Protocol}
	var missing []string
	for _, v := range [][2]string{{"ODOO_URL", c.URL}, {"ODOO_DB", c.DB}, {"ODOO_USER", c.User}} {
		if v[1] == "" {
			missing = append(missing, v[0])
		}
	}
	c.Password = strings.TrimSpace(os.Getenv("ODOO_API_KEY"))
	if c.Password == "" {
		c.Password = os.Getenv("ODOO_PASSWORD")
	}
	if c.Password == "" {
		missing = append(missing, "ODOO_PASSWORD or ODOO_API_KEY")
	}
	if len(missing) > 0 {
		return c, usageError{fmt.Errorf("set %s to reach Odoo", strings.Join(missing, ", "))}
	}
	return c, nil
}

// dialOdoo opens the project's Odoo connection.
func dialOdoo(cmd *cobra.Command, p *project) (*odoo.Client, *time.Location, error) {
	cfg, err := odooConfig(p.cfg.Odoo)
	if err != nil {
		return nil, nil, err
	}
	tz, err := time.LoadLocation(p.cfg.Odoo.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	c, err := odoo.Dial(cmd.Context(), cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, tz, nil
}

func odooTarget() string { return os.Getenv("ODOO_URL") + " db " + os.Getenv("ODOO_DB") }

func runPushOdoo(cmd *cobra.Command, g *globals, o *pushOdooOptions) error {
	if o.sample < 0 {
		return usageError{errors.New("--sample must be positive")}
	}
	if o.dryRun && o.resume {
		return usageError{errors.New("--dry-run and --resume do not go together")}
	}
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return err
	}
	defer p.Close()
	c, tz, err := dialOdoo(cmd, p)
	if err != nil {
		return err
	}
	errOut := cmd.ErrOrStderr()
	rep, err := odoo.Push(cmd.Context(), p.wh.DB(), c, odoo.PushOptions{
		BatchSize: p.cfg.Odoo.BatchSize, Workers: p.cfg.Odoo.Connections, TimeZone: tz,
		DryRun: o.dryRun, Resume: o.resume, Sample: o.sample, Force: o.force, PropagateDeletes: o.propagateDeletes,
		Target:   odooTarget(),
		Args:     fmt.Sprintf("dry_run=%t resume=%t sample=%d force=%t propagate_deletes=%t", o.dryRun, o.resume, o.sample, o.force, o.propagateDeletes),
		Progress: func(s string) { fmt.Fprintln(errOut, s) },
	})
	var te *odoo.TestsFailedError
	var ce *odoo.ConflictError
	var nc *mapping.NotConfirmedError
	var ue *audit.UnfinishedError
	switch {
	case errors.As(err, &te), errors.As(err, &ce), errors.As(err, &nc):
		return validationError{err.Error()}
	case errors.As(err, &ue):
		return fmt.Errorf("%w (or look at meta.push_run %d)", err, ue.RunID)
	case err != nil && (rep == nil || len(rep.Tables) == 0):
		return err
	}
	if g.json {
		if jerr := writeJSON(cmd.OutOrStdout(), rep); jerr != nil {
			return jerr
		}
	} else {
		printOdooPushReport(cmd.OutOrStdout(), rep)
	}
	if err != nil {
		if rep.RunID > 0 {
			return fmt.Errorf("push run %d stopped: %w (finish it with: axium2crm push odoo --resume)", rep.RunID, err)
		}
		return err
	}
	if len(rep.Failures) > 0 {
		return validationError{fmt.Sprintf("%d records were refused (reasons above and in meta.push_record, run %d)", len(rep.Failures), rep.RunID)}
	}
	return nil
}

func printOdooPushReport(out io.Writer, rep *odoo.Report) {
	if rep.DryRun {
		fmt.Fprintln(out, "Dry run: nothing was changed.")
	} else {
		fmt.Fprintf(out, "Push run %d\n", rep.RunID)
	}
	if rep.Schema != nil && len(rep.Schema.Actions) > 0 {
		fmt.Fprintln(out, "\nSchema changes:")
		t := table{columns: []string{"change", "model", "name", "detail"}}
		for _, a := range rep.Schema.Actions {
			t.rows = append(t.rows, []any{a.Kind, a.Model, a.Name, a.Detail})
		}
		_ = printAligned(out, t)
	}
	fmt.Fprintln(out, "\nRecords:")
	t := table{columns: []string{"table", "model", "rows", "create", "update", "skip", "fail", "gone", "delete", "calls"}}
	for _, r := range rep.Tables {
		t.rows = append(t.rows, []any{r.Table, r.Model, r.Rows, r.Create, r.Update, r.Skip, r.Fail, r.Gone, r.Delete, r.Calls})
	}
	_ = printAligned(out, t)
	if len(rep.Gone) > 0 {
		fmt.Fprintf(out, "\n%d records are in Odoo but no longer in the tables (kept; --propagate-deletes removes them):\n", len(rep.Gone))
		gt := table{columns: []string{"table", "external id", "source key"}}
		for _, g := range rep.Gone {
			gt.rows = append(gt.rows, []any{g.Table, g.XID, g.SourceKey})
		}
		_ = printAligned(out, gt)
	}
	if len(rep.Failures) > 0 {
		fmt.Fprintln(out, "\nRefused records:")
		ft := table{columns: []string{"table", "external id", "reason"}}
		for _, f := range rep.Failures {
			ft.rows = append(ft.rows, []any{f.Table, f.XID, f.Reason})
		}
		_ = printAligned(out, ft)
	}
}

type rollbackOdooOptions struct {
	push   int64
	schema bool
}

func newRollbackOdooCmd(g *globals) *cobra.Command {
	o := &rollbackOdooOptions{}
	cmd := &cobra.Command{
		Use:   "odoo --push P [--schema]",
		Short: "Undo an Odoo push: delete what it created, restore what it updated",
		Long: `Undo push run P (see meta.push_run): delete in Odoo every record it created,
in reverse load order (their external ids go with them), and write back the
values it replaced in the records it updated. With --schema also remove the
custom x_ fields and models it created. Logged as a rollback run whose
parent is P; safe to run again after an interruption.`,
		Example: `  axium2crm rollback odoo --push 12 --project ./mig
  axium2crm rollback odoo --push 12 --schema --project ./mig`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.push <= 0 {
				return usageError{errors.New("say which push to undo: --push P (a run id of meta.push_run)")}
			}
			p, err := openProject(cmd.Context(), g.project, false)
			if err != nil {
				return err
			}
			defer p.Close()
			c, _, err := dialOdoo(cmd, p)
			if err != nil {
				return err
			}
			errOut := cmd.ErrOrStderr()
			rep, err := odoo.Rollback(cmd.Context(), p.wh.DB(), c, odoo.RollbackOptions{PushRun: o.push, Schema: o.schema,
				BatchSize: p.cfg.Odoo.BatchSize, Target: odooTarget(), Args: fmt.Sprintf("push=%d schema=%t", o.push, o.schema),
				Progress: func(s string) { fmt.Fprintln(errOut, s) }})
			if err != nil {
				if rep != nil && rep.RunID > 0 {
					return fmt.Errorf("rollback run %d stopped: %w (run the same command again to finish it)", rep.RunID, err)
				}
				return err
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Rollback run %d of push %d\n", rep.RunID, rep.PushRun)
			t := table{columns: []string{"table", "deleted", "restored", "already gone"}}
			for _, r := range rep.Tables {
				t.rows = append(t.rows, []any{r.Table, r.Deleted, r.Restored, r.Missing})
			}
			_ = printAligned(out, t)
			if len(rep.Schema) > 0 {
				fmt.Fprintf(out, "\nRemoved %d custom fields and models.\n", len(rep.Schema))
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&o.push, "push", 0, "the push run to undo")
	cmd.Flags().BoolVar(&o.schema, "schema", false, "also remove the custom fields and models the push created")
	return cmd
}

// quickstartOdooImport writes the Odoo import files of the quickstart.
func quickstartOdooImport(cmd *cobra.Command, out io.Writer, p *project, dir string) error {
	rep, err := exportOdoo(cmd, p, dir)
	if err != nil {
		return err
	}
	rows := 0
	for _, f := range rep.Files {
		rows += f.Rows
	}
	fmt.Fprintf(out, "Odoo import files: %d CSVs (%d rows) in %s; read %s first\n", len(rep.Files), rows, dir, rep.Readme)
	return nil
}
