package main

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newModelsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "models",
		Short: "List the models: DAG order, parents, fingerprints and last run",
		Args:  argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := readModels(g.project)
			if err != nil {
				return err
			}
			last := map[string][]any{}
			// The builds are the project's: outside one there is nothing to
			// say about them.
			p, err := openProject(cmd.Context(), g.project, true)
			if err != nil {
				return err
			}
			defer p.Close()
			{
				rows, err := p.wh.DB().QueryContext(cmd.Context(),
					"SELECT model, run_id, status, row_count, seconds, fingerprint FROM meta.model_run QUALIFY row_number() OVER (PARTITION BY model ORDER BY run_id DESC) = 1")
				if err != nil {
					return err
				}
				for rows.Next() {
					var m, st, fp string
					var run int64
					var n sql.NullInt64
					var secs sql.NullFloat64
					if err := rows.Scan(&m, &run, &st, &n, &secs, &fp); err != nil {
						rows.Close()
						return err
					}
					last[m] = []any{run, st, n.Int64, fp}
				}
				rows.Close()
			}
			t := table{columns: []string{"model", "materialized", "parents", "fingerprint", "file", "last run", "status", "rows", "built from"}}
			type lastRun struct {
				RunID       any    `json:"run_id"`
				Status      any    `json:"status"`
				Rows        any    `json:"rows"`
				Fingerprint any    `json:"fingerprint"`
				Version     string `json:"version"` // this version or an older one
			}
			type row struct {
				Model        string   `json:"model"`
				Schema       string   `json:"schema"`
				Materialized string   `json:"materialized"`
				Fingerprint  string   `json:"fingerprint"`
				File         string   `json:"file"`
				Parents      []string `json:"parents"`
				Tags         []string `json:"tags"`
				LastRun      *lastRun `json:"last_run"`
			}
			var js []row
			for _, name := range set.Order {
				m := set.Models[name]
				parents := append(append([]string{}, m.Refs...), prefixed("source:", m.Sources)...)
				parents = append(parents, prefixed("seed:", m.Seeds)...)
				shown := parents
				if len(shown) > 3 {
					shown = append(append([]string{}, shown[:3]...), fmt.Sprintf("… (%d in all)", len(parents)))
				}
				r := []any{m.Schema + "." + name, m.Config.Materialized, strings.Join(shown, ", "), m.Fingerprint, m.File}
				if l, ok := last[name]; ok {
					stale := ""
					if l[3] != m.Fingerprint {
						stale = "older version"
					} else {
						stale = "this version"
					}
					r = append(r, l[0], l[1], l[2], stale)
				} else {
					r = append(r, nil, "never built", nil, nil)
				}
				t.rows = append(t.rows, r)
				jr := row{name, m.Schema, m.Config.Materialized, m.Fingerprint, m.File, parents, m.Config.Tags, nil}
				if jr.Tags == nil {
					jr.Tags = []string{}
				}
				if l, ok := last[name]; ok {
					v := "older version"
					if l[3] == m.Fingerprint {
						v = "this version"
					}
					jr.LastRun = &lastRun{l[0], l[1], l[2], l[3], v}
				}
				js = append(js, jr)
			}
			if g.json {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"models": js})
			}
			return printAligned(cmd.OutOrStdout(), t)
		},
	}
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}
