package main

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/loaders"
)

type loadOptions struct {
	objects      []string
	failOnReject bool
}

func newLoadCmd(g *globals) *cobra.Command {
	o := &loadOptions{}
	cmd := &cobra.Command{
		Use:   "load EXPORT",
		Short: "Land raw axiUm exports (CSV or API JSON) in the warehouse's raw.<object> tables",
		Long: `Land every export file under EXPORT (a directory or one file) in raw.<object>,
one new load batch per run. Files are matched to objects by the patterns in
axium2crm.yaml. Every field is kept as exported text; each row records its
batch, source file, record ordinal and a row hash. Records that cannot be read
go to meta.rejects with file, line and reason. A file already loaded (same
SHA-256) is skipped, so re-running a load is safe and resumes a killed one.`,
		Example: `  axium2crm load ./export --project ./mig
  axium2crm load ./export/patient.csv --project ./mig --object patient`,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLoad(cmd, g, o, args[0])
		},
	}
	cmd.Flags().StringSliceVar(&o.objects, "object", nil, "load only these objects (repeatable)")
	cmd.Flags().BoolVar(&o.failOnReject, "fail-on-reject", false, "exit 3 when any record was rejected")
	return cmd
}

func runLoad(cmd *cobra.Command, g *globals, o *loadOptions, export string) error {
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return err
	}
	defer p.Close()
	specs, err := p.specs()
	if err != nil {
		return err
	}
	opt := loaders.Options{Specs: specs, Only: o.objects, TempDir: p.tempDir()}
	errOut := cmd.ErrOrStderr()
	rep, err := loadWithProgress(cmd, p.wh.DB(), export, opt)
	if rep.BatchID == 0 && err != nil {
		var nm *loaders.NoMatchError
		if errors.As(err, &nm) {
			printUnmatched(errOut, nm.Files, nm.Patterns)
		}
		return err
	}
	if g.json {
		if jerr := writeJSON(cmd.OutOrStdout(), rep); jerr != nil {
			return jerr
		}
	} else {
		printLoadReport(cmd.OutOrStdout(), errOut, rep, g.project)
	}
	if err != nil {
		return err
	}
	if rep.Failed() {
		return fmt.Errorf("some files failed to load (see above); fix them and run load again: finished files are kept")
	}
	if o.failOnReject {
		for _, f := range rep.Files {
			if f.RowsRejected > 0 {
				return validationError{"records were rejected (see meta.rejects)"}
			}
		}
	}
	return nil
}

// loadWithProgress runs loaders.Load saying, on stderr, how many of the
// export's files have landed.
func loadWithProgress(cmd *cobra.Command, db *sql.DB, export string, opt loaders.Options) (loaders.Report, error) {
	pr := newProgress(cmd.ErrOrStderr(), "load", "files", int64(countExportFiles(export, opt)))
	started := 0
	opt.Progress = func(object, file string) {
		pr.set(int64(started), "loading "+object+" "+file)
		started++
	}
	rep, err := loaders.Load(cmd.Context(), db, export, opt)
	var rows int64
	for _, f := range rep.Files {
		rows += f.RowsLoaded
	}
	pr.set(int64(len(rep.Files)), "")
	pr.finishWith(fmt.Sprintf("%d rows loaded", rows))
	return rep, err
}

// countExportFiles is how many files a load of export will read (0 when
// that cannot be told: the load then says why).
func countExportFiles(export string, opt loaders.Options) int {
	srcs, _, err := loaders.Discover(export, opt.Specs)
	if err != nil {
		return 0
	}
	if len(opt.Only) == 0 {
		return len(srcs)
	}
	n := 0
	for _, s := range srcs {
		if slices.Contains(opt.Only, s.Spec.Object.Name) {
			n++
		}
	}
	return n
}

