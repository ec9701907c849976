package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
)

type initOptions struct {
	force        bool
	destinations []string
}

func newInitCmd(g *globals) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a migration project: owner-only directory, axium2crm.yaml and the staging warehouse",
		Args:  argsUsage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := g.project
			if len(args) == 1 {
				dir = args[0]
			}
			return runInit(cmd, g, o, dir)
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "rewrite an existing axium2crm.yaml with the defaults")
	cmd.Flags().StringSliceVar(&o.destinations, "destination", nil,
		"the CRM this project migrates to: twenty or odoo (repeat or comma-separate for both; default both). "+
			"run builds only these destinations' models")
	return cmd
}

func runInit(cmd *cobra.Command, g *globals, o *initOptions, dir string) error {
	cfgPath, err := config.Init(dir, o.force, o.destinations...)
	if err != nil {
		return err
	}
	p, err := openProject(cmd.Context(), dir, false)
	if err != nil {
		return err
	}
	defer p.Close()
	out := cmd.OutOrStdout()
	if g.json {
		return writeJSON(out, map[string]any{"project": dir, "config": cfgPath, "warehouse": p.wh.Path(), "destinations": p.cfg.Destinations})
	}
	fmt.Fprintf(out, "Created project %s\n  config        %s\n  warehouse     %s\n  destinations  %s\n",
		dir, cfgPath, p.wh.Path(), strings.Join(p.cfg.Destinations, ", "))
	fmt.Fprintf(out, "Next: axium2crm load EXPORT_DIR --project %s\n", dir)
	return nil
}
