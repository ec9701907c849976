package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
)

type pushOptions struct {
	dryRun bool
	resume bool
	sample int
	force  bool
	// allowMissingFiles sends the records whose documents' files are gone.
	allowMissingFiles bool
	// propagateDeletes deletes the records gone from the source since pushed.
	propagateDeletes bool
	insecure         bool
	serverMoved      bool
}

func newPushCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Send the built models to a CRM through its API, with an audit log",
	}
	cmd.AddCommand(newPushDestinationCmd(g, twentyCRM, twentyPushHelp), newPushDestinationCmd(g, odooCRM, odooPushHelp))
	return cmd
}

func newPushDestinationCmd(g *globals, c crm, h help) *cobra.Command {
	o := &pushOptions{}
	cmd := destinationCmd(h, func(cmd *cobra.Command) error { return runPush(cmd, g, c, o) })
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "show the schema changes and record counts; change nothing")
	f.BoolVar(&o.resume, "resume", false, "finish the interrupted push")
	f.IntVar(&o.sample, "sample", 0, "push only N patients and what links to them")
	f.BoolVar(&o.force, "force", false, "push even though data tests fail")
	f.BoolVar(&o.allowMissingFiles, "allow-missing-files", false, "push even though documents' export files are gone (each such document is logged as failed)")
	f.BoolVar(&o.propagateDeletes, "propagate-deletes", false, c.propagateHelp)
	serverMovedFlag(cmd, &o.serverMoved)
	insecureFlag(cmd, &o.insecure)
	return cmd
}

// serverMovedFlag is --server-moved: the server the audit log is of now
// answers at the configured address (a push or rollback to any other
// server than the log's is refused).
func serverMovedFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "server-moved", false, "the server this project pushed to now answers at the configured address")
}

func runPush(cmd *cobra.Command, g *globals, c crm, o *pushOptions) error {
	if o.sample < 0 {
		return usageError{errors.New("--sample must be positive")}
	}
	if o.propagateDeletes && o.sample > 0 {
		return usageError{errors.New("--propagate-deletes needs the whole data set, not --sample")}
	}
	if o.dryRun && o.resume {
		return usageError{errors.New("--dry-run and --resume do not go together")}
	}
	p, dest, err := openDestination(cmd, g, c, o.insecure)
	if err != nil {
		return err
	}
	defer p.Close()
	// An empty patient table is a load that matched nothing, not a push.
	if err := requireCoreBuilt(cmd.Context(), p.wh.DB(), c); err != nil {
		return err
	}
	if !o.dryRun {
		// The records came through the source map: it must still be the
		// version a person confirmed.
		base, err := p.cfg.Specs()
		if err != nil {
			return err
		}
		if _, err := p.requireSourceMap(cmd.Context(), base); err != nil {
			return err
		}
	}
	errOut := cmd.ErrOrStderr()
	rep, err := dest.Push(cmd.Context(), p.wh.DB(), exporters.PushOptions{
		DryRun: o.dryRun, Resume: o.resume, Sample: o.sample, Force: o.force, AllowMissingFiles: o.allowMissingFiles, PropagateDeletes: o.propagateDeletes,
		ServerMoved: o.serverMoved,
		Args: fmt.Sprintf("dry_run=%t resume=%t sample=%d force=%t allow_missing_files=%t propagate_deletes=%t insecure=%t server_moved=%t",
			o.dryRun, o.resume, o.sample, o.force, o.allowMissingFiles, o.propagateDeletes, o.insecure, o.serverMoved),
		Progress: func(s string) { fmt.Fprintln(errOut, s) },
	})
	var nc *mapping.NotConfirmedError
	var ue *audit.UnfinishedError
	var te *exporters.TargetError
	switch {
	case errors.Is(err, exporters.ErrTestsFailed), errors.Is(err, exporters.ErrSchemaConflict), errors.As(err, &nc), errors.As(err, &te):
		return err
	case errors.As(err, &ue):
		return fmt.Errorf("%w (or look at meta.push_run %d)", err, ue.RunID)
	case err != nil && len(rep.Tables) == 0:
		return err
	}
	if err == nil && o.dryRun {
		// What the push would refuse before any call, said now.
		var fe *exporters.FilesError
		if ferr := exporters.CheckFiles(cmd.Context(), p.wh.DB(), c.name); errors.As(ferr, &fe) {
			rep.Files = fe.Problems
		} else if ferr != nil {
			rep.Files = []string{fmt.Sprintf("the documents' export files could not be checked: %v", ferr)}
		}
	}
	if g.json {
		if jerr := writeJSON(cmd.OutOrStdout(), rep); jerr != nil {
			return jerr
		}
	} else {
		printPushReport(cmd.OutOrStdout(), c.title, rep)
	}
	if err != nil {
		if rep.RunID > 0 {
			return fmt.Errorf("push run %d stopped: %w (finish it with: axium2crm push %s --resume)", rep.RunID, err, c.name)
		}
		return err
	}
	if rep.Failures > 0 {
		return validationError{fmt.Sprintf("%d records were refused (reasons above and in meta.push_record, run %d)", rep.Failures, rep.RunID)}
	}
	return nil
}

