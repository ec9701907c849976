package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters"
)

type rollbackPushOptions struct {
	push        string
	schema      bool
	insecure    bool
	serverMoved bool
}

// newRollbackDestinationCmd is `rollback <crm> --push P`, beside the
// snapshot rollback of the tables (snapshot.go).
func newRollbackDestinationCmd(g *globals, c crm, h help) *cobra.Command {
	o := &rollbackPushOptions{}
	cmd := destinationCmd(h, func(cmd *cobra.Command) error { return runRollbackPush(cmd, g, c, o) })
	cmd.Flags().StringVar(&o.push, "push", "", "the push run to undo (its run id in meta.push_run)")
	cmd.Flags().BoolVar(&o.schema, "schema", false, "also remove the custom objects and fields the push created")
	serverMovedFlag(cmd, &o.serverMoved)
	insecureFlag(cmd, &o.insecure)
	return cmd
}

func runRollbackPush(cmd *cobra.Command, g *globals, c crm, o *rollbackPushOptions) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(o.push), "P"), 10, 64)
	if o.push == "" || err != nil || id <= 0 {
		return usageError{errors.New("say which push to undo: --push P (a run id of meta.push_run)")}
	}
	p, dest, err := openDestination(cmd, g, c, o.insecure)
	if err != nil {
		return err
	}
	defer p.Close()
	errOut := cmd.ErrOrStderr()
	rep, err := dest.Rollback(cmd.Context(), p.wh.DB(), id, exporters.RollbackOptions{Schema: o.schema, ServerMoved: o.serverMoved,
		Args: fmt.Sprintf("push=%d schema=%t insecure=%t server_moved=%t", id, o.schema, o.insecure, o.serverMoved), Progress: func(s string) { fmt.Fprintln(errOut, s) }})
	if err != nil {
		if rep.RunID > 0 {
			return fmt.Errorf("rollback run %d stopped: %w (run the same command again to finish it)", rep.RunID, err)
		}
		return err
	}
	if g.json {
		return writeJSON(cmd.OutOrStdout(), rep)
	}
	printRollbackReport(cmd.OutOrStdout(), rep)
	return nil
}

func printRollbackReport(out io.Writer, rep exporters.RollbackReport) {
	fmt.Fprintf(out, "Rollback run %d of push %d", rep.RunID, rep.PushRun)
	if rep.Resumed {
		fmt.Fprint(out, " (resumed)")
	}
	fmt.Fprintln(out)
	t := table{columns: []string{"table", "object", "deleted", "restored", "already gone", "no pre-image"}}
	for _, c := range rep.Tables {
		t.rows = append(t.rows, []any{c.Table, c.Object, c.Destroyed, c.Restored, c.AlreadyGone, c.NoPreImage})
	}
	_ = printAligned(out, t)
	if len(rep.Schema) > 0 {
		fmt.Fprintf(out, "\nRemoved %d custom objects and fields:\n", len(rep.Schema))
		for _, s := range rep.Schema {
			fmt.Fprintf(out, "  removed %s\n", s)
		}
	}
	if rep.SchemaLeft > 0 {
		fmt.Fprintf(out, "%d custom objects and fields the push created were kept; add --schema to remove them.\n", rep.SchemaLeft)
	}
}
