package sourcemap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/axium2crm/axium2crm/loaders"
)

// FileName is the source map's file in a project directory.
const FileName = "source_map.yaml"

const header = `# The source map: what each file of the export is, and how each of its
# columns lands. Proposed by ` + "`axium2crm map source EXPORT`" + `; review and edit it,
# then confirm it with ` + "`axium2crm map source --confirm`" + `. Nothing loads from it,
# and nothing is pushed, until the version in this file is confirmed.
#
# Per file: object (a catalog object, or empty to skip the file), encoding,
# delimiter. Per column, action is one of
#   map      the value is the object's canonical column "field"
#   carry    kept as a custom field on the destination record
#   ignore   not loaded onward (only a person chooses this)
#   reshape  read by one of the file's reshapings (see reshape:)
# A code_table reshaping lists every code seen; fill in the ones left "".
`

// Write writes m to path with the explanation above.
func Write(p string, m *SourceMap) error {
	var b bytes.Buffer
	b.WriteString(header)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return os.WriteFile(p, b.Bytes(), 0o600)
}

// Read reads and checks a source map; its hash is of its content (not of
// its comments or layout), the version a confirmation names.
func Read(p string, catalog []loaders.Object) (*SourceMap, string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, "", err
	}
	var m SourceMap
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, "", fmt.Errorf("%s: %w", p, err)
	}
	if err := m.Check(catalog); err != nil {
		return nil, "", fmt.Errorf("%s: %w", p, err)
	}
	return &m, m.Hash(), nil
}

// Hash is the map's content hash.
func (m *SourceMap) Hash() string {
	j, _ := json.Marshal(m)
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:])
}

// Check refuses a map a load could not follow: an unknown object, action
// or field, two columns for one field, a reshaping naming a column the
// file does not have.
func (m *SourceMap) Check(catalog []loaders.Object) error {
	var problems []string
	seenPath := map[string]bool{}
	for _, f := range m.Files {
		if seenPath[strings.ToLower(f.Path)] {
			problems = append(problems, fmt.Sprintf("file %s: listed twice", f.Path))
		}
		seenPath[strings.ToLower(f.Path)] = true
		if f.Object == "" {
			continue
		}
		o, ok := objectOf(catalog, f.Object)
		if !ok {
			problems = append(problems, fmt.Sprintf("file %s: object %q is not in the catalog", f.Path, f.Object))
			continue
		}
		fields := map[string]string{}
		headers := map[string]bool{}
		for _, c := range f.Columns {
			headers[c.Header] = true
			switch c.Action {
			case Map:
				if !hasColumn(o, c.Field) {
					problems = append(problems, fmt.Sprintf("file %s column %q: %s has no column %q", f.Path, c.Header, o.Name, c.Field))
				} else if prev, dup := fields[c.Field]; dup {
					problems = append(problems, fmt.Sprintf("file %s: columns %q and %q both map to %s", f.Path, prev, c.Header, c.Field))
				}
				fields[c.Field] = c.Header
			case Carry, Ignore, ReshapeAction:
			default:
				problems = append(problems, fmt.Sprintf("file %s column %q: action %q is not map, carry, ignore or reshape", f.Path, c.Header, c.Action))
			}
		}
		for _, k := range o.Key {
			if _, ok := fields[k]; !ok && !reshapedInto(f, k) {
				problems = append(problems, fmt.Sprintf("file %s: no column maps to %s's key %s", f.Path, o.Name, k))
			}
		}
		for _, r := range f.Reshape {
			for _, h := range r.Columns {
				if !headers[h] {
					problems = append(problems, fmt.Sprintf("file %s reshape %s: no column %q", f.Path, r.Kind, h))
				}
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func reshapedInto(f File, field string) bool {
	for _, r := range f.Reshape {
		if r.Into == field {
			return true
		}
	}
	return false
}

// Flags are what a person should look at before confirming: columns
// proposed with little confidence, codes without a value, files with no
// object.
func (m *SourceMap) Flags() []string {
	var out []string
	for _, f := range m.Files {
		if f.Object == "" {
			out = append(out, fmt.Sprintf("%s: no object (the file is skipped): %s", f.Path, f.Reason))
			continue
		}
		for _, c := range f.Columns {
			if c.Action != Ignore && c.Confidence < 0.75 {
				out = append(out, fmt.Sprintf("%s %q: %s %s (confidence %.2f): %s", f.Path, c.Header, c.Action, c.Field, c.Confidence, c.Reason))
			}
		}
		for _, r := range f.Reshape {
			var blank []string
			for code, v := range r.Codes {
				if v == "" {
					blank = append(blank, code)
				}
			}
			sort.Strings(blank)
			if len(blank) > 0 {
				out = append(out, fmt.Sprintf("%s %s of %s: no value for code(s) %s", f.Path, r.Kind, r.Into, strings.Join(blank, ", ")))
			}
		}
	}
	return out
}

// Specs are the loader's specs the map gives: per object, its files
// (exact paths), the header of each mapped column and the encoding and
// delimiter. Objects the map does not mention keep their specs in base.
func (m *SourceMap) Specs(base []loaders.Spec) []loaders.Spec {
	byObj := map[string]*loaders.Spec{}
	var order []string
	for _, f := range m.Files {
		if f.Object == "" {
			continue
		}
		s, ok := byObj[f.Object]
		if !ok {
			for _, b := range base {
				if b.Object.Name == f.Object {
					c := b
					s = &c
				}
			}
			if s == nil {
				continue
			}
			s.Files, s.Columns = nil, map[string]string{}
			byObj[f.Object] = s
			order = append(order, f.Object)
		}
		s.Files = append(s.Files, escapePattern(f.Path))
		if f.Encoding != "" {
			s.Encoding = f.Encoding
		}
		if f.Delimiter != "" {
			s.Delimiter = f.Delimiter
		}
		for _, c := range f.Columns {
			if c.Action == Map {
				s.Columns[c.Field] = c.Header
			}
		}
		// A key column a reshaping makes (a wide chart's Site) is not in
		// the file.
		var key []string
		for _, k := range s.Object.Key {
			if !reshapedInto(f, k) {
				key = append(key, k)
			}
		}
		s.Object.Key = key
	}
	var out []loaders.Spec
	for _, b := range base {
		if s, ok := byObj[b.Object.Name]; ok {
			out = append(out, *s)
			continue
		}
		// Not in the map: its default patterns would pick up the map's
		// files under another name; a file the map names is the map's.
		kept := b
		out = append(out, kept)
	}
	return out
}

// escapePattern makes a path a pattern that matches only itself.
func escapePattern(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return path.Clean(b.String())
}

// ReshapeColumns are the headers of object's files that a reshaping reads.
func (m *SourceMap) ReshapeColumns(object string) []string {
	return m.columnsWith(object, ReshapeAction)
}

// IgnoredColumns are the headers of object's files a person ignored.
func (m *SourceMap) IgnoredColumns(object string) []string {
	return m.columnsWith(object, Ignore)
}

func (m *SourceMap) columnsWith(object, action string) []string {
	var out []string
	for _, f := range m.Files {
		if f.Object != object {
			continue
		}
		for _, c := range f.Columns {
			if c.Action == action {
				out = append(out, c.Header)
			}
		}
	}
	return out
}
