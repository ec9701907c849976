package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters/twenty"
)

type verifyTwentyOptions struct {
	sample   int
	examples int
}

func newVerifyTwentyCmd(g *globals) *cobra.Command {
	o := &verifyTwentyOptions{}
	cmd := &cobra.Command{
		Use:   "twenty",
		Short: "Read the pushed records back from Twenty and compare them with the twenty.* tables",
		Long: `Read every record of the twenty.* tables back from Twenty by id (200 a
call, within the rate limit) and compare it field by field with the table,
after normalizing what Twenty legitimately changes (phone formatting, e-mail
case, the rich-text blocknote, how timestamps and numbers are written,
multi-select order). Reports per object: expected, found, missing, extra
(records at the destination the tables no longer have: pushed earlier, or
linked to a migrated person) and mismatched fields with examples.
--sample N adds a side-by-side report of N records spanning every object,
for a person to review. Exits 3 on any difference. The run is logged in
meta.push_run (mode verify).`,
		Example: `  axium2crm verify twenty --project ./mig
  axium2crm verify twenty --sample 20 --project ./mig`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerifyTwenty(cmd, g, o) },
	}
	cmd.Flags().IntVar(&o.sample, "sample", 0, "show N records side by side, source value vs Twenty's")
	cmd.Flags().IntVar(&o.examples, "examples", 5, "mismatched fields shown per object")
	return cmd
}

// newTwentyClient builds the client from the environment and project
// settings; retries and refusals are logged to stderr.
func newTwentyClient(cmd *cobra.Command, p *project) (*twenty.Client, *twenty.Mapper, error) {
	url, key, err := twentyCredentials(p.dir, p.cfg.Twenty)
	if err != nil {
		return nil, nil, err
	}
	client, err := twenty.NewClient(twenty.Config{BaseURL: url, APIKey: key, Calls: p.cfg.Twenty.CallsPerMinute, Window: time.Minute,
		Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, nil, err
	}
	m, err := twenty.NewMapper(p.cfg.Twenty.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	return client, m, nil
}

func runVerifyTwenty(cmd *cobra.Command, g *globals, o *verifyTwentyOptions) error {
	if o.sample < 0 || o.examples < 0 {
		return usageError{fmt.Errorf("--sample and --examples must be positive")}
	}
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return err
	}
	defer p.Close()
	client, m, err := newTwentyClient(cmd, p)
	if err != nil {
		return err
	}
	rep, err := twenty.Verify(cmd.Context(), p.wh.DB(), twenty.VerifyOptions{Client: client, Mapper: m, Sample: o.sample,
		Examples: o.examples, Args: fmt.Sprintf("sample=%d", o.sample)})
	if err != nil {
		return err
	}
	if g.json {
		if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		printVerifyReport(cmd.OutOrStdout(), rep)
	}
	if n := rep.Differences(); n > 0 {
		return validationError{fmt.Sprintf("%d records differ from the twenty.* tables (verify run %d; details in meta.push_record)", n, rep.RunID)}
	}
	return nil
}

func printVerifyReport(out io.Writer, rep twenty.VerifyReport) {
	fmt.Fprintf(out, "Verify run %d of push run %d against %s\n\n", rep.RunID, rep.PushRun, rep.Target)
	t := table{columns: []string{"object", "table", "expected", "found", "missing", "extra", "mismatched"}}
	for _, o := range rep.Objects {
		t.rows = append(t.rows, []any{o.Object, o.Table, o.Expected, o.Found, o.Missing, o.Extra, o.Mismatched})
	}
	_ = printAligned(out, t)
	var diffs table
	diffs.columns = []string{"object", "id", "source key", "field", "source", "twenty"}
	var gone table
	gone.columns = []string{"object", "id", "what"}
	for _, o := range rep.Objects {
		for _, d := range o.Differences {
			diffs.rows = append(diffs.rows, []any{o.Object, d.ID, d.SourceKey, d.Field, d.Source, d.Destination})
		}
		for _, id := range o.MissingIDs[:min(5, len(o.MissingIDs))] {
			gone.rows = append(gone.rows, []any{o.Object, id, "missing in Twenty"})
		}
		for _, id := range o.ExtraIDs[:min(5, len(o.ExtraIDs))] {
			gone.rows = append(gone.rows, []any{o.Object, id, "in Twenty, not in " + o.Table})
		}
	}
	if len(diffs.rows) > 0 {
		fmt.Fprintln(out, "\nMismatched fields (examples):")
		_ = printAligned(out, diffs)
	}
	if len(gone.rows) > 0 {
		fmt.Fprintln(out, "\nMissing and extra records (examples):")
		_ = printAligned(out, gone)
	}
	if len(rep.Sample) > 0 {
		fmt.Fprintln(out, "\nSide by side, for review (source value | value in Twenty):")
		for _, s := range rep.Sample {
			fmt.Fprintf(out, "\n%s %s (source %s)", s.Object, s.ID, s.SourceKey)
			if !s.Found {
				fmt.Fprint(out, ": NOT IN TWENTY")
			}
			fmt.Fprintln(out)
			st := table{columns: []string{"field", "source", "twenty", "same"}}
			for _, f := range s.Fields {
				same := "yes"
				if !f.Same {
					same = "NO"
				}
				st.rows = append(st.rows, []any{f.Field, f.Source, f.Destination, same})
			}
			_ = printAligned(out, st)
		}
	}
	if rep.Differences() == 0 {
		fmt.Fprintln(out, "\nNo difference: Twenty holds what the tables hold.")
	}
}
