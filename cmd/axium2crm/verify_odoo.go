package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters/odoo"
)

type verifyOdooOptions struct {
	sample   int
	examples int
}

func newVerifyOdooCmd(g *globals) *cobra.Command {
	o := &verifyOdooOptions{}
	cmd := &cobra.Command{
		Use:   "odoo",
		Short: "Read the pushed records back from Odoo and compare them with the odoo.* tables",
		Long: `Read every record of the odoo.* tables back from Odoo (external ids to
database ids through ir.model.data, then the records in batches) and compare
it field by field with the table, after normalizing what Odoo legitimately
changes: html sanitized (its text is compared), datetimes read back in UTC,
references compared by external id, many2many as sets, numbers as numbers,
False for empty, char fields trimmed, fields Odoo derives (an all-day event's
start and stop, the implied groups of a user), attachment files by size and
checksum. Reports per table: expected, found, missing, extra (records bound
to an axium external id that no table holds) and mismatched fields with
examples. --sample N adds a side-by-side report of N records spanning every
table, for a person to review. Exits 3 on any difference. The run is logged
in meta.push_run (mode verify), each difference in meta.push_record.

The server comes from ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or
ODOO_API_KEY, as for push odoo.`,
		Example: `  axium2crm verify odoo --project ./mig
  axium2crm verify odoo --sample 20 --examples 10 --project ./mig`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerifyOdoo(cmd, g, o) },
	}
	cmd.Flags().IntVar(&o.sample, "sample", 0, "show N records side by side, source value vs Odoo's")
	cmd.Flags().IntVar(&o.examples, "examples", 5, "mismatched fields shown per table")
	return cmd
}

func runVerifyOdoo(cmd *cobra.Command, g *globals, o *verifyOdooOptions) error {
	if o.sample < 0 || o.examples < 0 {
		return usageError{errors.New("--sample and --examples must be positive")}
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
	rep, err := odoo.Verify(cmd.Context(), p.wh.DB(), c, odoo.VerifyOptions{TimeZone: tz, Sample: o.sample, Examples: o.examples,
		BatchSize: p.cfg.Odoo.BatchSize, Target: odooTarget(), Args: fmt.Sprintf("sample=%d examples=%d", o.sample, o.examples)})
	if err != nil {
		return err
	}
	if g.json {
		if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		printOdooVerifyReport(cmd.OutOrStdout(), rep, o.examples)
	}
	if n := rep.Differences(); n > 0 {
		return validationError{fmt.Sprintf("%d records differ from the odoo.* tables (verify run %d; details in meta.push_record)", n, rep.RunID)}
	}
	return nil
}

func printOdooVerifyReport(out io.Writer, rep *odoo.VerifyReport, examples int) {
	fmt.Fprintf(out, "Verify run %d of push run %d against %s\n\n", rep.RunID, rep.PushRun, rep.Target)
	t := table{columns: []string{"table", "model", "expected", "found", "missing", "extra", "mismatched"}}
	for _, r := range rep.Tables {
		t.rows = append(t.rows, []any{r.Table, r.Model, r.Expected, r.Found, r.Missing, r.Extra, r.Mismatched})
	}
	_ = printAligned(out, t)
	diffs := table{columns: []string{"table", "external id", "source key", "field", "source", "odoo"}}
	gone := table{columns: []string{"table", "external id", "what"}}
	for _, r := range rep.Tables {
		for _, d := range r.Differences {
			diffs.rows = append(diffs.rows, []any{r.Table, d.XID, d.SourceKey, d.Field, d.Source, d.Destination})
		}
		for _, x := range r.MissingXIDs[:min(examples, len(r.MissingXIDs))] {
			gone.rows = append(gone.rows, []any{r.Table, x, "missing in Odoo"})
		}
		for _, x := range r.ExtraXIDs[:min(examples, len(r.ExtraXIDs))] {
			gone.rows = append(gone.rows, []any{r.Table, x, "in Odoo, not in " + r.Table})
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
		fmt.Fprintln(out, "\nSide by side, for review (source value | value in Odoo):")
		for _, s := range rep.Sample {
			fmt.Fprintf(out, "\n%s %s (source %s)", s.Table, s.XID, s.SourceKey)
			if !s.Found {
				fmt.Fprint(out, ": NOT IN ODOO")
			}
			fmt.Fprintln(out)
			st := table{columns: []string{"field", "source", "odoo", "same"}}
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
		fmt.Fprintln(out, "\nNo difference: Odoo holds what the tables hold.")
	}
}
