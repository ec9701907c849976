package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

type sqlOptions struct {
	format string
	write  bool
}

func newSQLCmd(g *globals) *cobra.Command {
	o := &sqlOptions{}
	cmd := &cobra.Command{
		Use:   "sql [QUERY]",
		Short: "Run SQL against the project warehouse (read-only unless --write)",
		Long: `Run a query against the project's staging warehouse and print the result.
With no QUERY, statements are read from standard input and each result is
printed in turn. The warehouse is opened read-only unless --write is given.

Useful tables: raw.<object> (landed exports), meta.load_batch, meta.load_file,
meta.rejects (records that could not be landed, with file, line and reason).`,
		Example: `  axium2crm sql --project ./mig "SELECT count(*) FROM raw.patient"
  axium2crm sql --project ./mig --format csv "SELECT * FROM meta.rejects" > rejects.csv
  echo "SELECT 1; SELECT 2" | axium2crm sql --project ./mig`,
		Args: argsUsage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.json {
				o.format = "json"
			}
			switch o.format {
			case "table", "csv", "json":
			default:
				return usageError{fmt.Errorf("--format %q: use table, csv or json", o.format)}
			}
			var script string
			if len(args) == 1 {
				script = args[0]
			} else {
				b, err := io.ReadAll(g.stdin)
				if err != nil {
					return err
				}
				script = string(b)
			}
			return runSQL(cmd, g, o, script)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "table", "output format: table, csv or json")
	cmd.Flags().BoolVar(&o.write, "write", false, "open the warehouse read-write so statements may change it")
	return cmd
}

func runSQL(cmd *cobra.Command, g *globals, o *sqlOptions, script string) error {
	stmts := warehouse.SplitStatements(script)
	if len(stmts) == 0 {
		return usageError{fmt.Errorf("no SQL statement given")}
	}
	p, err := openProject(cmd.Context(), g.project, !o.write)
	if err != nil {
		return err
	}
	defer p.Close()
	out := cmd.OutOrStdout()
	for i, st := range stmts {
		t, err := query(cmd.Context(), p.wh.DB(), st)
		if err != nil {
			if !o.write && strings.Contains(err.Error(), "read-only") {
				return fmt.Errorf("statement %d: the warehouse is opened read-only; pass --write to change it", i+1)
			}
			return fmt.Errorf("statement %d: %w", i+1, err)
		}
		if i > 0 && o.format == "table" {
			fmt.Fprintln(out)
		}
		switch o.format {
		case "csv":
			err = printCSV(out, t)
		case "json":
			err = printJSONRows(out, t)
		default:
			err = printAligned(out, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func query(ctx context.Context, db *sql.DB, st string) (table, error) {
	rows, err := db.QueryContext(ctx, st)
	if err != nil {
		return table{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return table{}, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return table{}, err
	}
	t := table{columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return table{}, err
		}
		for i, v := range vals {
			vals[i] = naiveTime(types[i].DatabaseTypeName(), v)
		}
		t.rows = append(t.rows, vals)
	}
	return t, rows.Err()
}

// naiveTime shows a TIMESTAMP (a wall clock without a zone: the clinic's
// time, as the staging models keep it) without a zone: the driver hands it
// over as UTC, and printing it with Z would say it is UTC. A DATE is a
// date; a TIMESTAMPTZ keeps its offset.
func naiveTime(dbType string, v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	switch dbType {
	case "DATE":
		return t.Format("2006-01-02")
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		if t.Nanosecond() == 0 {
			return t.Format("2006-01-02 15:04:05")
		}
		return t.Format("2006-01-02 15:04:05.999999999")
	}
	return v
}