func printPushReport(out io.Writer, title string, rep exporters.PushReport) {
	switch {
	case rep.DryRun && rep.Target != "":
		fmt.Fprintf(out, "Dry run: nothing was changed. Target: %s\n", rep.Target)
	case rep.DryRun:
		fmt.Fprintln(out, "Dry run: nothing was changed.")
	case rep.Resumed:
		fmt.Fprintf(out, "Push run %d to %s (resumed)\n", rep.RunID, rep.Target)
	default:
		fmt.Fprintf(out, "Push run %d to %s\n", rep.RunID, rep.Target)
	}
	if len(rep.Schema) > 0 {
		fmt.Fprintln(out, "\nData model changes:")
		t := table{columns: []string{"change", "object", "field", "type", "detail"}}
		for _, a := range rep.Schema {
			t.rows = append(t.rows, []any{a.Kind, a.Object, a.Field, a.Type, a.Detail})
		}
		_ = printAligned(out, t)
	}
	fmt.Fprintln(out, "\nRecords:")
	t := table{columns: []string{"table", "object", "rows", "create", "update", "skip", "fail"}}
	est := map[string]exporters.TableEstimate{}
	if rep.DryRun {
		t.columns = append(t.columns, "calls", "expected time")
		for _, e := range rep.Estimate.Tables {
			est[e.Table] = e
		}
	}
	for _, c := range rep.Tables {
		row := []any{c.Table, c.Object, c.Rows, c.Created, c.Updated, c.Skipped, c.Failed}
		if rep.DryRun {
			e := est[c.Table]
			row = append(row, e.Calls, exporters.FormatSeconds(e.Seconds))
		}
		t.rows = append(t.rows, row)
	}
	_ = printAligned(out, t)
	if rep.DryRun {
		printEstimate(out, rep)
		if len(rep.Permissions) > 0 {
			fmt.Fprintln(out, "\nPermissions the push needs and does not have:")
			for _, p := range rep.Permissions {
				fmt.Fprintf(out, "  - %s\n", p)
			}
		}
		if len(rep.Files) > 0 {
			fmt.Fprintln(out, "\nDocuments the push cannot read (it refuses to start unless --allow-missing-files, which sends the")
			fmt.Fprintln(out, "records and logs each of these documents as failed):")
			for _, f := range rep.Files {
				fmt.Fprintf(out, "  - %s\n", f)
			}
		}
	}
	if len(rep.GoneTables) > 0 {
		fmt.Fprintln(out, "\nGone from the source since pushed:")
		gt := table{columns: []string{"table", "object", "records", "deleted", "examples (destination id / source key)"}}
		for _, g := range rep.GoneTables {
			var ex []string
			for _, r := range g.Records[:min(3, len(g.Records))] {
				ex = append(ex, r.ID+" / "+r.SourceKey)
			}
			gt.rows = append(gt.rows, []any{g.Table, g.Object, g.Count, g.Deleted, strings.Join(ex, ", ")})
		}
		_ = printAligned(out, gt)
		if !rep.DryRun && rep.Deleted == 0 {
			fmt.Fprintf(out, "They were left in %s; push with --propagate-deletes to delete them.\n", title)
		}
	}
	if len(rep.Refused) > 0 {
		fmt.Fprintln(out, "\nRefused records:")
		ft := table{columns: []string{"table", "id", "source key", "reason"}}
		for _, f := range rep.Refused {
			ft.rows = append(ft.rows, []any{f.Table, f.ID, f.SourceKey, f.Reason})
		}
		_ = printAligned(out, ft)
	}
}

// printEstimate writes a dry run's totals and the expected duration of
// its push, with what the figure rests on.
func printEstimate(out io.Writer, rep exporters.PushReport) {
	var create, update, skip int
	for _, c := range rep.Tables {
		create, update, skip = create+c.Created, update+c.Updated, skip+c.Skipped
	}
	e := rep.Estimate
	fmt.Fprintf(out, "\nIn total: %d to create, %d to update, %d to skip; %d calls", create, update, skip, e.Calls)
	if e.FixedCalls > 0 {
		fmt.Fprintf(out, " (%d of them made once, whatever the records: the data model, the members)", e.FixedCalls)
	}
	fmt.Fprintln(out, ".")
	fmt.Fprintf(out, "Expected duration: %s, at %s.\n", exporters.FormatSeconds(e.Seconds), e.Basis)
	if e.Caveat != "" {
		fmt.Fprintf(out, "Note: %s.\n", e.Caveat)
	}
}
