// Package config reads and writes a migration project's axium2crm.yaml and
// knows the project's layout on disk. Only the command layer reads files;
// libraries receive the structs this package returns.
package config

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"

	"github.com/axium2crm/axium2crm/loaders"
)

// FileName is the project configuration file.
const FileName = "axium2crm.yaml"

// Version is the configuration format this build reads and writes.
const Version = 1

//go:embed axium2crm.yaml.tmpl
var tmplFS embed.FS

// Config is axium2crm.yaml.
type Config struct {
	Version   int       `yaml:"version"`
	Warehouse Warehouse `yaml:"warehouse"`
	Load      Load      `yaml:"load"`
	Snapshots Snapshots `yaml:"snapshots"`
	// Destinations are the CRMs this project migrates to: `run` builds
	// the staging models and only these destinations' models.
	Destinations []string                `yaml:"destinations"`
	Objects      map[string]ObjectConfig `yaml:"objects"`
	Twenty       Twenty                  `yaml:"twenty"`
	Odoo         Odoo                    `yaml:"odoo"`
	Perio        Perio                   `yaml:"perio"`
}

// Perio holds how the perio chart is sent.
type Perio struct {
	// Grain is one record per exam and tooth (tooth: the six sites'
	// measurements as fields), per exam, tooth and site (site), or per
	// exam (exam: the chart as JSON). The models read it as the var
	// perio_grain.
	Grain string `yaml:"grain"`
}

// PerioGrains are the values perio.grain accepts, the default first.
var PerioGrains = []string{"tooth", "site", "exam"}

// ModelVars are the settings the SQL models read ({{ var "perio_grain" }}).
func (c Config) ModelVars() map[string]string {
	return map[string]string{"perio_grain": c.Perio.Grain}
}

// Odoo holds the Odoo exporter's settings. The server, database, login
// and password or API key come from ODOO_URL, ODOO_DB, ODOO_USER and
// ODOO_PASSWORD or ODOO_API_KEY, never from this file.
type Odoo struct {
	// TimeZone (IANA) the warehouse's naive timestamps are read in; Odoo
	// stores UTC.
	TimeZone string `yaml:"time_zone"`
	// Protocol is xmlrpc or jsonrpc.
	Protocol string `yaml:"protocol"`
	// BatchSize is the records per create/load call.
	BatchSize int `yaml:"batch_size"`
	// Connections is the calls in flight at once.
	Connections int `yaml:"connections"`
	// LeadScoring is what the push does with Odoo's predictive lead
	// scoring: "pause" it while it writes and rebuild its table at the
	// end, or keep it "live" (visits then go one batch at a time).
	LeadScoring string `yaml:"lead_scoring"`
}

// LeadScorings are the values odoo.lead_scoring accepts, the default first.
var LeadScorings = []string{"pause", "live"}

// Twenty holds the Twenty exporter's settings. The server URL and API key
// come from TWENTY_URL and TWENTY_API_KEY, or the key from APIKeyFile.
type Twenty struct {
	// TimeZone (IANA) the warehouse's naive timestamps are read in: the
	// clinic's wall clock, never the machine's.
	TimeZone string `yaml:"time_zone"`
	// CallsPerMinute the push allows itself (Twenty's API-key limit is 100).
	CallsPerMinute int `yaml:"calls_per_minute"`
	// APIKeyFile holds the API key; relative to the project, mode 0600.
	APIKeyFile string `yaml:"api_key_file"`
}

// Warehouse holds DuckDB settings.
type Warehouse struct {
	// MemoryLimit is the memory the whole process may use ("4GB",
	// "1536MB", "8GiB"); DuckDB is given part of it (DuckDBMemoryLimit).
	MemoryLimit   string `yaml:"memory_limit"`
	Threads       int    `yaml:"threads"`
	TempDirectory string `yaml:"temp_directory"`
}

