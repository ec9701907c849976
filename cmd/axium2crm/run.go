package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/snapshot"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

type runOptions struct {
	selectors []string
}

func newRunCmd(g *globals) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Build the SQL models (staging, twenty, odoo) in dependency order",
		Long: `Build every model, or those --select picks, in dependency order. Each model is
one SELECT materialised as a table (or view) in its schema. A model that fails
keeps its previous table and stops only its descendants. Every run is recorded
in meta.model_run with the fingerprints it built, row counts and times.

Selectors: NAME, NAME+ (and downstream), +NAME (and upstream), tag:TAG.
A project overrides an embedded model by putting a file of the same name in
its models/ directory.`,
		Example: `  axium2crm run --project ./mig
  axium2crm run --project ./mig --select twenty_person+`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runRun(cmd, g, o) },
	}
	cmd.Flags().StringSliceVarP(&o.selectors, "select", "s", nil, "models to build (repeatable, comma-separated)")
	return cmd
}

// readModels reads the embedded models and the project's overrides, with
// the settings of its axium2crm.yaml the models read as vars (perio.grain);
// outside a project, their defaults.
func readModels(dir string) (*models.Set, error) {
	var vars map[string]string
	if cfg, err := config.Read(dir); err == nil {
		vars = cfg.ModelVars()
	} else if !errors.Is(err, config.ErrNoProject) {
		return nil, err
	}
	layers := []models.Layer{models.Embedded()}
	md := filepath.Join(dir, "models")
	if st, err := os.Stat(md); err == nil && st.IsDir() {
		layers = append(layers, models.Layer{Name: md, FS: os.DirFS(md)})
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return models.ReadWith(vars, layers...)
}

func (p *project) sources() ([]models.SourceObject, error) {
	specs, m, err := p.mappedSpecs()
	if err != nil {
		return nil, err
	}
	out := models.Sources(specs)
	if m != nil {
		// The confirmed source map's reshapings, applied as the models
		// read the raw rows.
		for i := range out {
			name := out[i].Name
			out[i].Reshaped = func(raw string, have map[string]bool, rel func(string) string) (string, map[string]bool, bool) {
				return m.Reshaped(name, raw, have, rel)
			}
			out[i].Reshaping, out[i].Ignored = m.ReshapeColumns(name), m.IgnoredColumns(name)
		}
	}
	return out, nil
}

func runRun(cmd *cobra.Command, g *globals, o *runOptions) error {
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return err
	}
	defer p.Close()
	rep, snap, err := buildModels(cmd, p, o.selectors)
	if err != nil {
		return err
	}
	if g.json {
		if err := writeJSON(cmd.OutOrStdout(), struct {
			models.RunReport
			Snapshot *snapshot.Snapshot `json:"snapshot"`
		}{rep, snap}); err != nil {
			return err
		}
	} else {
		printRunReport(cmd.OutOrStdout(), rep)
		printSnapshotLine(cmd.OutOrStdout(), snap)
	}
	if rep.Failed() {
		return fmt.Errorf("run %d: some models failed (see above)", rep.RunID)
	}
	return nil
}

// buildModels runs the models and keeps a snapshot of the destination
// tables the run left behind (also when some models failed: the snapshot
// records what the tables hold, failed models keeping their previous table).
func buildModels(cmd *cobra.Command, p *project, selectors []string) (models.RunReport, *snapshot.Snapshot, error) {
	set, err := readModels(p.dir)
	if err != nil {
		return models.RunReport{}, nil, err
	}
	sources, err := p.sources()
	if err != nil {
		return models.RunReport{}, nil, err
	}
	if len(selectors) == 0 {
		selectors = p.destinationModels(set)
	}
	if err := requireCoreLoaded(cmd.Context(), p, set, selectors); err != nil {
		return models.RunReport{}, nil, err
	}
	// The destination tables the snapshot keeps are built in snap, so the
	// snapshot keeps the very table the run built rather than a copy.
	opt := models.RunOptions{Select: selectors, Sources: sources, TempDir: p.tempDir(), StoreIn: "snap", StoreSchemas: p.keptSchemas(),
		TwoDigitYearPivot: p.cfg.Load.TwoDigitYearPivot, Reopen: p.reopenWhenFull}
	selected, err := set.Select(selectors)
	if err != nil {
		return models.RunReport{}, nil, err
	}
	pr := newProgress(cmd.ErrOrStderr(), "run", "models", int64(len(selected)))
	started := 0
	opt.Progress = func(m string) {
		// Told as each model starts: the ones before it are done (a model
		// skipped for a failed parent is never told, so this may lag).
		pr.set(int64(started), "building "+m)
		started++
	}
	rep, err := set.Run(cmd.Context(), p.wh.DB(), opt)
	pr.set(int64(len(rep.Results)), "")
	pr.finish()
	if err != nil {
		return rep, nil, err
	}
	snap, err := takeSnapshot(cmd.Context(), p, set, rep.RunID)
	if err != nil {
		return rep, snap, fmt.Errorf("run %d: snapshot: %w", rep.RunID, err)
	}
	return rep, snap, nil
}

