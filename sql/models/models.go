// Package models reads the versioned SQL models, builds their DAG, and
// materialises them in the project warehouse.
//
// A model is one .sql file holding one SELECT, in a directory named after its
// schema (staging/stg_patient.sql → staging.stg_patient; a "<schema>_" prefix
// is dropped from the table name: twenty/twenty_person.sql → twenty.person). It names what it
// reads through template calls the runner can see:
//
//	{{ ref "stg_patient" }}   another model
//	{{ source "patient" }}    the current rows of raw.patient (see Source)
//	{{ seed "cdt_crosswalk" }} a versioned seed table
//	{{ this }}                the model itself (in its tests)
//	{{ batch "patient_id" }}  this pass's share of rows, in a batched model
//	                          (see Batches)
//	{{ carried "patient" "twenty" "cte" }}
//	                          SELECT * FROM cte plus the object's carried
//	                          columns, named as the CRM's fields (carry.go)
//	{{ source_columns }}      the catalog's columns: (object, column_name)
//	{{ var "perio_grain" }}   a project setting (see Vars), for
//	                          {{ if eq (var "perio_grain") "tooth" }} ...
//
// A .yml beside the model declares how it is materialised, its tags, key and
// data tests. The embedded models can be overridden by an institution: a file
// with the same name in the project's models/ directory wins.
package models

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// settingName is what a DuckDB setting name looks like; a .yml cannot
// smuggle SQL through the SET it names.
var settingName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Schemas a model may live in, in build order for display.
var Schemas = []string{"staging", "twenty", "odoo"}

// Model is one SQL model.
type Model struct {
	Name   string
	Schema string
	// File is where the model came from: "embedded:staging/stg_patient.sql"
	// or the override's path.
	File string
	// SQL is the template text.
	SQL    string
	Config Config
	// Refs, Sources and Seeds are what the model reads, in first-use order.
	Refs    []string
	Sources []string
	Seeds   []string
	// Vars are the settings the model reads with {{ var }}.
	Vars []string
	// Fingerprint hashes the model's SQL, config, the values of the vars
	// it reads and its parents' fingerprints: it changes when the model,
	// a setting it reads or anything upstream changes.
	Fingerprint string
	// batched says the SQL calls {{ batch }}.
	batched bool
}

// Config is the model's .yml.
type Config struct {
	Materialized string                `yaml:"materialized"` // table (default) or view
	Tags         []string              `yaml:"tags"`
	Description  string                `yaml:"description"`
	Key          []string              `yaml:"key"`
	Columns      map[string][]TestSpec `yaml:"columns"`
	Tests        []CustomTest          `yaml:"tests"`
	// Settings are DuckDB settings for this model's build only
	// ({threads: 1}); names are checked, values bound as literals.
	Settings map[string]string `yaml:"settings"`
	// Batches builds a table in passes, each over one share of its rows,
	// for aggregates whose per-group states DuckDB cannot spill to disk
	// (list, string_agg): a pass holds only its share of the groups, so
	// memory stays bounded however large the export. The SQL marks the
	// share with {{ batch "patient_id" }} in every branch that reads rows.
	Batches *Batches `yaml:"batches"`
	// Compression names a storage compression for some columns of a
	// table ({id: zstd}). DuckDB's own choice (dictionary + FSST) is the
	// right one for most columns, but spends most of a wide table's build
	// on columns whose every value differs (ids, keys, long text), which
	// zstd writes in a fraction of the time. It changes how the table is
	// stored, never what it holds.
	Compression map[string]string `yaml:"compression"`
}

// compressions are the methods a column may name in compression: (those
// DuckDB still writes; it refuses a method the column's type cannot use).
var compressions = []string{"uncompressed", "dict_fsst", "zstd", "rle", "bitpacking", "alp", "alprd", "roaring"}

// Batches sizes a batched build: one pass per Rows rows of the parent
// model Of (at least one pass; a small export is built in one). Rows is
// sized for DuckDB's memory_limit at BatchMemory (2GB); under a lower
// limit a pass takes proportionally fewer rows (passRows).
type Batches struct {
	Of   string `yaml:"of"`
	Rows int64  `yaml:"rows"`
}

