package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters/twenty"
)

type exportOptions struct {
	out string
}

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write import files for a CRM from the built models",
	}
	cmd.AddCommand(newExportTwentyCmd(g), newExportOdooCmd(g))
	return cmd
}

func newExportTwentyCmd(g *globals) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "twenty --out DIR",
		Short: "Write Twenty import CSVs (one per object, in import order) and a README",
		Long: `Write one CSV per Twenty object from the twenty.* tables, numbered in import
order (01_companies.csv, 02_people.csv, ...) and split at Twenty's 10,000-row
limit, with the column labels Twenty's importer matches. README.txt beside
them lists the custom objects and fields to create first, the import order,
and what only 'axium2crm push twenty' can load (task and note targets,
attachments, workspace members). Timestamps carry the UTC offset of
twenty.time_zone from axium2crm.yaml.`,
		Example: `  axium2crm export twenty --out ./twenty-import --project ./mig`,
		Args:    argsUsage(cobra.NoArgs),
		RunE:    func(cmd *cobra.Command, _ []string) error { return runExportTwenty(cmd, g, o) },
	}
	cmd.Flags().StringVar(&o.out, "out", "", "directory to write the files in (required)")
	return cmd
}

func runExportTwenty(cmd *cobra.Command, g *globals, o *exportOptions) error {
	if o.out == "" {
		return usageError{fmt.Errorf("--out DIR is required")}
	}
	p, err := openProject(cmd.Context(), g.project, true)
	if err != nil {
		return err
	}
	defer p.Close()
	m, err := twenty.NewMapper(p.cfg.Twenty.TimeZone)
	if err != nil {
		return err
	}
	rep, err := twenty.ExportCSV(cmd.Context(), p.wh.DB(), twenty.CSVOptions{OutDir: o.out, Mapper: m})
	if err != nil {
		return err
	}
	if g.json {
		return writeJSON(cmd.OutOrStdout(), rep)
	}
	printCSVReport(cmd.OutOrStdout(), rep)
	return nil
}

func printCSVReport(out io.Writer, rep twenty.CSVReport) {
	t := table{columns: []string{"file", "object", "rows", "columns"}}
	for _, f := range rep.Files {
		t.rows = append(t.rows, []any{f.Path, f.Object, f.Rows, f.Columns})
	}
	_ = printAligned(out, t)
	fmt.Fprintf(out, "\nRead %s first. Only the push can load:\n", rep.Readme)
	for _, s := range rep.Skipped {
		fmt.Fprintf(out, "  %s\n", s)
	}
}
