package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

type quickstartOptions struct {
	patients int
	seed     uint64
	format   string
}

func newQuickstartCmd(g *globals) *cobra.Command {
	o := &quickstartOptions{}
	cmd := &cobra.Command{
		Use:   "quickstart [DIR]",
		Short: "Run the whole pipeline on a generated sample export in DIR",
		Long: `In DIR (default ./axium2crm-quickstart): generate a synthetic axiUm export in
DIR/export, create a project in DIR/project and load the export into it,
then print where to look next. Safe to run again: files already loaded are
skipped.`,
		Args: argsUsage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "axium2crm-quickstart"
			if len(args) == 1 {
				dir = args[0]
			}
			return runQuickstart(cmd, g, o, dir)
		},
	}
	cmd.Flags().IntVar(&o.patients, "patients", 500, "patients in the sample export")
	cmd.Flags().Uint64Var(&o.seed, "seed", 7, "random seed of the sample export")
	cmd.Flags().StringVar(&o.format, "format", "csv", "csv or json sample export")
	return cmd
}

func runQuickstart(cmd *cobra.Command, g *globals, o *quickstartOptions, dir string) error {
	out := cmd.OutOrStdout()
	export := filepath.Join(dir, "export")
	projDir := filepath.Join(dir, "project")

	fmt.Fprintf(out, "1. Generating a sample axiUm export (%d patients, seed %d) in %s\n", o.patients, o.seed, export)
	gen := newProgress(cmd.ErrOrStderr(), "generate", "files", 0)
	gen.polled(newFilesIn(export, ""))
	frep, err := fixtures.Generate(cmd.Context(), fixtures.Options{Out: export, Patients: o.patients, Seed: o.seed, Format: o.format})
	gen.finish()
	switch {
	case errors.Is(err, fixtures.ErrOutNotEmpty):
		if _, serr := os.Stat(filepath.Join(export, fixtures.ManifestFile)); serr != nil {
			return fmt.Errorf("%s holds files that are not a generated export; choose another DIR", export)
		}
		fmt.Fprintln(out, "   (already there: reusing it)")
	case err != nil:
		return err
	default:
		fmt.Fprintf(out, "   %d files\n", len(frep.Files))
	}

	fmt.Fprintf(out, "2. Creating the project %s\n", projDir)
	if _, err := config.Read(projDir); err != nil {
		if _, err := config.Init(projDir, false); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, "   (already there: reusing it)")
	}
	p, err := openProject(cmd.Context(), projDir, false)
	if err != nil {
		return err
	}
	defer p.Close()

	fmt.Fprintln(out, "3. Loading the export into the staging warehouse")
	specs, err := p.specs()
	if err != nil {
		return err
	}
	rep, err := loadWithProgress(cmd, p.wh.DB(), export, loaders.Options{Specs: specs, TempDir: p.tempDir()})
	if err != nil {
		return err
	}
	var loaded, rejected, skipped int64
	for _, f := range rep.Files {
		loaded += f.RowsLoaded
		rejected += f.RowsRejected
		if f.Status == "skipped" {
			skipped++
		}
	}
	fmt.Fprintf(out, "   batch %d: %d files, %d rows loaded, %d rejected, %d files already loaded\n",
		rep.BatchID, len(rep.Files), loaded, rejected, skipped)
	if rep.Failed() {
		return fmt.Errorf("some files failed to load: run `axium2crm load %s --project %s` to see them", export, projDir)
	}
	fmt.Fprintln(out, "4. Building the SQL models (staging, twenty, odoo)")
	run, snap, err := buildModels(cmd, p, nil)
	if err != nil {
		return err
	}
	var built int
	for _, r := range run.Results {
		if r.Status == "success" {
			built++
		} else {
			fmt.Fprintf(out, "   %s: %s %s\n", r.Model, r.Status, r.Message)
		}
	}
	fmt.Fprintf(out, "   run %d: %d of %d models built in %.1fs; snapshot S%d kept\n", run.RunID, built, len(run.Results), run.Seconds, snap.ID)
	if run.Failed() {
		return fmt.Errorf("some models failed: run `axium2crm run --project %s` to see them", projDir)
	}

	fmt.Fprintln(out, "5. Running the data tests")
	res, err := runTests(cmd, p, nil)
	if err != nil {
		return err
	}
	testErr := testOutcome(res)
	if testErr != nil {
		printTestResults(out, res, false)
	} else {
		fmt.Fprintf(out, "   %d tests passed\n", len(res))
	}
	step := 6
	for _, c := range []crm{twentyCRM, odooCRM} {
		if !slices.Contains(p.cfg.Destinations, c.name) {
			continue
		}
		if err := quickstartImport(cmd, out, p, c, filepath.Join(dir, c.name+"-import"), step); err != nil {
			return err
		}
		step++
	}
	if err := printReconciliation(cmd, out, p, step); err != nil {
		return err
	}
	fmt.Fprintf(out, `
Done. Look around:
  axium2crm sql --project %[1]s "SELECT object, sum(rows_loaded) AS rows FROM meta.load_file GROUP BY ALL ORDER BY 1"
  axium2crm sql --project %[1]s "SELECT * FROM raw.patient LIMIT 5"
  axium2crm sql --project %[1]s "SELECT * FROM meta.rejects"
  axium2crm sql --project %[1]s "SELECT model, reason, count(*) FROM staging.data_quality GROUP BY ALL ORDER BY 3 DESC"
  axium2crm models --project %[1]s
  axium2crm snapshot list --project %[1]s

Next, towards a CRM:
  axium2crm map twenty --project %[1]s             # review the proposed map, then --confirm it
  axium2crm push twenty --dry-run --project %[1]s  # with TWENTY_URL and TWENTY_API_KEY set
  axium2crm map odoo --project %[1]s
  axium2crm push odoo --dry-run --project %[1]s    # with ODOO_URL, ODOO_DB, ODOO_USER, ODOO_PASSWORD set
`, projDir)
	return testErr
}