// TestSpec is one column test: a bare name (not_null, unique) or a map with
// arguments ({accepted_values: [...]}, {relationships: {to: m, field: f}}).
type TestSpec struct {
	Kind   string
	Values []string
	To     string
	Field  string
	// Where restricts the rows tested (e.g. "status <> 'deleted'").
	Where string
}

// CustomTest is a SELECT returning the bad rows.
type CustomTest struct {
	Name string `yaml:"name"`
	SQL  string `yaml:"sql"`
}

// UnmarshalYAML accepts the short and long forms of a column test.
func (t *TestSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		t.Kind = n.Value
		return checkKind(t.Kind, n.Line)
	}
	var m map[string]yaml.Node
	if err := n.Decode(&m); err != nil {
		return err
	}
	if len(m) != 1 {
		return fmt.Errorf("line %d: a column test is one name or one {name: arguments}", n.Line)
	}
	for k, v := range m {
		t.Kind = k
		if err := checkKind(k, n.Line); err != nil {
			return err
		}
		switch k {
		case "accepted_values":
			if v.Kind == yaml.SequenceNode {
				return v.Decode(&t.Values)
			}
			var a struct {
				Values []string `yaml:"values"`
				Where  string   `yaml:"where"`
			}
			if err := v.Decode(&a); err != nil {
				return err
			}
			t.Values, t.Where = a.Values, a.Where
		case "relationships":
			var a struct {
				To    string `yaml:"to"`
				Field string `yaml:"field"`
				Where string `yaml:"where"`
			}
			if err := v.Decode(&a); err != nil {
				return err
			}
			t.To, t.Field, t.Where = a.To, a.Field, a.Where
			if t.To == "" || t.Field == "" {
				return fmt.Errorf("line %d: relationships needs to: and field:", n.Line)
			}
		default:
			var a struct {
				Where string `yaml:"where"`
			}
			if err := v.Decode(&a); err != nil {
				return err
			}
			t.Where = a.Where
		}
	}
	return nil
}

func checkKind(k string, line int) error {
	switch k {
	case "not_null", "unique", "accepted_values", "relationships":
		return nil
	}
	return fmt.Errorf("line %d: unknown column test %q (not_null, unique, accepted_values, relationships)", line, k)
}

// Set is every model, parsed and ordered.
type Set struct {
	Models map[string]*Model
	// Order is a topological order (parents first), ties by schema then name.
	Order []string
	Seeds map[string]Seed
	// Macros are SQL files under macros/ (CREATE OR REPLACE MACRO util.…),
	// run before any model, in file name order.
	Macros []Macro
	// vars are the values of every var (see Vars) this set was read with.
	vars map[string]string
}

// VarSpec is one project setting a model may read: its default and the
// values it accepts.
type VarSpec struct {
	Default string
	Values  []string
}

// Vars are the settings models read with {{ var "name" }}. A model
// branches on them in its template ({{ if eq (var "perio_grain") "tooth" }}),
// so a setting can change a table's columns; the values a model reads are
// part of its fingerprint, so snapshots and diffs see the change.
var Vars = map[string]VarSpec{
	// perio_grain is the record the perio chart is sent as: one per exam
	// and tooth (the six sites as fields), per exam, tooth and site, or
	// per exam (the chart as JSON). axium2crm.yaml's perio.grain.
	"perio_grain": {Default: "tooth", Values: []string{"tooth", "site", "exam"}},
}

// Var is the value of a var in this set.
func (s *Set) Var(name string) string { return s.vars[name] }

// resolveVars checks the given values against Vars and fills defaults.
func resolveVars(given map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for name, spec := range Vars {
		out[name] = spec.Default
	}
	for _, name := range sortedKeys(given) {
		spec, ok := Vars[name]
		if !ok {
			return nil, fmt.Errorf("var %q: no such setting", name)
		}
		v := given[name]
		if v == "" {
			continue
		}
		if !slices.Contains(spec.Values, v) {
			return nil, fmt.Errorf("var %s: %q is not one of %s", name, v, strings.Join(spec.Values, ", "))
		}
		out[name] = v
	}
	return out, nil
}

