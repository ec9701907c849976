package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/snapshot"
)

// snapshotSchemas are the destination-ready schemas every run keeps.
var snapshotSchemas = []string{"twenty", "odoo"}

// keptSchemas are the destination schemas the project's snapshots keep:
// the configured destinations'.
func (p *project) keptSchemas() []string {
	var out []string
	for _, sc := range snapshotSchemas {
		if slices.Contains(p.cfg.Destinations, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// takeSnapshot keeps the destination-ready tables after a model run and
// prunes old snapshots by the project's retention.
func takeSnapshot(ctx context.Context, p *project, set *models.Set, runID int64) (*snapshot.Snapshot, error) {
	var tables []snapshot.Table
	for _, name := range set.Order {
		m := set.Models[name]
		if !slices.Contains(p.keptSchemas(), m.Schema) {
			continue
		}
		tables = append(tables, snapshot.Table{Model: name, Schema: m.Schema, Table: m.Table(), Fingerprint: m.Fingerprint, Key: m.Config.Key})
	}
	s, err := snapshot.Take(ctx, p.wh.DB(), runID, tables)
	if err != nil {
		return nil, err
	}
	if _, err := snapshot.Prune(ctx, p.wh.DB(), p.cfg.Snapshots.Keep); err != nil {
		return s, err
	}
	return s, nil
}

// parseSnapshotID accepts 7 or S7.
func parseSnapshotID(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(s, "S"), "s"), 10, 64)
	if err != nil || n < 1 {
		return 0, usageError{fmt.Errorf("%q is not a snapshot id (S7 or 7; see `axium2crm snapshot list`)", s)}
	}
	return n, nil
}

func newSnapshotCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "List, show and prune the per-run snapshots of the destination tables",
		Long: `Every model run keeps a snapshot of the twenty.* and odoo.* tables it left
behind, named S<run id>. A table whose content did not change shares the copy
an earlier snapshot made. Snapshots live in the warehouse (schema snap), so
any of them can be queried with SQL: see ` + "`snapshot show`" + ` for table names.`,
		Args: argsUsage(cobra.NoArgs),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "One line per snapshot: time, status, models and rows",
		Args:  argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := openProject(cmd.Context(), g.project, true)
			if err != nil {
				return err
			}
			defer p.Close()
			list, err := snapshot.List(cmd.Context(), p.wh.DB())
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			t := table{columns: []string{"snapshot", "created", "status", "models", "rows", "row counts"}}
			for _, s := range list {
				counts := s.Counts
				if len(counts) > 4 {
					counts = append(append([]string{}, counts[:4]...), fmt.Sprintf("… (%d in all)", len(s.Counts)))
				}
				t.rows = append(t.rows, []any{fmt.Sprintf("S%d", s.ID), s.CreatedAt.Format("2006-01-02 15:04:05Z"), s.Status, s.Models, s.Rows, strings.Join(counts, ", ")})
			}
			return printAligned(cmd.OutOrStdout(), t)
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show S",
		Short: "The tables a snapshot kept, with fingerprints and the copy to query",
		Args:  argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseSnapshotID(args[0])
			if err != nil {
				return err
			}
			p, err := openProject(cmd.Context(), g.project, true)
			if err != nil {
				return err
			}
			defer p.Close()
			s, err := snapshot.Get(cmd.Context(), p.wh.DB(), id)
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), s)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Snapshot S%d (%s), %s\n\n", s.ID, s.CreatedAt.Format("2006-01-02 15:04:05Z"), s.Status)
			t := table{columns: []string{"model", "table", "rows", "fingerprint", "query it as"}}
			for _, k := range s.Tables {
				t.rows = append(t.rows, []any{k.Model, k.Schema + "." + k.Table, k.Rows, k.Fingerprint, k.Relation()})
			}
			return printAligned(cmd.OutOrStdout(), t)
		},
	})
	var keep int
	prune := &cobra.Command{
		Use:   "prune",
		Short: "Forget all but the newest snapshots and drop copies nothing uses",
		Args:  argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := openProject(cmd.Context(), g.project, false)
			if err != nil {
				return err
			}
			defer p.Close()
			if !cmd.Flags().Changed("keep") {
				keep = p.cfg.Snapshots.Keep
			}
			if keep < 1 {
				return usageError{fmt.Errorf("--keep must be at least 1 (snapshots.keep is %d: keep all)", p.cfg.Snapshots.Keep)}
			}
			res, err := snapshot.Prune(cmd.Context(), p.wh.DB(), keep)
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Pruned %d snapshots and %d unused copies; kept the newest %d.\n", len(res.Snapshots), len(res.Copies), keep)
			return nil
		},
	}
	prune.Flags().IntVar(&keep, "keep", 0, "snapshots to keep (default: snapshots.keep of axium2crm.yaml)")
	cmd.AddCommand(prune)
	return cmd
}

type diffOptions struct {
	models  []string
	details bool
	limit   int
}

