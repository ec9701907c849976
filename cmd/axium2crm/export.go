package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters"
)

type exportOptions struct {
	out string
}

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write import files for a CRM from the built models",
	}
	cmd.AddCommand(newExportDestinationCmd(g, twentyCRM, twentyExportHelp), newExportDestinationCmd(g, odooCRM, odooExportHelp))
	return cmd
}

func newExportDestinationCmd(g *globals, c crm, h help) *cobra.Command {
	o := &exportOptions{}
	cmd := destinationCmd(h, func(cmd *cobra.Command) error { return runExport(cmd, g, c, o) })
	cmd.Flags().StringVar(&o.out, "out", "", "directory to write the files in (required)")
	return cmd
}

func runExport(cmd *cobra.Command, g *globals, c crm, o *exportOptions) error {
	if o.out == "" {
		return usageError{errors.New("--out DIR is required")}
	}
	p, err := openProject(cmd.Context(), g.project, true)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := requireCoreBuilt(cmd.Context(), p.wh.DB(), c); err != nil {
		return err
	}
	rep, err := exportFiles(cmd, p, c, o.out)
	if err != nil {
		return err
	}
	if g.json {
		return writeJSON(cmd.OutOrStdout(), rep)
	}
	printCSVReport(cmd.OutOrStdout(), rep)
	return nil
}

// exportFiles writes c's import files in dir.
func exportFiles(cmd *cobra.Command, p *project, c crm, dir string) (exporters.CSVReport, error) {
	dest, err := c.open(cmd, p, reach{offline: true})
	if err != nil {
		return exporters.CSVReport{}, err
	}
	// The exporters write a file a table and tell nothing as they go, so
	// the progress counts the files that appear in dir.
	pr := newProgress(cmd.ErrOrStderr(), "export "+c.name, "files", 0)
	pr.polled(newFilesIn(dir, ".csv"))
	rep, err := dest.ExportCSV(cmd.Context(), p.wh.DB(), dir)
	pr.polled(nil)
	pr.set(int64(len(rep.Files)), "")
	pr.finishWith(fmt.Sprintf("%d rows", csvRows(rep)))
	return rep, err
}

// newFilesIn returns a count of the files named *ext written in dir since
// it was called (new, or changed since), and the name of the latest.
func newFilesIn(dir, ext string) func() (int64, string) {
	before := map[string]time.Time{}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil {
				before[e.Name()] = info.ModTime()
			}
		}
	}
	return func() (int64, string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return 0, ""
		}
		var n int64
		var latest string
		var at time.Time
		for _, e := range entries {
			info, err := e.Info()
			if err != nil || e.IsDir() || !strings.HasSuffix(e.Name(), ext) {
				continue
			}
			if t, ok := before[e.Name()]; ok && t.Equal(info.ModTime()) {
				continue
			}
			n++
			if info.ModTime().After(at) {
				latest, at = e.Name(), info.ModTime()
			}
		}
		if latest != "" {
			latest = "writing " + latest
		}
		return n, latest
	}
}

func printCSVReport(out io.Writer, rep exporters.CSVReport) {
	t := table{columns: []string{"file", "object", "rows", "columns"}}
	for _, f := range rep.Files {
		t.rows = append(t.rows, []any{f.Path, f.Object, f.Rows, f.Columns})
	}
	_ = printAligned(out, t)
	fmt.Fprintf(out, "\nRead %s first. Only the push can load:\n", rep.Readme)
	for _, s := range rep.Skipped {
		fmt.Fprintf(out, "  %s\n", s)
	}
}
