package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/fixtures"
)

func newFixturesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fixtures",
		Short: "Generate sample axiUm-shaped exports",
	}
	cmd.AddCommand(newFixturesGenerateCmd(g))
	return cmd
}

func newFixturesGenerateCmd(g *globals) *cobra.Command {
	o := fixtures.Options{Patients: 500, Seed: 1, Format: "csv", Layout: fixtures.LayoutDefault}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a deterministic synthetic axiUm export (same seed, same bytes)",
		Long: `Write synthetic axiUm-shaped exports of every object (patients, providers,
insurance, appointments, treatments, perio, transactions, claims, recalls,
notes, attachments with small real PDF/PNG files, custom forms). The same
options always produce byte-identical files. --dirty injects documented
defects and lists each one in fixture_defects.csv. No real patient data.

--layout alt writes the same records as another school's axiUm reports
would send them: other file and header names and column order,
Windows-1252, a wide perio chart, appointment date and start time apart,
status letters, guarantors as patient numbers, and institution-only
columns (see the fixtures package documentation for the letter tables).`,
		Example: `  axium2crm fixtures generate --out ./export --patients 500 --seed 7
  axium2crm fixtures generate --out ./export-json --format json --dirty
  axium2crm fixtures generate --out ./export-alt --layout alt --seed 7`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			if o.Patients < 1 {
				return usageError{fmt.Errorf("--patients must be at least 1")}
			}
			if o.Format != "csv" && o.Format != "json" {
				return usageError{fmt.Errorf("--format %q: use csv or json", o.Format)}
			}
			switch o.Layout {
			case fixtures.LayoutDefault:
			case fixtures.LayoutAlt:
				if o.Format != "csv" || o.Dirty {
					return usageError{fmt.Errorf("--layout alt writes clean CSV only: drop --format json and --dirty")}
				}
			default:
				return usageError{fmt.Errorf("--layout %q: use %s or %s", o.Layout, fixtures.LayoutDefault, fixtures.LayoutAlt)}
			}
			rep, err := fixtures.Generate(cmd.Context(), o)
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			printFixtureReport(cmd.OutOrStdout(), o.Out, rep)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Out, "out", "", "output directory (created owner-only)")
	cmd.Flags().IntVar(&o.Patients, "patients", o.Patients, "number of patients; everything else scales with it")
	cmd.Flags().Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	cmd.Flags().StringVar(&o.Format, "format", o.Format, "csv (report exports) or json (API pages)")
	cmd.Flags().BoolVar(&o.Dirty, "dirty", false, "inject documented defects and list them in fixture_defects.csv")
	cmd.Flags().StringVar(&o.Layout, "layout", o.Layout, "default, or alt: the same data as another school would send it")
	return cmd
}

func printFixtureReport(out io.Writer, dir string, rep fixtures.Report) {
	counts := map[string]int64{}
	files := map[string]int{}
	var order []string
	for _, f := range rep.Files {
		if _, ok := counts[f.Object]; !ok {
			order = append(order, f.Object)
		}
		counts[f.Object] += f.Records
		files[f.Object]++
	}
	t := table{columns: []string{"object", "files", "records"}}
	var total int64
	for _, o := range order {
		t.rows = append(t.rows, []any{o, files[o], counts[o]})
		total += counts[o]
	}
	t.rows = append(t.rows, []any{"TOTAL", len(rep.Files), total})
	layout := ""
	if rep.Layout == fixtures.LayoutAlt {
		layout = " (alt layout)"
	}
	fmt.Fprintf(out, "Wrote a %s export%s of %d patients (seed %d) to %s\n\n", rep.Format, layout, rep.Patients, rep.Seed, dir)
	_ = printAligned(out, t)
	if rep.Dirty {
		fmt.Fprintf(out, "\n%d defects injected; each is listed in %s/fixture_defects.csv\n", rep.Defects, dir)
	}
}