func printLoadReport(out, errOut io.Writer, rep loaders.Report, projectDir string) {
	for _, id := range rep.Interrupted {
		fmt.Fprintf(errOut, "note: load batch %d was interrupted; its landed files were kept\n", id)
	}
	t := table{columns: []string{"object", "file", "status", "encoding", "delim", "read", "loaded", "rejected"}}
	type total struct{ read, loaded, rejected, files int64 }
	totals := map[string]*total{}
	var order []string
	for _, f := range rep.Files {
		t.rows = append(t.rows, []any{f.Object, f.File, f.Status, f.Encoding, delimName(f.Delimiter),
			f.RowsRead, f.RowsLoaded, f.RowsRejected})
		if totals[f.Object] == nil {
			totals[f.Object] = &total{}
			order = append(order, f.Object)
		}
		tt := totals[f.Object]
		tt.files++
		tt.read += f.RowsRead
		tt.loaded += f.RowsLoaded
		tt.rejected += f.RowsRejected
	}
	fmt.Fprintf(out, "Load batch %d from %s\n\n", rep.BatchID, rep.SourceDir)
	_ = printAligned(out, t)
	fmt.Fprintln(out)
	s := table{columns: []string{"object", "files", "rows read", "loaded", "rejected"}}
	var all total
	for _, name := range order {
		tt := totals[name]
		s.rows = append(s.rows, []any{name, tt.files, tt.read, tt.loaded, tt.rejected})
		all.files += tt.files
		all.read += tt.read
		all.loaded += tt.loaded
		all.rejected += tt.rejected
	}
	s.rows = append(s.rows, []any{"TOTAL", all.files, all.read, all.loaded, all.rejected})
	_ = printAligned(out, s)
	for _, f := range rep.Files {
		if f.Message != "" {
			fmt.Fprintf(errOut, "%s: %s: %s\n", f.File, f.Status, f.Message)
		}
		for _, w := range f.Warnings {
			fmt.Fprintf(errOut, "warning: %s\n", w)
		}
	}
	if len(rep.Unmatched) > 0 {
		printUnmatched(errOut, rep.Unmatched, rep.Patterns)
	}
	for _, o := range rep.NoFiles {
		if slices.Contains(coreObjects, o) {
			fmt.Fprintf(errOut, "warning: no file matched %s, which every destination record hangs off: run, export and push refuse until one is loaded\n", o)
		}
	}
	if all.rejected > 0 {
		fmt.Fprintf(errOut, "%d record(s) rejected; see them with:\n  axium2crm sql --project %s \"SELECT source_file, line, column_name, reason, raw_text FROM meta.rejects WHERE batch_id = %d\"\n",
			all.rejected, projectDir, rep.BatchID)
	}
}

// maxListed bounds the unmatched files printed one a line (the JSON report
// has them all).
const maxListed = 20

// printUnmatched lists the files no object's patterns matched, and the
// patterns tried, so a user can see which `files` setting to write.
func printUnmatched(errOut io.Writer, files, patterns []string) {
	fmt.Fprintf(errOut, "%d file(s) matched no object and were not loaded:\n", len(files))
	for i, f := range files {
		if i == maxListed {
			fmt.Fprintf(errOut, "  ... and %d more: %s\n", len(files)-maxListed, summarize(files[maxListed:], 5))
			break
		}
		fmt.Fprintf(errOut, "  %s\n", f)
	}
	if len(patterns) > 0 {
		fmt.Fprintln(errOut, "Patterns tried (relative to the export, case ignored); set `files` for an object in axium2crm.yaml to match another name:")
		for _, p := range patterns {
			fmt.Fprintf(errOut, "  %s\n", p)
		}
	}
}

// summarize lists a few paths and how many more there are, grouping files
// in the same directory.
func summarize(paths []string, n int) string {
	dirs := map[string]int{}
	var keys []string
	for _, p := range paths {
		d := p
		if i := strings.Index(p, "/"); i >= 0 {
			d = p[:i+1] + "..."
		}
		if dirs[d] == 0 {
			keys = append(keys, d)
		}
		dirs[d]++
	}
	sort.Strings(keys)
	var parts []string
	for i, k := range keys {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(keys)-n))
			break
		}
		if dirs[k] > 1 {
			parts = append(parts, fmt.Sprintf("%s (%d files)", k, dirs[k]))
		} else {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, ", ")
}

func delimName(d string) string {
	switch d {
	case "\t":
		return "tab"
	case "":
		return "-"
	}
	return d
}