func newDiffCmd(g *globals) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff S1 S2",
		Short: "What changed between two snapshots, by key and field",
		Long: `Compare two snapshots model by model: rows added, removed and changed (matched
by the model's key, provenance columns ignored), and how many changed rows
changed each field. --details lists the keys and each changed field with its
old and new value. Exit 0 whether or not anything changed.`,
		Example: `  axium2crm diff S3 S4 --project ./mig
  axium2crm diff 3 4 --model twenty_person --details`,
		Args: argsUsage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parseSnapshotID(args[0])
			if err != nil {
				return err
			}
			b, err := parseSnapshotID(args[1])
			if err != nil {
				return err
			}
			p, err := openProject(cmd.Context(), g.project, true)
			if err != nil {
				return err
			}
			defer p.Close()
			rep, err := snapshot.Diff(cmd.Context(), p.wh.DB(), a, b, snapshot.DiffOptions{Models: o.models, Details: o.details, Limit: o.limit})
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			return printDiff(cmd.OutOrStdout(), rep)
		},
	}
	cmd.Flags().StringSliceVarP(&o.models, "model", "m", nil, "models to compare (repeatable)")
	cmd.Flags().BoolVar(&o.details, "details", false, "list keys and field-level changes")
	cmd.Flags().IntVar(&o.limit, "limit", 50, "detail rows per model")
	return cmd
}

func printDiff(out io.Writer, rep *snapshot.DiffReport) error {
	fmt.Fprintf(out, "S%d → S%d\n\n", rep.Old, rep.New)
	t := table{columns: []string{"model", "old rows", "new rows", "added", "removed", "changed", "unchanged", "fields changed"}}
	for _, d := range rep.Tables {
		fields := make([]string, 0, len(d.FieldCounts))
		for f, n := range d.FieldCounts {
			fields = append(fields, fmt.Sprintf("%s=%d", f, n))
		}
		sort.Strings(fields)
		note := strings.Join(fields, ", ")
		switch {
		case d.Identical:
			note = "(identical)"
		case d.OnlyIn != 0:
			note = fmt.Sprintf("(only in S%d)", d.OnlyIn)
		}
		if len(d.ColumnsAdded) > 0 {
			note += " columns added: " + strings.Join(d.ColumnsAdded, ", ")
		}
		if len(d.ColumnsRemoved) > 0 {
			note += " columns removed: " + strings.Join(d.ColumnsRemoved, ", ")
		}
		t.rows = append(t.rows, []any{d.Model, d.OldRows, d.NewRows, d.Added, d.Removed, d.Changed, d.Unchanged, strings.TrimSpace(note)})
	}
	if err := printAligned(out, t); err != nil {
		return err
	}
	for _, d := range rep.Tables {
		if len(d.Rows)+len(d.Fields) == 0 {
			continue
		}
		fmt.Fprintf(out, "\n%s\n", d.Model)
		for _, r := range d.Rows {
			fmt.Fprintf(out, "  %-8s %s\n", r.Kind, r.Key)
		}
		if len(d.Fields) > 0 {
			ft := table{columns: []string{"key", "field", "old", "new"}}
			for _, f := range d.Fields {
				ft.rows = append(ft.rows, []any{f.Key, f.Field, strPtr(f.Old), strPtr(f.New)})
			}
			if err := printAligned(out, ft); err != nil {
				return err
			}
		}
	}
	return nil
}

func strPtr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

type rollbackOptions struct {
	snapshot string
}

func newRollbackCmd(g *globals) *cobra.Command {
	o := &rollbackOptions{}
	cmd := &cobra.Command{
		Use:   "rollback --snapshot S",
		Short: "Restore the destination-ready tables to a snapshot",
		Long: `rollback --snapshot S puts every twenty.* and odoo.* table back the way
snapshot S kept it, in one transaction, and marks the model runs and
snapshots after S rolled back. Safe to run again after an interruption.`,
		Example: `  axium2crm rollback --snapshot S3 --project ./mig`,
		Args:    argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.snapshot == "" {
				return usageError{fmt.Errorf("say what to roll back: --snapshot S")}
			}
			id, err := parseSnapshotID(o.snapshot)
			if err != nil {
				return err
			}
			p, err := openProject(cmd.Context(), g.project, false)
			if err != nil {
				return err
			}
			defer p.Close()
			res, err := snapshot.Restore(cmd.Context(), p.wh.DB(), id)
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Restored %d tables to snapshot S%d.\n", len(res.Tables), id)
			if len(res.RolledBack) > 0 {
				ids := make([]string, len(res.RolledBack))
				for i, r := range res.RolledBack {
					ids[i] = fmt.Sprintf("S%d", r)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Marked rolled back: %s\n", strings.Join(ids, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.snapshot, "snapshot", "", "snapshot to restore (S7 or 7)")
	cmd.AddCommand(newRollbackDestinationCmd(g, twentyCRM, twentyRollbackHelp), newRollbackDestinationCmd(g, odooCRM, odooRollbackHelp))
	return cmd
}
