// Command gen writes the standard objects of one Twenty version, as the
// twentytest server serves them, to a testdata file.
//
// Run it from the repository root with the unpacked twenty-sdk package of
// the version to follow (the package is not committed):
//
//	npm pack twenty-sdk@2.43.0 && tar xzf twenty-sdk-2.43.0.tgz
//	go run ./exporters/twenty/twentytest/gen -sdk package \
//	    -out exporters/twenty/twentytest/testdata/standard-2.43.json
//
// What comes from where:
//   - which fields each object has, and their universal identifiers: the
//     SDK's standard object list (STANDARD_OBJECT in dist/define/index.mjs,
//     the field map each object spreads its base fields into);
//   - each field's type, label, options, nullability, uniqueness and
//     relation: the facts table below, read from Twenty's server source
//     (packages/twenty-server/src/engine/workspace-manager/
//     twenty-standard-application/utils/field-metadata/
//     compute-<object>-standard-flat-field-metadata.util.ts), because the
//     SDK ships names only.
//
// A field the SDK lists and the table does not describe stops the run (a
// newer version added it: describe it here); a field the table describes
// and the SDK no longer lists is dropped (the version removed it, as 2.x
// removed person.city). Relations to objects the server does not model
// (opportunity, dashboard, workflow, timeline activities, ...) are left
// out and named under "omitted".
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// objects the server models: the ones the exporter touches and what they
// relate to.
var objects = []struct{ singular, plural, labelS, labelP string }{
	{"workspaceMember", "workspaceMembers", "Workspace Member", "Workspace Members"},
	{"company", "companies", "Company", "Companies"},
	{"person", "people", "Person", "People"},
	{"task", "tasks", "Task", "Tasks"},
	{"note", "notes", "Note", "Notes"},
	{"taskTarget", "taskTargets", "Task Target", "Task Targets"},
	{"noteTarget", "noteTargets", "Note Target", "Note Targets"},
	{"attachment", "attachments", "Attachment", "Attachments"},
}

type option struct {
	Value    string `json:"value"`
	Label    string `json:"label"`
	Position int    `json:"position"`
	Color    string `json:"color,omitempty"`
}

type relation struct {
	Type        string `json:"type"`        // MANY_TO_ONE or ONE_TO_MANY
	Target      string `json:"target"`      // target object (singular)
	TargetField string `json:"targetField"` // the field on the target
}

type field struct {
	Name                string    `json:"name"`
	UniversalIdentifier string    `json:"universalIdentifier,omitempty"`
	Type                string    `json:"type"`
	Label               string    `json:"label"`
	IsNullable          bool      `json:"isNullable"`
	IsSystem            bool      `json:"isSystem,omitempty"`
	IsUnique            bool      `json:"isUnique,omitempty"`
	UniqueSubField      string    `json:"uniqueSubField,omitempty"`
	Options             []option  `json:"options,omitempty"`
	Relation            *relation `json:"relation,omitempty"`
}

type object struct {
	NameSingular        string  `json:"nameSingular"`
	NamePlural          string  `json:"namePlural"`
	LabelSingular       string  `json:"labelSingular"`
	LabelPlural         string  `json:"labelPlural"`
	UniversalIdentifier string  `json:"universalIdentifier"`
	Fields              []field `json:"fields"`
}

type output struct {
	Version string              `json:"version"`
	Source  string              `json:"source"`
	Objects []object            `json:"objects"`
	Omitted map[string][]string `json:"omitted"`
}

