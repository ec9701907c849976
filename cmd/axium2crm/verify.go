package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters"
)

type verifyOptions struct {
	sample   int
	counts   bool
	examples int
	insecure bool
}

// newVerifyCmd is the parent of each destination's verify command: read
// the pushed records back and compare them field by field with the
// snapshot that was pushed.
func newVerifyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Read pushed records back from a CRM and compare them field by field",
		Args:  argsUsage(cobra.NoArgs),
	}
	cmd.AddCommand(newVerifyDestinationCmd(g, twentyCRM, twentyVerifyHelp), newVerifyDestinationCmd(g, odooCRM, odooVerifyHelp))
	return cmd
}

func newVerifyDestinationCmd(g *globals, c crm, h help) *cobra.Command {
	o := &verifyOptions{}
	cmd := destinationCmd(h, func(cmd *cobra.Command) error { return runVerify(cmd, g, c, o) })
	cmd.Flags().IntVar(&o.sample, "sample", 0, "check only a sample of about N records (every table and record type, in proportion), side by side, source value vs "+c.title+"'s")
	cmd.Flags().BoolVar(&o.counts, "counts", false, "only compare each table's row count with "+c.title+"'s count, one call a table")
	cmd.Flags().IntVar(&o.examples, "examples", 5, "mismatched fields shown per table")
	insecureFlag(cmd, &o.insecure)
	return cmd
}

func runVerify(cmd *cobra.Command, g *globals, c crm, o *verifyOptions) error {
	if o.sample < 0 || o.examples < 0 {
		return usageError{errors.New("--sample and --examples must be positive")}
	}
	if o.counts && o.sample > 0 {
		return usageError{errors.New("--counts and --sample are two ways to check less: choose one")}
	}
	p, dest, err := openDestination(cmd, g, c, o.insecure)
	if err != nil {
		return err
	}
	defer p.Close()
	// Verify tells nothing as it reads: the progress says it is alive.
	pr := newProgress(cmd.ErrOrStderr(), "verify "+c.name, "", 0)
	pr.set(0, "reading the records back from "+c.title)
	rep, err := dest.Verify(cmd.Context(), p.wh.DB(), exporters.VerifyOptions{Sample: o.sample, Counts: o.counts, Examples: o.examples,
		Args: fmt.Sprintf("sample=%d counts=%t examples=%d insecure=%t", o.sample, o.counts, o.examples, o.insecure)})
	pr.finishWith(fmt.Sprintf("%d read calls", rep.ReadCalls))
	// Verify reads whatever server it is pointed at, which is how a person
	// finds out what another server lacks; it says so when that server is
	// not the one the push went to.
	if pushed, perr := exporters.PushTarget(cmd.Context(), p.wh.DB(), c.name, rep.PushRun); perr == nil &&
		pushed != "" && rep.Target != "" && !exporters.SameTarget(pushed, rep.Target) {
		fmt.Fprintf(cmd.ErrOrStderr(), "axium2crm: push run %d went to %s, not to %s: what this verify finds missing there was never sent to it\n",
			rep.PushRun, pushed, rep.Target)
	}
	if err != nil {
		return err
	}
	if g.json {
		if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		printVerifyReport(cmd.OutOrStdout(), c.title, rep, o.examples)
	}
	if n := rep.Differences(); n > 0 {
		return &exporters.DifferencesError{Destination: c.name, RunID: rep.RunID, Differences: n}
	}
	return nil
}

// coverage is share (0 to 1) as a percentage with one decimal, or with
// the decimals that show its first two digits when it is under 1%: a
// sample of 271 records of a table of 13.9 million covers 0.0020%, not
// "0.0%", which reads as none checked.
func coverage(share float64) string {
	pct := 100 * share
	if pct == 0 || pct >= 1 {
		return fmt.Sprintf("%.1f%%", pct)
	}
	decimals := int(math.Ceil(-math.Log10(pct))) + 1
	return fmt.Sprintf("%.*f%%", decimals, pct)
}

func printVerifyReport(out io.Writer, title string, rep exporters.VerifyReport, examples int) {
	fmt.Fprintf(out, "Verify run %d of push run %d against %s (%s, %d calls)\n\n", rep.RunID, rep.PushRun, rep.Target, rep.Mode, rep.ReadCalls)
	if len(rep.Counts) > 0 {
		// A counts-only verify reads no record: it has no checked or
		// covered column to show (every row would say 0 and 0.0%).
		counts := rep.Mode == exporters.VerifyCounts
		ct := table{columns: []string{"table", "object", "rows", "in " + strings.ToLower(title), "checked", "covered"}}
		if counts {
			ct.columns = ct.columns[:4]
		}
		for _, c := range rep.Counts {
			row := []any{c.Table, c.Object, c.Rows, c.Destination, c.Checked, coverage(c.Coverage())}
			if counts {
				row = row[:4]
			}
			ct.rows = append(ct.rows, row)
		}
		_ = printAligned(out, ct)
		fmt.Fprintln(out)
	}
	t := table{columns: []string{"table", "object", "expected", "found", "missing", "extra", "mismatched"}}
	for _, r := range rep.Tables {
		t.rows = append(t.rows, []any{r.Table, r.Object, r.Expected, r.Found, r.Missing, r.Extra, r.Mismatched})
	}
	_ = printAligned(out, t)
	name := strings.ToLower(title)
	diffs := table{columns: []string{"table", "id", "source key", "field", "source", name}}
	gone := table{columns: []string{"table", "id", "what"}}
	for _, r := range rep.Tables {
		for _, d := range r.Differences {
			diffs.rows = append(diffs.rows, []any{r.Table, d.ID, d.SourceKey, d.Field, d.Source, d.Destination})
		}
		for _, id := range r.MissingIDs[:min(examples, len(r.MissingIDs))] {
			gone.rows = append(gone.rows, []any{r.Table, id, "missing in " + title})
		}
		for _, id := range r.ExtraIDs[:min(examples, len(r.ExtraIDs))] {
			gone.rows = append(gone.rows, []any{r.Table, id, "in " + title + ", not in " + r.Table})
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
		fmt.Fprintf(out, "\nSide by side, for review (source value | value in %s):\n", title)
		for _, s := range rep.Sample {
			fmt.Fprintf(out, "\n%s %s (source %s)", s.Table, s.ID, s.SourceKey)
			if !s.Found {
				fmt.Fprint(out, ": NOT IN "+strings.ToUpper(title))
			}
			fmt.Fprintln(out)
			st := table{columns: []string{"field", "source", name, "same"}}
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
		fmt.Fprintf(out, "\nNo difference: %s holds what the tables hold.\n", title)
	}
}