// DuckDBShare is the part of warehouse.memory_limit DuckDB's buffer
// manager is given as its own memory_limit. DuckDB allocates outside
// that limit too (memory it does not track: vectors and string heaps in
// flight, per-operator state of big joins and aggregates). Measured with
// `run` and `test` at 1,000,000 patients, the process peaked at up to
// 2.1 and 1.58 times DuckDB's limit, and about 1.1 times at 100,000 (see
// the README's "Memory"): half holds the budget at 100,000 patients and
// mostly at 1,000,000 (one long run in three went 6% over).
const DuckDBShare = 0.5

// minMemory is the smallest budget the tool accepts: below it DuckDB
// fails on ordinary models with out-of-memory errors.
const minMemory = 128_000_000

// DuckDBMemoryLimit is DuckDB's memory_limit for the budget MemoryLimit:
// DuckDBShare of it, in bytes as DuckDB reads them ("1000000000B"); empty
// when MemoryLimit is empty (DuckDB's own default, 80% of the machine's
// memory, and no bound on the process).
func (w Warehouse) DuckDBMemoryLimit() (string, error) {
	if strings.TrimSpace(w.MemoryLimit) == "" {
		return "", nil
	}
	n, err := memoryBytes(w.MemoryLimit)
	if err != nil {
		return "", err
	}
	return strconv.FormatUint(uint64(float64(n)*DuckDBShare), 10) + "B", nil
}

// memoryBytes reads a size as DuckDB does: KB, MB, GB, TB are powers of
// 1000, KiB, MiB, GiB, TiB of 1024 (go-humanize's reading, not ours).
func memoryBytes(s string) (uint64, error) {
	bad := fmt.Errorf("warehouse.memory_limit: %q is not a size (e.g. 2GB, 1536MB, 8GiB; the memory the process may use)", s)
	if strings.Contains(s, "%") {
		return 0, fmt.Errorf("warehouse.memory_limit: %q: give a size (e.g. 2GB, 1536MB, 8GiB), not a share of the machine's memory", s)
	}
	n, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil {
		return 0, bad
	}
	if n < minMemory {
		return 0, fmt.Errorf("warehouse.memory_limit: %s is less than the 128MB the tool needs to run", s)
	}
	return n, nil
}

// Snapshots hold the retention of the per-run snapshots.
type Snapshots struct {
	// Keep is how many of the newest snapshots to keep; 0 keeps all.
	Keep int `yaml:"keep"`
}

// Load holds defaults for every object.
type Load struct {
	Encoding  string `yaml:"encoding"`
	Delimiter string `yaml:"delimiter"`
	// TwoDigitYearPivot fixes the window two-digit years are read in (a
	// year yy is the latest ending in yy not after it); 0 takes the year
	// after the newest load batch.
	TwoDigitYearPivot int `yaml:"two_digit_year_pivot"`
}

// ObjectConfig overrides the built-in mapping of one axiUm object, or
// declares an object the catalog does not know (an institution's own report).
type ObjectConfig struct {
	Files     []string          `yaml:"files"`
	Key       []string          `yaml:"key"`
	Columns   map[string]string `yaml:"columns"`
	Encoding  string            `yaml:"encoding"`
	Delimiter string            `yaml:"delimiter"`
	// RecordsPath names the member holding the records in wrapped JSON pages.
	RecordsPath string `yaml:"records_path"`
}

// Error is a configuration problem, located in the file when possible.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ErrNoProject reports a directory without axium2crm.yaml.
var ErrNoProject = errors.New("not an axium2crm project")

// Default returns the configuration `init` writes.
func Default() Config {
	return Config{
		Version:      Version,
		Warehouse:    Warehouse{MemoryLimit: "4GB", Threads: 0, TempDirectory: "tmp"},
		Load:         Load{Encoding: "auto", Delimiter: "auto"},
		Snapshots:    Snapshots{Keep: 30},
		Destinations: []string{"twenty", "odoo"},
		Objects:      map[string]ObjectConfig{},
		Twenty:       Twenty{TimeZone: "America/New_York", CallsPerMinute: 100},
		Odoo:         Odoo{TimeZone: "America/New_York", Protocol: "xmlrpc", BatchSize: 500, Connections: 2, LeadScoring: "pause"},
		Perio:        Perio{Grain: "tooth"},
	}
}