// Macro is one file of SQL macros the models use.
type Macro struct {
	File string
	SQL  string
}

// Seed is a versioned CSV loaded as a table in schema seeds.
type Seed struct {
	Name        string
	File        string
	Data        []byte
	Fingerprint string
}

// CycleError names the models of a dependency cycle.
type CycleError struct{ Path []string }

func (e *CycleError) Error() string {
	return "models form a cycle: " + strings.Join(e.Path, " → ")
}

// Layer is one source of model files: the embedded defaults, then
// overrides. Later layers win by file name.
type Layer struct {
	Name string // "embedded" or a directory
	FS   fs.FS
}

// Read parses every model and seed of the layers and orders the DAG, with
// every var at its default.
func Read(layers ...Layer) (*Set, error) {
	return ReadWith(nil, layers...)
}

// ReadWith is Read with the project's values of the vars (see Vars); a
// var not given, or given empty, keeps its default.
func ReadWith(vars map[string]string, layers ...Layer) (*Set, error) {
	vals, err := resolveVars(vars)
	if err != nil {
		return nil, err
	}
	files := map[string]struct {
		layer Layer
		path  string
	}{}
	// An override may sit anywhere under models/; it keeps the schema of
	// the model it replaces.
	schemaOf := map[string]string{}
	for _, l := range layers {
		err := fs.WalkDir(l.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			base := path.Base(p)
			if dir := path.Base(path.Dir(p)); strings.HasSuffix(base, ".sql") && slices.Contains(Schemas, dir) {
				schemaOf[base] = dir
			}
			if strings.HasSuffix(base, ".sql") || strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".csv") {
				files[base] = struct {
					layer Layer
					path  string
				}{l, p}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("models in %s: %w", l.Name, err)
		}
	}
	set := &Set{Models: map[string]*Model{}, Seeds: map[string]Seed{}, vars: vals}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, base := range names {
		f := files[base]
		b, err := fs.ReadFile(f.layer.FS, f.path)
		if err != nil {
			return nil, err
		}
		where := f.layer.Name + ":" + f.path
		switch {
		case strings.HasSuffix(base, ".csv"):
			name := strings.TrimSuffix(base, ".csv")
			set.Seeds[name] = Seed{Name: name, File: where, Data: b, Fingerprint: hashOf(b)}
		case strings.HasSuffix(base, ".sql") && path.Base(path.Dir(f.path)) == "macros":
			set.Macros = append(set.Macros, Macro{File: where, SQL: string(b)})
		case strings.HasSuffix(base, ".sql"):
			name := strings.TrimSuffix(base, ".sql")
			schema := schemaOf[base]
			if schema == "" {
				return nil, fmt.Errorf("%s: a model lives in a directory named after its schema (%s)", where, strings.Join(Schemas, ", "))
			}
			if prev, dup := set.Models[name]; dup {
				return nil, fmt.Errorf("%s: model %s already defined in %s", where, name, prev.File)
			}
			m := &Model{Name: name, Schema: schema, File: where, SQL: string(b), Config: Config{Materialized: "table"}}
			if y, ok := files[name+".yml"]; ok {
				yb, err := fs.ReadFile(y.layer.FS, y.path)
				if err != nil {
					return nil, err
				}
				dec := yaml.NewDecoder(bytes.NewReader(yb))
				dec.KnownFields(true)
				if err := dec.Decode(&m.Config); err != nil && !errors.Is(err, io.EOF) { // an empty .yml is no settings
					return nil, fmt.Errorf("%s:%s: %w", y.layer.Name, y.path, err)
				}
				if m.Config.Materialized == "" {
					m.Config.Materialized = "table"
				}
				if m.Config.Materialized != "table" && m.Config.Materialized != "view" {
					return nil, fmt.Errorf("%s:%s: materialized must be table or view", y.layer.Name, y.path)
				}
				for k := range m.Config.Settings {
					if !settingName.MatchString(k) {
						return nil, fmt.Errorf("%s:%s: settings: %q is not a DuckDB setting name", y.layer.Name, y.path, k)
					}
				}
				for c, method := range m.Config.Compression {
					if !slices.Contains(compressions, method) {
						return nil, fmt.Errorf("%s:%s: compression: %s: %q is not one of %s", y.layer.Name, y.path, c, method, strings.Join(compressions, ", "))
					}
				}
				if len(m.Config.Compression) > 0 && m.Config.Materialized != "table" {
					return nil, fmt.Errorf("%s:%s: compression applies to a table, not a view", y.layer.Name, y.path)
				}
				if b := m.Config.Batches; b != nil && (b.Of == "" || b.Rows <= 0 || m.Config.Materialized != "table") {
					return nil, fmt.Errorf("%s:%s: batches needs of: (a parent model) and rows: (> 0), on a table", y.layer.Name, y.path)
				}
			}
			if err := m.scan(vals); err != nil {
				return nil, err
			}
			if m.batched != (m.Config.Batches != nil) {
				return nil, fmt.Errorf("%s: a batched model needs both batches: in its .yml and {{ batch \"column\" }} in its SQL", where)
			}
			set.Models[name] = m
		}
	}
	for _, m := range set.Models {
		for _, r := range m.Refs {
			if _, ok := set.Models[r]; !ok {
				return nil, fmt.Errorf("%s: ref %q: no such model", m.File, r)
			}
		}
		if b := m.Config.Batches; b != nil && !slices.Contains(m.Refs, b.Of) {
			return nil, fmt.Errorf("%s: batches: of: %q is not a model it refs", m.File, b.Of)
		}
		for _, s := range m.Seeds {
			if _, ok := set.Seeds[s]; !ok {
				return nil, fmt.Errorf("%s: seed %q: no such seed file", m.File, s)
			}
		}
		for _, ts := range m.Config.Columns {
			for _, t := range ts {
				if t.Kind == "relationships" {
					if _, ok := set.Models[t.To]; !ok {
						return nil, fmt.Errorf("%s: relationships test: no model %q", m.File, t.To)
					}
				}
			}
		}
	}
	order, err := topoSort(set.Models)
	if err != nil {
		return nil, err
	}
	set.Order = order
	for _, name := range order {
		set.Models[name].fingerprint(set)
	}
	return set, nil
}

