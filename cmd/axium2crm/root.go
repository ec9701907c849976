package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/cmd/config"
	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/loaders/sourcemap"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// Exit codes, documented in the README.
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitValidation = 3
	exitCancelled  = 130
)

// globals are the flags every command shares.
type globals struct {
	project string
	json    bool
	stdin   io.Reader
}

// usageError is a mistake in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// validationError is data or configuration that failed a check the user
// asked for; the report was already printed.
type validationError struct{ msg string }

func (e validationError) Error() string { return e.msg }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Everything this tool writes may hold patient data: owner-only files.
	syscall.Umask(0o077)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(stdin)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if code == exitCancelled {
		fmt.Fprintln(stderr, "axium2crm: cancelled")
	} else {
		fmt.Fprintln(stderr, "axium2crm:", err)
	}
	if code == exitUsage {
		fmt.Fprintln(stderr, "Run 'axium2crm --help' for usage.")
	}
	return code
}

func exitCode(err error) int {
	var ue usageError
	var ve validationError
	var snc *mapping.SourceNotConfirmedError
	var ce *config.Error
	var nc *mapping.NotConfirmedError
	var de *exporters.DifferencesError
	var te *exporters.TargetError
	switch {
	case errors.Is(err, context.Canceled):
		return exitCancelled
	case errors.As(err, &ue), errors.Is(err, exporters.ErrServerURL), errors.Is(err, exporters.ErrURLCredentials),
		errors.Is(err, exporters.ErrPlainHTTP),
		// cobra's own: a command or flag the tool does not have.
		strings.HasPrefix(err.Error(), "unknown command "), strings.HasPrefix(err.Error(), "unknown flag"):
		return exitUsage
	case errors.As(err, &ve), errors.As(err, &ce), errors.As(err, &nc), errors.As(err, &snc), errors.As(err, &de), errors.As(err, &te),
		errors.Is(err, exporters.ErrTestsFailed), errors.Is(err, exporters.ErrSchemaConflict), errors.Is(err, exporters.ErrFilesMissing):
		return exitValidation
	}
	return exitError
}

func newRootCmd(stdin io.Reader) *cobra.Command {
	g := &globals{stdin: stdin}
	root := &cobra.Command{
		Use:   "axium2crm",
		Short: "Move a dental school's axiUm data into Twenty CRM or Odoo, through a DuckDB staging warehouse",
		Long: `axium2crm lands raw axiUm exports (report CSVs or API JSON) in an embedded
DuckDB staging warehouse, where every stage can be inspected with SQL.

Exit codes: 0 ok, 1 error, 2 usage, 3 validation failed, 130 cancelled.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.project, "project", ".", "migration project directory")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "machine-readable JSON output")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newInitCmd(g),
		newLoadCmd(g),
		newSQLCmd(g),
		newRunCmd(g),
		newTestCmd(g),
		newModelsCmd(g),
		newFixturesCmd(g),
		newQuickstartCmd(g),
		newSnapshotCmd(g),
		newDiffCmd(g),
		newRollbackCmd(g),
		newMapCmd(g),
		newExportCmd(g),
		newPushCmd(g),
		newVerifyCmd(g),
	)
	return root
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func argsUsage(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// project is an opened migration project.
type project struct {
	dir   string
	cfg   config.Config
	wh    *warehouse.Warehouse
	whOpt warehouse.Options
}

// openProject reads the project's configuration and opens its warehouse.
func openProject(ctx context.Context, dir string, readOnly bool) (*project, error) {
	cfg, err := config.Read(dir)
	if err != nil {
		return nil, err
	}
	tmp := config.Resolve(dir, cfg.Warehouse.TempDirectory)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	// The configured memory_limit bounds the process; DuckDB gets its
	// share (validated when the configuration was read).
	duckMem, err := cfg.Warehouse.DuckDBMemoryLimit()
	if err != nil {
		return nil, err
	}
	opt := warehouse.Options{
		Path:        config.Resolve(dir, warehouse.FileName),
		MemoryLimit: duckMem,
		Threads:     cfg.Warehouse.Threads,
		TempDir:     tmp,
		ReadOnly:    readOnly,
	}
	wh, err := warehouse.Open(ctx, opt)
	if err != nil {
		return nil, err
	}
	return &project{dir: dir, cfg: cfg, wh: wh, whOpt: opt}, nil
}

func (p *project) Close() error { return p.wh.Close() }

// reopenWhenFull reopens the warehouse between two models when the
// process holds more than DuckDB's limit: DuckDB keeps the buffer memory
// the models before touched resident (up to its limit) until its
// database closes, and the next model's memory outside DuckDB's count
// comes on top. Measured at 1,000,000 patients with DuckDB at 1 GB: a
// run that reopened only before the models built in passes peaked at
// 2,079 MiB (2,406 without), in models that are not. Where the resident
// size cannot be read, the models built in passes start afresh.
func (p *project) reopenWhenFull(ctx context.Context, batched bool) (*sql.DB, error) {
	limit, _ := p.cfg.Warehouse.DuckDBMemoryLimit()
	rss, ok := residentBytes()
	if !reopenNow(rss, ok, limit, batched) {
		return p.wh.DB(), nil
	}
	return p.reopen(ctx)
}

// reopenNow decides it: the resident size rss (when known) over DuckDB's
// limit ("1000000000B"; none set: never), else a model built in passes.
func reopenNow(rss uint64, known bool, limit string, batched bool) bool {
	if !known {
		return batched
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(limit, "B"), 10, 64)
	return err == nil && n > 0 && rss > n
}

// residentBytes is the process's resident set size (Linux).
func residentBytes() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}

// reopen closes the warehouse and opens it again: DuckDB gives back the
// memory it holds only when its database closes.
func (p *project) reopen(ctx context.Context) (*sql.DB, error) {
	if err := p.wh.Close(); err != nil {
		return nil, err
	}
	wh, err := warehouse.Open(ctx, p.whOpt)
	if err != nil {
		return nil, err
	}
	p.wh = wh
	return wh.DB(), nil
}

// specs are the loader's specs: the configuration's, or, when the project
// has a source map, the confirmed source map's (an unconfirmed or changed
// one refuses).
func (p *project) specs() ([]loaders.Spec, error) {
	specs, _, err := p.mappedSpecs()
	return specs, err
}

// mappedSpecs are specs with the confirmed source map they come from (nil
// without one).
func (p *project) mappedSpecs() ([]loaders.Spec, *sourcemap.SourceMap, error) {
	base, err := p.cfg.Specs()
	if err != nil {
		return nil, nil, err
	}
	m, err := p.requireSourceMap(context.Background(), base)
	if err != nil || m == nil {
		return base, nil, err
	}
	return m.Specs(base), m, nil
}

func (p *project) tempDir() string { return config.Resolve(p.dir, p.cfg.Warehouse.TempDirectory) }