func printSnapshotLine(out io.Writer, s *snapshot.Snapshot) {
	if s == nil {
		return
	}
	shared := 0
	for _, k := range s.Tables {
		if k.Shared {
			shared++
		}
	}
	fmt.Fprintf(out, "Snapshot S%d: %d destination tables, %d rows (%d unchanged tables shared with earlier snapshots)\n",
		s.ID, len(s.Tables), s.Rows, shared)
}

func printRunReport(out io.Writer, rep models.RunReport) {
	t := table{columns: []string{"model", "status", "rows", "seconds", "fingerprint"}}
	for _, r := range rep.Results {
		secs := fmt.Sprintf("%.2f", r.Seconds)
		if r.Passes > 1 {
			secs += fmt.Sprintf(" (%d passes)", r.Passes)
		}
		t.rows = append(t.rows, []any{r.Schema + "." + r.Model, r.Status, r.Rows, secs, r.Fingerprint})
	}
	fmt.Fprintf(out, "Run %d: %d models in %.1fs\n\n", rep.RunID, len(rep.Results), rep.Seconds)
	_ = printAligned(out, t)
	for _, r := range rep.Results {
		if r.Status != "success" {
			fmt.Fprintf(out, "%s: %s\n", r.Model, strings.TrimSpace(r.Message))
		}
	}
}

// destinationModels are the models a plain `run` builds: every staging
// model and the models of the project's destinations.
func (p *project) destinationModels(set *models.Set) []string {
	var out []string
	for _, name := range set.Order {
		m := set.Models[name]
		if !slices.Contains(snapshotSchemas, m.Schema) || slices.Contains(p.cfg.Destinations, m.Schema) {
			out = append(out, name)
		}
	}
	return out
}

// coreObjects are the objects a migration cannot do without: every record
// sent to a CRM hangs off a patient. A project where none was loaded (its
// patient report matched no pattern, say) would build and send empty tables
// without a word, so run, export and push refuse it.
var coreObjects = []string{"patient"}

// requireCoreLoaded refuses a run whose selected models read a core object
// (directly or through the models upstream of them) while its raw table
// holds no row. A selection that reads none (a lookup model alone) builds.
func requireCoreLoaded(ctx context.Context, p *project, set *models.Set, selectors []string) error {
	selected, err := set.Select(selectors)
	if err != nil {
		return err
	}
	reads := map[string]bool{}
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		m := set.Models[name]
		if m == nil || seen[name] {
			return
		}
		seen[name] = true
		for _, s := range m.Sources {
			reads[s] = true
		}
		for _, r := range m.Refs {
			walk(r)
		}
	}
	for _, name := range selected {
		walk(name)
	}
	for _, o := range coreObjects {
		if !reads[o] {
			continue
		}
		n, err := countRows(ctx, p.wh.DB(), "raw", o)
		if err != nil {
			return err
		}
		if n == 0 {
			return validationError{fmt.Sprintf("raw.%s is empty: no %s record was loaded, so every destination table would be empty; "+
				"load an export whose %s file matches (load lists the files that matched no object and the patterns tried), then run again", o, o, o)}
		}
	}
	return nil
}

// patientTables are the tables of each destination that hold its patients.
var patientTables = map[string]string{"twenty": "person", "odoo": "res_partner_patient"}

// requireCoreBuilt refuses to export or push to c when its patient table
// was never built or holds no row: the import files or the push would be
// empty.
func requireCoreBuilt(ctx context.Context, db *sql.DB, c crm) error {
	table, ok := patientTables[c.name]
	if !ok {
		return nil
	}
	n, err := countRows(ctx, db, c.name, table)
	switch {
	case errors.Is(err, errNoTable):
		return fmt.Errorf("%s.%s has not been built: run `axium2crm run` first", c.name, table)
	case err != nil:
		return err
	case n == 0:
		return validationError{fmt.Sprintf("%s.%s is empty: no patient was loaded or built, so there is nothing to send to %s; "+
			"load an export whose patient file matches (load lists the files that matched no object and the patterns tried), run the models, then try again",
			c.name, table, c.title)}
	}
	return nil
}

var errNoTable = errors.New("no such table")

// countRows counts a table's rows, or returns errNoTable.
func countRows(ctx context.Context, db *sql.DB, schema, table string) (int64, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
		schema, table).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		if err := db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
			schema, table).Scan(&exists); err != nil {
			return 0, err
		}
	}
	if !exists {
		if schema == "raw" {
			return 0, nil // never loaded
		}
		return 0, errNoTable
	}
	var n int64
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+warehouse.QuoteIdent(schema)+"."+warehouse.QuoteIdent(table)).Scan(&n)
	return n, err
}
