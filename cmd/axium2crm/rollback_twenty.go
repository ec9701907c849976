package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters/twenty"
)

type rollbackTwentyOptions struct {
	push   string
	schema bool
}

func newRollbackTwentyCmd(g *globals) *cobra.Command {
	o := &rollbackTwentyOptions{}
	cmd := &cobra.Command{
		Use:   "twenty --push P",
		Short: "Undo push run P in Twenty: destroy what it created, restore what it updated",
		Long: `Undo one push run to Twenty from the audit log: destroy (hard delete, so no
unique e-mail or domain stays blocked) every record push P created, children
first, and put back the values every record it updated had before (its
pre-image). --schema also removes the custom objects and fields P created.
Every undo is logged (meta.push_run mode rollback, parent P); an interrupted
rollback is finished by running the same command again.`,
		Example: `  axium2crm rollback twenty --push 4 --project ./mig
  axium2crm rollback twenty --push 4 --schema --project ./mig`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runRollbackTwenty(cmd, g, o) },
	}
	cmd.Flags().StringVar(&o.push, "push", "", "the push run to undo (its run id in meta.push_run)")
	cmd.Flags().BoolVar(&o.schema, "schema", false, "also remove the custom objects and fields the push created")
	return cmd
}

func runRollbackTwenty(cmd *cobra.Command, g *globals, o *rollbackTwentyOptions) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(o.push), "P"), 10, 64)
	if o.push == "" || err != nil || id <= 0 {
		return usageError{fmt.Errorf("say which push to undo: --push P (a run id of meta.push_run)")}
	}
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return err
	}
	defer p.Close()
	client, _, err := newTwentyClient(cmd, p)
	if err != nil {
		return err
	}
	errOut := cmd.ErrOrStderr()
	rep, err := twenty.Rollback(cmd.Context(), p.wh.DB(), twenty.RollbackOptions{Client: client, PushRun: id, Schema: o.schema,
		Args: fmt.Sprintf("push=%d schema=%t", id, o.schema), Progress: func(s string) { fmt.Fprintln(errOut, s) }})
	if err != nil {
		if rep.RunID > 0 {
			return fmt.Errorf("rollback run %d stopped: %w (run the same command again to finish it)", rep.RunID, err)
		}
		return err
	}
	if g.json {
		return writeJSON(cmd.OutOrStdout(), rep)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Rollback run %d of push run %d", rep.RunID, rep.PushRun)
	if rep.Resumed {
		fmt.Fprint(out, " (resumed)")
	}
	fmt.Fprintln(out)
	t := table{columns: []string{"object", "table", "destroyed", "restored", "already gone", "no pre-image"}}
	for _, c := range rep.Tables {
		t.rows = append(t.rows, []any{c.Object, c.Table, c.Destroyed, c.Restored, c.AlreadyGone, c.NoPreImage})
	}
	_ = printAligned(out, t)
	for _, s := range rep.Schema {
		fmt.Fprintf(out, "removed %s\n", s)
	}
	if rep.SchemaLeft > 0 {
		fmt.Fprintf(out, "%d custom objects and fields the push created were kept; add --schema to remove them.\n", rep.SchemaLeft)
	}
	return nil
}