// scan executes the template with recording functions to learn the
// model's parents and the vars it reads, with the vars' values: a branch
// the values do not take reads nothing.
func (m *Model) scan(vars map[string]string) error {
	seen := map[string]bool{}
	add := func(list *[]string, kind, name string) string {
		if !seen[kind+name] {
			seen[kind+name] = true
			*list = append(*list, name)
		}
		return "x"
	}
	t, err := template.New(m.File).Funcs(template.FuncMap{
		"ref":    func(n string) string { return add(&m.Refs, "ref", n) },
		"source": func(n string) string { return add(&m.Sources, "source", n) },
		"seed":   func(n string) string { return add(&m.Seeds, "seed", n) },
		"this":   func() string { return "x" },
		"batch":  func(string) string { m.batched = true; return "true" },
		// carried reads the object's raw rows (see carry.go).
		"carried":        func(object, _, _ string) string { return add(&m.Sources, "source", object) },
		"source_columns": func() string { return "x" },
		"var": func(n string) (string, error) {
			v, ok := vars[n]
			if !ok {
				return "", fmt.Errorf("var %q: no such setting", n)
			}
			add(&m.Vars, "var", n)
			return v, nil
		},
	}).Parse(m.SQL)
	if err != nil {
		return fmt.Errorf("%s: %w", m.File, err)
	}
	if err := t.Execute(&bytes.Buffer{}, nil); err != nil {
		return fmt.Errorf("%s: %w", m.File, err)
	}
	return nil
}