func main() {
	sdk := flag.String("sdk", "", "unpacked twenty-sdk package directory (holds package.json and dist/)")
	out := flag.String("out", "", "file to write")
	flag.Parse()
	if *sdk == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gen -sdk <twenty-sdk package dir> -out <file>")
		os.Exit(2)
	}
	if err := run(*sdk, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(sdk, out string) error {
	var pkg struct{ Name, Version string }
	b, err := os.ReadFile(filepath.Join(sdk, "package.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return fmt.Errorf("package.json: %w", err)
	}
	if pkg.Name != "twenty-sdk" {
		return fmt.Errorf("%s is %q, not twenty-sdk", sdk, pkg.Name)
	}
	src := filepath.Join(sdk, "dist", "define", "index.mjs")
	objUIDs, fieldMaps, err := parseStandardObjects(src)
	if err != nil {
		return err
	}
	res := output{Version: pkg.Version,
		Source:  "twenty-sdk@" + pkg.Version + " dist/define/index.mjs (fields and universal identifiers); types, labels, options and relations from Twenty's compute-<object>-standard-flat-field-metadata.util.ts (see gen/main.go)",
		Omitted: map[string][]string{}}
	modeled := map[string]bool{}
	for _, o := range objects {
		modeled[o.singular] = true
	}
	for _, o := range objects {
		names, ok := fieldMaps[o.singular]
		if !ok {
			return fmt.Errorf("%s: no field map for %s", src, o.singular)
		}
		obj := object{NameSingular: o.singular, NamePlural: o.plural, LabelSingular: o.labelS,
			LabelPlural: o.labelP, UniversalIdentifier: objUIDs[o.singular]}
		for _, n := range names {
			f, ok := lookup(o.singular, n.name)
			if !ok {
				return fmt.Errorf("twenty-sdk@%s lists %s.%s, which the facts table does not describe: add it to gen/main.go", pkg.Version, o.singular, n.name)
			}
			if f.Relation != nil && !modeled[f.Relation.Target] {
				res.Omitted[o.singular] = append(res.Omitted[o.singular], n.name)
				continue
			}
			f.Name, f.UniversalIdentifier = n.name, n.uid
			obj.Fields = append(obj.Fields, f)
		}
		res.Objects = append(res.Objects, obj)
	}
	// Both sides of every relation must be there.
	byName := map[string]*object{}
	for i := range res.Objects {
		byName[res.Objects[i].NameSingular] = &res.Objects[i]
	}
	for _, o := range res.Objects {
		for _, f := range o.Fields {
			if f.Relation == nil {
				continue
			}
			t := byName[f.Relation.Target]
			found := false
			for _, tf := range t.Fields {
				found = found || (tf.Name == f.Relation.TargetField && tf.Relation != nil && tf.Relation.Target == o.NameSingular)
			}
			if !found {
				return fmt.Errorf("%s.%s: reverse field %s.%s missing", o.NameSingular, f.Name, t.NameSingular, f.Relation.TargetField)
			}
		}
	}
	for k := range res.Omitted {
		sort.Strings(res.Omitted[k])
	}
	b, err = json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

type sdkField struct{ name, uid string }

var (
	uidMapLine   = regexp.MustCompile(`^\t([A-Za-z0-9]+): "([0-9a-f-]{36})",?$`)
	objOpenLine  = regexp.MustCompile(`^\t([A-Za-z0-9]+): \{$`)
	spreadLine   = regexp.MustCompile(`^\t\t\.\.\.([A-Za-z0-9_$]+)\(([A-Za-z0-9_$]+)\.([A-Za-z0-9]+)\),?$`)
	fieldLine    = regexp.MustCompile(`^\t\t([A-Za-z0-9]+): \{ universalIdentifier: (?:"([0-9a-f-]{36})"|)`)
	baseListDef  = regexp.MustCompile(`^\}, ([A-Za-z0-9_$]+) = \[$`)
	fullBaseDef  = regexp.MustCompile(`^\], ([A-Za-z0-9_$]+) = \(e\) => Object\.fromEntries\(([A-Za-z0-9_$]+)\.map`)
	partBaseDef  = regexp.MustCompile(`([A-Za-z0-9_$]+) = \(e\) => \{$`)
	destructured = regexp.MustCompile(`^\tlet \{ (.*) \} = ([A-Za-z0-9_$]+)\(e\);$`)
)

// parseStandardObjects reads the SDK's bundled standard object list: each
// object's universal identifier, and the names (in order) of its fields,
// the base fields its spread adds first.
func parseStandardObjects(path string) (map[string]string, map[string][]sdkField, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	// The base field helpers: one spreads every name of a list, another
	// destructures some of the first one's.
	bases := map[string][]string{}
	var listName string
	var list []string
	for i, l := range lines {
		if m := baseListDef.FindStringSubmatch(l); m != nil && i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == `"id",` {
			listName, list = m[1], nil
			for _, x := range lines[i+1:] {
				x = strings.TrimSpace(x)
				if !strings.HasPrefix(x, `"`) {
					break
				}
				list = append(list, strings.Trim(x, `",`))
			}
		}
		if m := fullBaseDef.FindStringSubmatch(l); m != nil && m[2] == listName {
			bases[m[1]] = list
		}
	}
	for i, l := range lines {
		if m := partBaseDef.FindStringSubmatch(l); m != nil && i+1 < len(lines) {
			if d := destructured.FindStringSubmatch(lines[i+1]); d != nil && bases[d[2]] != nil {
				var names []string
				for _, kv := range strings.Split(d[1], ",") {
					k, _, _ := strings.Cut(strings.TrimSpace(kv), ":")
					names = append(names, k)
				}
				bases[m[1]] = names
			}
		}
	}
	if len(bases) == 0 {
		return nil, nil, fmt.Errorf("%s: base field list not found", path)
	}
	uids := map[string]string{}
	fields := map[string][]sdkField{}
	for i := 0; i < len(lines); i++ {
		if m := uidMapLine.FindStringSubmatch(lines[i]); m != nil {
			if _, seen := uids[m[1]]; !seen {
				uids[m[1]] = m[2]
			}
			continue
		}
		m := objOpenLine.FindStringSubmatch(lines[i])
		if m == nil || i+1 >= len(lines) {
			continue
		}
		sp := spreadLine.FindStringSubmatch(lines[i+1])
		if sp == nil || sp[3] != m[1] || bases[sp[1]] == nil {
			continue
		}
		if _, seen := fields[m[1]]; seen {
			continue
		}
		var fs []sdkField
		for _, b := range bases[sp[1]] {
			fs = append(fs, sdkField{name: b})
		}
		for j := i + 2; j < len(lines) && lines[j] != "\t}" && lines[j] != "\t},"; j++ {
			if fm := fieldLine.FindStringSubmatch(lines[j]); fm != nil {
				fs = append(fs, sdkField{name: fm[1], uid: fm[2]})
			}
		}
		fields[m[1]] = fs
	}
	return uids, fields, nil
}
