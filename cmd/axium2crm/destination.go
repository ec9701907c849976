package main

import (
	"fmt"
	"strings"

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
	// the environment (the only place its credentials are read).
	open func(cmd *cobra.Command, p *project, r reach) (exporters.Destination, error)
	// propagateHelp describes --propagate-deletes of push.
	propagateHelp string
}

// reach says how a command reaches the CRM.
type reach struct {
	// offline builds a destination that makes no call, for the import
	// files.
	offline bool
	// insecure allows plain http to a host that is not this machine
	// (--insecure).
	insecure bool
}

// insecureFlag adds --insecure to a command that reaches a CRM.
func insecureFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "insecure", false,
		"allow plain http to a host that is not this machine (the password or API key then travels in clear; certificates are verified either way)")
}

// warnClearText says, on every run that does it, that the CRM's secret
// travels in clear: plain http to a host other than this machine, which
// only --insecure allows.
func warnClearText(cmd *cobra.Command, title, secret, rawURL string, insecure bool) {
	u, err := exporters.ServerURL(strings.TrimRight(rawURL, "/"), insecure)
	if err != nil || !exporters.ClearText(u) {
		return // refused by the client, or not in clear
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "axium2crm: warning: --insecure: plain http to %s: the %s %s travels in clear\n", u.Host, title, secret)
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
func openDestination(cmd *cobra.Command, g *globals, c crm, insecure bool) (*project, exporters.Destination, error) {
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return nil, nil, err
	}
	dest, err := c.open(cmd, p, reach{insecure: insecure})
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return p, dest, nil
}