func (m *Model) fingerprint(set *Set) {
	h := sha256.New()
	fmt.Fprintf(h, "%s.%s\n%s\n%v\n", m.Schema, m.Name, m.Config.Materialized, m.SQL)
	for _, r := range m.Refs {
		fmt.Fprintf(h, "ref %s %s\n", r, set.Models[r].Fingerprint)
	}
	for _, s := range m.Seeds {
		fmt.Fprintf(h, "seed %s %s\n", s, set.Seeds[s].Fingerprint)
	}
	for _, s := range m.Sources {
		fmt.Fprintf(h, "source %s\n", s)
	}
	for _, v := range m.Vars {
		fmt.Fprintf(h, "var %s=%s\n", v, set.vars[v])
	}
	for _, mc := range set.Macros {
		fmt.Fprintf(h, "macros %s\n", mc.SQL)
	}
	m.Fingerprint = hex.EncodeToString(h.Sum(nil))[:16]
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])[:16]
}

// Table is the model's table name in its schema: the model name without a
// leading "<schema>_" (twenty/twenty_person.sql builds twenty.person), so
// model names stay unique across schemas while tables read naturally.
func (m *Model) Table() string {
	if t, ok := strings.CutPrefix(m.Name, m.Schema+"_"); ok && t != "" {
		return t
	}
	return m.Name
}

// Relation is the model's quoted schema-qualified table name.
func (m *Model) Relation() string {
	return warehouse.QuoteIdent(m.Schema) + "." + warehouse.QuoteIdent(m.Table())
}

func topoSort(models map[string]*Model) ([]string, error) {
	names := make([]string, 0, len(models))
	for n := range models {
		names = append(names, n)
	}
	rank := func(n string) string {
		return fmt.Sprintf("%d/%s", slices.Index(Schemas, models[n].Schema), n)
	}
	sort.Slice(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var order, stack []string
	var visit func(n string) error
	visit = func(n string) error {
		switch color[n] {
		case grey:
			i := slices.Index(stack, n)
			return &CycleError{Path: append(append([]string{}, stack[i:]...), n)}
		case black:
			return nil
		}
		color[n] = grey
		stack = append(stack, n)
		refs := append([]string(nil), models[n].Refs...)
		sort.Slice(refs, func(i, j int) bool { return rank(refs[i]) < rank(refs[j]) })
		for _, r := range refs {
			if err := visit(r); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Children returns the models that ref m directly.
func (s *Set) Children(name string) []string {
	var out []string
	for _, n := range s.Order {
		if slices.Contains(s.Models[n].Refs, name) {
			out = append(out, n)
		}
	}
	return out
}

// Select resolves selectors (name, name+, +name, +name+, tag:x) to models in
// build order. No selector selects everything.
func (s *Set) Select(selectors []string) ([]string, error) {
	if len(selectors) == 0 {
		return append([]string(nil), s.Order...), nil
	}
	picked := map[string]bool{}
	for _, sel := range selectors {
		for _, part := range strings.Split(sel, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if tag, ok := strings.CutPrefix(part, "tag:"); ok {
				found := false
				for _, m := range s.Models {
					if slices.Contains(m.Config.Tags, tag) {
						picked[m.Name], found = true, true
					}
				}
				if !found {
					return nil, fmt.Errorf("selector %q: no model has tag %q", part, tag)
				}
				continue
			}
			up := strings.HasPrefix(part, "+")
			down := strings.HasSuffix(part, "+")
			name := strings.TrimSuffix(strings.TrimPrefix(part, "+"), "+")
			if _, ok := s.Models[name]; !ok {
				return nil, fmt.Errorf("selector %q: no model %q", part, name)
			}
			picked[name] = true
			if up {
				s.walk(name, func(n string) []string { return s.Models[n].Refs }, picked)
			}
			if down {
				s.walk(name, s.Children, picked)
			}
		}
	}
	var out []string
	for _, n := range s.Order {
		if picked[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

func (s *Set) walk(from string, next func(string) []string, into map[string]bool) {
	for _, n := range next(from) {
		if !into[n] {
			into[n] = true
			s.walk(n, next, into)
		}
	}
}