// Render writes the default configuration with comments explaining each
// setting and listing every object's default file patterns and columns;
// destinations, when given, replace the default destinations.
func Render(destinations ...string) ([]byte, error) {
	def := Default()
	if len(destinations) > 0 {
		def.Destinations = destinations
	}
	t, err := template.New("axium2crm.yaml.tmpl").Funcs(template.FuncMap{
		"join":     strings.Join,
		"patterns": loaders.DefaultPatterns,
		"columns": func(o loaders.Object) string {
			names := make([]string, len(o.Columns))
			for i, c := range o.Columns {
				names[i] = c.Name
			}
			return strings.Join(names, ", ")
		},
		"yamlList": func(ss []string) string {
			q := make([]string, len(ss))
			for i, s := range ss {
				q[i] = fmt.Sprintf("%q", s)
			}
			return "[" + strings.Join(q, ", ") + "]"
		},
	}).ParseFS(tmplFS, "axium2crm.yaml.tmpl")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, struct {
		Default Config
		Objects []loaders.Object
	}{def, loaders.Catalog()}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Read loads DIR/axium2crm.yaml strictly: unknown keys are errors, so a typo
// does not silently fall back to a default.
func Read(dir string) (Config, error) {
	p := filepath.Join(dir, FileName)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf("%w: %s has no %s (run `axium2crm init %s`)", ErrNoProject, dir, FileName, dir)
	}
	if err != nil {
		return Config{}, err
	}
	return Parse(p, b)
}

// Parse decodes configuration text; name is used in error messages.
func Parse(name string, b []byte) (Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return Config{}, &Error{File: name, Msg: strings.Join(te.Errors, "; ")}
		}
		return Config{}, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if cfg.Version != Version {
		return Config{}, &Error{File: name, Msg: fmt.Sprintf("version %d is not supported (this axium2crm reads version %d)", cfg.Version, Version)}
	}
	if cfg.Objects == nil {
		cfg.Objects = map[string]ObjectConfig{}
	}
	if err := validate(cfg); err != nil {
		return Config{}, &Error{File: name, Msg: err.Error()}
	}
	return cfg, nil
}