// printReconciliation prints, per destination, source vs destination
// counts for each seed mapping row, from the <schema>.reconciliation models.
func printReconciliation(cmd *cobra.Command, out io.Writer, p *project, step int) error {
	for _, schema := range snapshotSchemas {
		cols, err := warehouse.Columns(cmd.Context(), p.wh.DB(), schema, "reconciliation")
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			continue
		}
		// The compact view: the mapping row, the counts and why they differ.
		var pick []string
		for _, want := range [][]string{{"mapping", "seed_row"}, {"source_object"}, {"destination_table"}, {"source_rows"}, {"destination_rows"}, {"unexplained_rows"}, {"explanation", "difference"}} {
			for _, c := range want {
				if slices.Contains(cols, c) {
					pick = append(pick, warehouse.QuoteIdent(c))
					break
				}
			}
		}
		order := ""
		if slices.Contains(cols, "seq") {
			order = " ORDER BY seq"
		}
		t, err := query(cmd.Context(), p.wh.DB(), "SELECT "+strings.Join(pick, ", ")+" FROM "+warehouse.QuoteIdent(schema)+".reconciliation"+order)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d. Reconciliation for %s: source rows vs destination rows per mapping row\n", step, schema)
		step++
		if err := printAligned(out, t); err != nil {
			return err
		}
	}
	return nil
}

// quickstartImport writes a CRM's import files of the sample, so a first
// look at what the CRM would receive needs no server.
func quickstartImport(cmd *cobra.Command, out io.Writer, p *project, c crm, dir string, step int) error {
	fmt.Fprintf(out, "%d. Writing the %s import files in %s\n", step, c.title, dir)
	rep, err := exportFiles(cmd, p, c, dir)
	if err != nil {
		return fmt.Errorf("%s import files: %w", c.name, err)
	}
	fmt.Fprintf(out, "   %d files, %d rows. Read %s first: the custom fields to create and the import order.\n",
		len(rep.Files), csvRows(rep), rep.Readme)
	return nil
}

func csvRows(rep exporters.CSVReport) int {
	rows := 0
	for _, f := range rep.Files {
		rows += f.Rows
	}
	return rows
}
