package main

import (
	"fmt"
	"os/user"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

type mapOptions struct {
	confirm bool
	by      string
	note    string
}

func newMapCmd(g *globals) *cobra.Command {
	o := &mapOptions{}
	so := &mapSourceOptions{}
	cmd := &cobra.Command{
		Use:       "map twenty|odoo|source [EXPORT_DIR]",
		Short:     "Review the proposed map of a destination or of the export's files, and confirm it",
		ValidArgs: []string{"twenty", "odoo", "source"},
		Long: `The models propose a map for each destination: which axiUm object lands in
which CRM object (object_plan) and every field they will send, standard or
custom, with its type and options (field_plan). Nothing is pushed until a
person has reviewed that map and confirmed it with --confirm. The
confirmation is tied to the map's content: when a model or the data changes
the map, push asks for a new confirmation.

map source proposes how an export's files and columns land (source_map.yaml
in the project): each file's object, each column mapped to a canonical
field, carried as a custom field, or ignored, with a confidence and the
reason, and the reshapings another institution's layout needs. Review and
edit the file, then confirm it: load follows the confirmed source map, and
load and push refuse while it is unconfirmed or changed since.`,
		Example: `  axium2crm map twenty --project ./mig
  axium2crm map twenty --project ./mig --confirm --note "reviewed with clinic IT"
  axium2crm map source ./export --project ./mig
  axium2crm map source --project ./mig --confirm`,
		Args: argsUsage(func(cmd *cobra.Command, args []string) error {
			if len(args) == 2 && args[0] == "source" {
				return nil
			}
			return cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)(cmd, args)
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "source" {
				return runMapSource(cmd, g, o, so, args[1:])
			}
			dest := args[0]
			p, err := openProject(cmd.Context(), g.project, !o.confirm)
			if err != nil {
				return err
			}
			defer p.Close()
			db := p.wh.DB()
			m, err := mapping.Read(cmd.Context(), db, dest)
			if err != nil {
				return err
			}
			if o.confirm && m.Confirmed == nil {
				by := o.by
				if by == "" {
					if u, err := user.Current(); err == nil {
						by = u.Username
					}
				}
				var run int64
				_ = db.QueryRowContext(cmd.Context(), "SELECT coalesce(max(snapshot_id), 0) FROM meta.snapshot WHERE status = 'active'").Scan(&run)
				if _, err := mapping.Confirm(cmd.Context(), db, m, by, o.note, run); err != nil {
					return err
				}
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), m)
			}
			out := cmd.OutOrStdout()
			for _, part := range []struct{ title, table string }{
				{"Objects: what each axiUm object becomes, in load order", mapping.ObjectPlan},
				{"Fields: every field sent (custom ones are created before any record)", mapping.FieldPlan},
			} {
				t, err := query(cmd.Context(), db, "SELECT * FROM "+warehouse.QuoteIdent(dest)+"."+warehouse.QuoteIdent(part.table))
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%s\n\n", part.title)
				if err := printAligned(out, t); err != nil {
					return err
				}
				fmt.Fprintln(out)
			}
			switch {
			case m.Confirmed != nil:
				fmt.Fprintf(out, "Map %s… confirmed by %s on %s.\n", m.Hash[:12], m.Confirmed.By, m.Confirmed.At.Format("2006-01-02 15:04"))
			case m.LastConfirmed != nil:
				fmt.Fprintf(out, "Map %s… CHANGED since %s confirmed one on %s: review it, then run with --confirm.\n",
					m.Hash[:12], m.LastConfirmed.By, m.LastConfirmed.At.Format("2006-01-02 15:04"))
			default:
				fmt.Fprintf(out, "Map %s… not confirmed yet: review it, then run `axium2crm map %s --confirm`.\n", m.Hash[:12], dest)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.confirm, "confirm", false, "record that you reviewed and approve this map")
	cmd.Flags().StringVar(&o.by, "by", "", "who confirms (default: your user name)")
	cmd.Flags().StringVar(&o.note, "note", "", "a note kept with the confirmation")
	cmd.Flags().BoolVar(&so.propose, "propose", false, "map source: replace the project's source map with a new proposal")
	return cmd
}
