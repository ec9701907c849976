package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/loaders/sourcemap"
	"github.com/axium2crm/axium2crm/sql/models"
)

// The source map (source_map.yaml in the project): proposed from an export
// by `map source EXPORT`, edited and confirmed by a person, then followed
// by load instead of the configuration's file patterns and column names.

// sourceMapPath is the project's source map file.
func (p *project) sourceMapPath() string { return filepath.Join(p.dir, sourcemap.FileName) }

// catalogOf is the objects the configuration's specs know.
func catalogOf(specs []loaders.Spec) []loaders.Object {
	out := make([]loaders.Object, len(specs))
	for i, s := range specs {
		out[i] = s.Object
	}
	return out
}

// sourceMap reads the project's source map, if it has one, with its hash.
func (p *project) sourceMap(base []loaders.Spec) (*sourcemap.SourceMap, string, error) {
	m, h, err := sourcemap.Read(p.sourceMapPath(), catalogOf(base))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	return m, h, err
}

// requireSourceMap refuses while the project's source map (if it has one)
// is not confirmed as it is now; it returns the map.
func (p *project) requireSourceMap(ctx context.Context, base []loaders.Spec) (*sourcemap.SourceMap, error) {
	m, h, err := p.sourceMap(base)
	if err != nil || m == nil {
		return nil, err
	}
	if _, err := mapping.SourceConfirmed(ctx, p.wh.DB(), h); err != nil {
		return nil, err
	}
	return m, nil
}

// vocabulary is the values the staging models accept per object and
// column (their accepted_values tests): a column holding other values
// gets a code table proposed.
func vocabulary(dir string, catalog []loaders.Object) (sourcemap.Vocabulary, error) {
	set, err := readModels(dir)
	if err != nil {
		return nil, err
	}
	out := sourcemap.Vocabulary{}
	for _, o := range catalog {
		m, ok := set.Models["stg_"+o.Name]
		if !ok {
			continue
		}
		for col, tests := range m.Config.Columns {
			for _, t := range tests {
				if t.Kind != "accepted_values" {
					continue
				}
				for _, c := range o.Columns {
					if normName(c.Name) == normName(col) {
						if out[o.Name] == nil {
							out[o.Name] = map[string][]string{}
						}
						for _, v := range t.Values {
							out[o.Name][c.Name] = append(out[o.Name][c.Name], fmt.Sprint(v))
						}
					}
				}
			}
		}
	}
	return out, nil
}

func normName(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", " ", "").Replace(s))
}

var _ = models.Embedded // the vocabulary reads the models

type mapSourceOptions struct {
	propose bool
}

// runMapSource proposes (when an export is given and the project has no
// source map yet, or with --propose), shows, and with --confirm confirms
// the project's source map.
func runMapSource(cmd *cobra.Command, g *globals, o *mapOptions, so *mapSourceOptions, args []string) error {
	p, err := openProject(cmd.Context(), g.project, false)
	if err != nil {
		return err
	}
	defer p.Close()
	base, err := p.cfg.Specs()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	path := p.sourceMapPath()
	_, statErr := os.Stat(path)
	exists := statErr == nil
	switch {
	case len(args) == 0 && !exists:
		return usageError{fmt.Errorf("the project has no source map yet: propose one with `axium2crm map source EXPORT_DIR --project %s`", g.project)}
	case len(args) == 1 && exists && !so.propose:
		fmt.Fprintf(cmd.ErrOrStderr(), "%s exists (a person may have edited it): it is kept; --propose replaces it with a new proposal\n", path)
	case len(args) == 1:
		if st, err := os.Stat(args[0]); err != nil || !st.IsDir() {
			return usageError{fmt.Errorf("%s is not an export directory", args[0])}
		}
		vocab, err := vocabulary(p.dir, catalogOf(base))
		if err != nil {
			return err
		}
		m, err := sourcemap.Propose(args[0], sourcemap.Options{Catalog: catalogOf(base), Vocabulary: vocab})
		if err != nil {
			return err
		}
		if err := sourcemap.Write(path, m); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "proposed %s: review it, edit it if needed, then confirm it with --confirm\n", path)
	}
	m, hash, err := p.sourceMap(base)
	if err != nil {
		return err
	}
	db := p.wh.DB()
	conf, cerr := mapping.SourceConfirmed(cmd.Context(), db, hash)
	var nc *mapping.SourceNotConfirmedError
	if cerr != nil && !errors.As(cerr, &nc) {
		return cerr
	}
	if o.confirm && conf == nil {
		by := o.by
		if by == "" {
			if u, err := user.Current(); err == nil {
				by = u.Username
			}
		}
		cols := 0
		for _, f := range m.Files {
			cols += len(f.Columns)
		}
		if conf, err = mapping.ConfirmSource(cmd.Context(), db, hash, by, o.note, len(m.Files), cols); err != nil {
			return err
		}
	}
	if g.json {
		return writeJSON(out, struct {
			Hash      string                `json:"hash"`
			Confirmed *mapping.Confirmation `json:"confirmed"`
			Map       *sourcemap.SourceMap  `json:"map"`
			Flags     []string              `json:"flags"`
		}{hash, conf, m, orEmptyStrings(m.Flags())})
	}
	t := table{columns: []string{"file", "object", "confidence", "encoding", "map", "carry", "reshape", "ignore", "reshapings"}}
	for _, f := range m.Files {
		n := map[string]int{}
		for _, c := range f.Columns {
			n[c.Action]++
		}
		var kinds []string
		for _, r := range f.Reshape {
			kinds = append(kinds, r.Kind)
		}
		t.rows = append(t.rows, []any{f.Path, f.Object, fmt.Sprintf("%.2f", f.Confidence), f.Encoding,
			n[sourcemap.Map], n[sourcemap.Carry], n[sourcemap.ReshapeAction], n[sourcemap.Ignore], strings.Join(kinds, ", ")})
	}
	fmt.Fprintf(out, "Source map %s: each file, its object and what its columns do\n\n", path)
	if err := printAligned(out, t); err != nil {
		return err
	}
	if flags := m.Flags(); len(flags) > 0 {
		fmt.Fprintf(out, "\nTo look at before confirming (%d):\n", len(flags))
		for _, f := range flags {
			fmt.Fprintln(out, "  - "+f)
		}
	}
	fmt.Fprintln(out)
	switch {
	case conf != nil:
		fmt.Fprintf(out, "Source map %s… confirmed by %s on %s.\n", hash[:12], conf.By, conf.At.Format("2006-01-02 15:04"))
	case nc != nil && nc.Last != nil:
		fmt.Fprintf(out, "Source map %s… CHANGED since %s confirmed one on %s: review it, then run with --confirm.\n",
			hash[:12], nc.Last.By, nc.Last.At.Format("2006-01-02 15:04"))
	default:
		fmt.Fprintf(out, "Source map %s… not confirmed yet: review it, then run `axium2crm map source --confirm`.\n", hash[:12])
	}
	return nil
}

func orEmptyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
