package main

import (
	"github.com/spf13/cobra"
)

// newVerifyCmd is the parent of each destination's verify command: read
// the pushed records back and compare them field by field with the
// snapshot that was pushed.
func newVerifyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Read pushed records back from a CRM and compare them field by field",
		Args:  argsUsage(cobra.NoArgs),
	}
	cmd.AddCommand(newVerifyTwentyCmd(g), newVerifyOdooCmd(g))
	return cmd
}
