package main

import (
	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters"
)

// crm is one destination as the push, export, verify and rollback
// commands reach it; each command has one implementation for all of them.
type crm struct {
	// name is the subcommand, the schema of the tables and the map's name.
	name string
	// title names the CRM in messages.
	title string
	// open builds the destination from the project's configuration and
	// the environment (the only place its credentials are read); offline
	// builds one that makes no call, for the import files.
	open func(cmd *cobra.Command, p *project, offline bool) (exporters.Destination, error)
	// propagateHelp describes --propagate-deletes of push.
	propagateHelp string
}

// help is a subcommand's documentation.
type help struct {
	use, short, long, example string
}

// destinationCmd is the subcommand of one CRM with the help given.
func destinationCmd(h help, run func(cmd *cobra.Command) error) *cobra.Command {
	return &cobra.Command{
		Use:     h.use,
		Short:   h.short,
		Long:    h.long,
		Example: h.example,
		Args:    argsUsage(cobra.NoArgs),
		RunE:    func(cmd *cobra.Command, _ []string) error { return run(cmd) },
	}
}

// openDestination opens the project to write its audit log and c's
// destination; the caller closes the project.
func openDestination(cmd *cobra.Command, g *globals, c crm) (*project, exporters.Destination, error) {
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return nil, nil, err
	}
	dest, err := c.open(cmd, p, false)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return p, dest, nil
}
