package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters/twenty"
)

// quickstartTwentyImport writes the Twenty import CSVs of the sample, so
// a first look at what Twenty would receive needs no server.
func quickstartTwentyImport(cmd *cobra.Command, out io.Writer, p *project, dir string) error {
	fmt.Fprintf(out, "6. Writing the Twenty import files in %s\n", dir)
	m, err := twenty.NewMapper(p.cfg.Twenty.TimeZone)
	if err != nil {
		return err
	}
	rep, err := twenty.ExportCSV(cmd.Context(), p.wh.DB(), twenty.CSVOptions{OutDir: dir, Mapper: m})
	if err != nil {
		return fmt.Errorf("twenty import files: %w", err)
	}
	rows := 0
	for _, f := range rep.Files {
		rows += f.Rows
	}
	fmt.Fprintf(out, "   %d files, %d rows. Read %s first: the custom fields to create and the import order.\n",
		len(rep.Files), rows, rep.Readme)
	return nil
}