func validate(cfg Config) error {
	if _, err := cfg.Warehouse.DuckDBMemoryLimit(); err != nil {
		return err
	}
	if cfg.Snapshots.Keep < 0 {
		return fmt.Errorf("snapshots.keep: %d is negative (0 keeps every snapshot)", cfg.Snapshots.Keep)
	}
	if len(cfg.Destinations) == 0 {
		return fmt.Errorf("destinations: name at least one of twenty, odoo")
	}
	for _, d := range cfg.Destinations {
		if d != "twenty" && d != "odoo" {
			return fmt.Errorf("destinations: %q is not a destination (twenty, odoo)", d)
		}
	}
	if _, err := time.LoadLocation(cfg.Twenty.TimeZone); err != nil || cfg.Twenty.TimeZone == "" {
		return fmt.Errorf("twenty.time_zone: %q is not an IANA time zone (e.g. America/Chicago)", cfg.Twenty.TimeZone)
	}
	if cfg.Twenty.CallsPerMinute <= 0 {
		return fmt.Errorf("twenty.calls_per_minute: must be positive, got %d", cfg.Twenty.CallsPerMinute)
	}
	if _, err := time.LoadLocation(cfg.Odoo.TimeZone); err != nil || cfg.Odoo.TimeZone == "" {
		return fmt.Errorf("odoo.time_zone: %q is not an IANA time zone (e.g. America/Chicago)", cfg.Odoo.TimeZone)
	}
	if cfg.Odoo.Protocol != "xmlrpc" && cfg.Odoo.Protocol != "jsonrpc" {
		return fmt.Errorf("odoo.protocol: %q is not xmlrpc or jsonrpc", cfg.Odoo.Protocol)
	}
	if cfg.Odoo.BatchSize <= 0 || cfg.Odoo.Connections <= 0 {
		return fmt.Errorf("odoo.batch_size and odoo.connections must be positive, got %d and %d", cfg.Odoo.BatchSize, cfg.Odoo.Connections)
	}
	if !slices.Contains(LeadScorings, cfg.Odoo.LeadScoring) {
		return fmt.Errorf("odoo.lead_scoring: %q is not one of %s", cfg.Odoo.LeadScoring, strings.Join(LeadScorings, ", "))
	}
	if !slices.Contains(PerioGrains, cfg.Perio.Grain) {
		return fmt.Errorf("perio.grain: %q is not one of %s", cfg.Perio.Grain, strings.Join(PerioGrains, ", "))
	}
	known := map[string]bool{}
	for _, o := range loaders.Catalog() {
		known[o.Name] = true
	}
	for _, enc := range append([]string{cfg.Load.Encoding}, objectField(cfg, func(o ObjectConfig) string { return o.Encoding })...) {
		if enc != "" {
			if _, err := loaders.ParseEncoding(enc); err != nil {
				return err
			}
		}
	}
	if p := cfg.Load.TwoDigitYearPivot; p != 0 && (p < 1999 || p > 2199) {
		return fmt.Errorf("load.two_digit_year_pivot %d: give a year from 1999 to 2199, or 0 for the year after the newest load", p)
	}
	for _, d := range append([]string{cfg.Load.Delimiter}, objectField(cfg, func(o ObjectConfig) string { return o.Delimiter })...) {
		if _, err := loaders.ParseDelimiter(d); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(cfg.Objects) {
		o := cfg.Objects[name]
		if !loaders.ValidObjectName(name) {
			return fmt.Errorf("objects.%s: object names are lower case letters, digits and underscores", name)
		}
		if !known[name] && len(o.Key) == 0 {
			return fmt.Errorf("objects.%s: not a built-in axiUm object, so it needs `key:` (the columns that identify a record)", name)
		}
	}
	return nil
}

func objectField(cfg Config, f func(ObjectConfig) string) []string {
	var out []string
	for _, k := range sortedKeys(cfg.Objects) {
		out = append(out, f(cfg.Objects[k]))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Specs merges the catalog with the configuration into the loader's view of
// every object, in catalog order followed by institution-defined objects.
func (c Config) Specs() ([]loaders.Spec, error) {
	var specs []loaders.Spec
	seen := map[string]bool{}
	for _, o := range loaders.Catalog() {
		seen[o.Name] = true
		specs = append(specs, c.spec(o, c.Objects[o.Name]))
	}
	for _, name := range sortedKeys(c.Objects) {
		if seen[name] {
			continue
		}
		oc := c.Objects[name]
		specs = append(specs, c.spec(loaders.Object{Name: name, Key: oc.Key}, oc))
	}
	return specs, nil
}

func (c Config) spec(o loaders.Object, oc ObjectConfig) loaders.Spec {
	s := loaders.Spec{
		Object:      o,
		Files:       oc.Files,
		Columns:     oc.Columns,
		Encoding:    firstNonEmpty(oc.Encoding, c.Load.Encoding, "auto"),
		Delimiter:   firstNonEmpty(oc.Delimiter, c.Load.Delimiter, "auto"),
		RecordsPath: oc.RecordsPath,
	}
	if len(oc.Key) > 0 {
		s.Object.Key = oc.Key
	}
	if len(s.Files) == 0 {
		s.Files = loaders.DefaultPatterns(o.Name)
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Resolve returns p relative to the project directory unless it is absolute.
func Resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// ErrExists reports an init over an existing configuration.
var ErrExists = errors.New("already an axium2crm project")

// Init creates dir (owner-only) and writes the default configuration, for
// the given destinations when any are named. It refuses to overwrite an
// existing configuration unless force is set.
func Init(dir string, force bool, destinations ...string) (string, error) {
	p := filepath.Join(dir, FileName)
	b, err := Render(destinations...)
	if err != nil {
		return "", err
	}
	if _, err := Parse(p, b); err != nil {
		return "", fmt.Errorf("new configuration: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	// MkdirAll leaves an existing directory's mode alone; patient data
	// needs owner-only either way.
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err == nil && !force {
		return "", fmt.Errorf("%w: %s exists (use --force to rewrite it with defaults)", ErrExists, p)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return "", err
	}
	return p, os.Chmod(p, 0o600)
}
