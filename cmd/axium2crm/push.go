package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/exporters/twenty"
)

type pushOptions struct {
	dryRun bool
	resume bool
	sample int
	force  bool
	// propagateDeletes destroys records gone from the source since pushed.
	propagateDeletes bool
}

func newPushCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Send the built models to a CRM through its API, with an audit log",
	}
	cmd.AddCommand(newPushTwentyCmd(g), newPushOdooCmd(g))
	return cmd
}

func newPushTwentyCmd(g *globals) *cobra.Command {
	o := &pushOptions{}
	cmd := &cobra.Command{
		Use:   "twenty",
		Short: "Push the twenty.* tables to a Twenty workspace through its REST API",
		Long: `Push the twenty.* tables to Twenty: create the missing custom objects and
fields (a conflict with the workspace's data model stops before any record
moves), then upsert records in load order in batches of 200 keyed by their
deterministic ids, uploading attachment files first. Every record is logged
in meta.push_record; a record unchanged since its last push is skipped, so
pushing again sends nothing new: after a newer export is loaded and the
models re-run, only new and changed rows are sent. Records pushed earlier
that the tables no longer have are reported, and destroyed only with
--propagate-deletes. An interrupted push (Ctrl-C, network loss)
is finished with --resume, which sends nothing twice.

The server and key come from TWENTY_URL and TWENTY_API_KEY (or
twenty.api_key_file in axium2crm.yaml, which must be mode 0600); never pass a
key on the command line. The push refuses to run on a map nobody confirmed
(axium2crm map twenty --confirm; a dry run is allowed) and while the twenty
models' data tests fail (axium2crm test) unless --force.`,
		Example: `  TWENTY_URL=https://crm.example.edu axium2crm push twenty --dry-run --project ./mig
  axium2crm push twenty --sample 20 --project ./mig
  axium2crm push twenty --resume --project ./mig`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runPushTwenty(cmd, g, o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "show the schema changes and record counts; change nothing")
	f.BoolVar(&o.resume, "resume", false, "finish the interrupted push")
	f.IntVar(&o.sample, "sample", 0, "push only N patients and what links to them")
	f.BoolVar(&o.force, "force", false, "push even though data tests fail")
	f.BoolVar(&o.propagateDeletes, "propagate-deletes", false, "destroy (hard delete) the records gone from the source since they were pushed")
	return cmd
}

// twentyCredentials reads the server URL and API key from the environment,
// or the key from the project's key file (refused unless owner-only).
func twentyCredentials(dir string, cfg config.Twenty) (string, string, error) {
	url := os.Getenv("TWENTY_URL")
	if url == "" {
		return "", "", usageError{errors.New("set TWENTY_URL to the Twenty server's address")}
	}
	if key := strings.TrimSpace(os.Getenv("TWENTY_API_KEY")); key != "" {
		return url, key, nil
	}
	if cfg.APIKeyFile == "" {
		return "", "", usageError{errors.New("set TWENTY_API_KEY, or twenty.api_key_file in axium2crm.yaml")}
	}
	path := config.Resolve(dir, cfg.APIKeyFile)
	st, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("twenty.api_key_file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", "", validationError{fmt.Sprintf("twenty.api_key_file %s is readable by others (mode %04o): chmod 600 it", path, st.Mode().Perm())}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("twenty.api_key_file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", "", validationError{fmt.Sprintf("twenty.api_key_file %s is empty", path)}
	}
	return url, key, nil
}

func runPushTwenty(cmd *cobra.Command, g *globals, o *pushOptions) error {
	if o.sample < 0 {
		return usageError{errors.New("--sample must be positive")}
	}
	if o.propagateDeletes && o.sample > 0 {
		return usageError{errors.New("--propagate-deletes needs the whole data set, not --sample")}
	}
	if o.dryRun && o.resume {
		return usageError{errors.New("--dry-run and --resume do not go together")}
	}
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return err
	}
	defer p.Close()
	url, key, err := twentyCredentials(p.dir, p.cfg.Twenty)
	if err != nil {
		return err
	}
	errOut := cmd.ErrOrStderr()
	client, err := twenty.NewClient(twenty.Config{BaseURL: url, APIKey: key, Calls: p.cfg.Twenty.CallsPerMinute, Window: time.Minute,
		Logger: slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	m, err := twenty.NewMapper(p.cfg.Twenty.TimeZone)
	if err != nil {
		return err
	}
	rep, err := twenty.Push(cmd.Context(), p.wh.DB(), twenty.PushOptions{
		Client: client, Mapper: m, DryRun: o.dryRun, Resume: o.resume, Sample: o.sample, Force: o.force,
		PropagateDeletes: o.propagateDeletes,
		Args: fmt.Sprintf("dry_run=%t resume=%t sample=%d force=%t propagate_deletes=%t",
			o.dryRun, o.resume, o.sample, o.force, o.propagateDeletes),
		Progress: func(s string) { fmt.Fprintln(errOut, s) },
	})
	var te *twenty.TestsFailedError
	var ce *twenty.ConflictError
	var ue *audit.UnfinishedError
	var nc *mapping.NotConfirmedError
	switch {
	case errors.As(err, &te), errors.As(err, &ce), errors.As(err, &nc):
		return validationError{err.Error()}
	case errors.As(err, &ue):
		return err
	case err != nil && len(rep.Objects) == 0:
		return err
	}
	if g.json {
		if jerr := writeJSON(cmd.OutOrStdout(), rep); jerr != nil {
			return jerr
		}
	} else {
		printPushReport(cmd.OutOrStdout(), rep)
	}
	if err != nil {
		if rep.RunID > 0 {
			return fmt.Errorf("push run %d stopped: %w (finish it with: axium2crm push twenty --resume)", rep.RunID, err)
		}
		return err
	}
	if len(rep.Failures) > 0 {
		return validationError{fmt.Sprintf("%d records were refused (reasons above and in meta.push_record, run %d)", len(rep.Failures), rep.RunID)}
	}
	return nil
}

func printPushReport(out io.Writer, rep twenty.PushReport) {
	switch {
	case rep.DryRun:
		fmt.Fprintf(out, "Dry run against %s: nothing was changed.\n", rep.Target)
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
	t := table{columns: []string{"object", "table", "rows", "create", "update", "skip", "fail"}}
	for _, o := range rep.Objects {
		t.rows = append(t.rows, []any{o.Object, o.Table, o.Rows, o.Create, o.Update, o.Skip, o.Fail})
	}
	_ = printAligned(out, t)
	if len(rep.Gone) > 0 {
		fmt.Fprintln(out, "\nGone from the source since pushed:")
		gt := table{columns: []string{"object", "table", "records", "destroyed", "examples (destination id / source key)"}}
		for _, g := range rep.Gone {
			var ex []string
			for _, r := range g.Records[:min(3, len(g.Records))] {
				ex = append(ex, r.DestID+" / "+r.SourceKey)
			}
			gt.rows = append(gt.rows, []any{g.Object, g.Table, len(g.Records), g.Deleted, strings.Join(ex, ", ")})
		}
		_ = printAligned(out, gt)
		if !rep.DryRun && rep.Gone[0].Deleted == 0 {
			fmt.Fprintln(out, "They were left in Twenty; push with --propagate-deletes to destroy them.")
		}
	}
	if len(rep.Failures) > 0 {
		fmt.Fprintln(out, "\nRefused records:")
		ft := table{columns: []string{"object", "id", "source key", "reason"}}
		for _, f := range rep.Failures {
			ft.rows = append(ft.rows, []any{f.Object, f.ID, f.SourceKey, f.Reason})
		}
		_ = printAligned(out, ft)
	}
}
