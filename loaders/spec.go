package loaders

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// Spec is one object as the loader sees it: the catalog entry merged with the
// project's configuration.
type Spec struct {
	Object Object
	// Files are patterns relative to the export directory, matched without
	// regard to case.
	Files []string
	// Columns maps a canonical column name to the header the export uses.
	Columns map[string]string
	// Encoding and Delimiter are "auto" or a value ParseEncoding /
	// ParseDelimiter accept.
	Encoding  string
	Delimiter string
	// RecordsPath names the member that holds the records of a wrapped JSON
	// page ({"data": [...]}); empty tries the usual names.
	RecordsPath string
}

var objectNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ValidObjectName reports whether name can be an object (and raw table) name.
func ValidObjectName(name string) bool { return objectNameRE.MatchString(name) }

// DefaultPatterns returns the file patterns an object is found by when the
// configuration names none: the object name with the usual extensions, and
// dash-numbered pages (patient-00001.json).
func DefaultPatterns(object string) []string {
	var out []string
	for _, ext := range []string{"csv", "txt", "tsv", "json", "ndjson", "jsonl"} {
		out = append(out, object+"."+ext, object+"-*."+ext)
	}
	return out
}

// Matches reports whether rel (a slash-separated path relative to the export
// directory) is one of the spec's files.
func (s Spec) Matches(rel string) bool {
	rel = strings.ToLower(rel)
	for _, p := range s.Files {
		if ok, _ := path.Match(strings.ToLower(p), rel); ok {
			return true
		}
	}
	return false
}

// normHeader folds a header for matching: case, spaces and punctuation do
// not matter ("Chart #" = "chart" = "CHART_").
func normHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// HeaderError is a problem with a file's header row.
type HeaderError struct {
	File   string
	Column string
	Msg    string
}

func (e *HeaderError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s:1: column %q: %s", e.File, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:1: %s", e.File, e.Msg)
}

// MapHeader returns the raw-table column name for each source header: the
// canonical name when the header is configured or recognised, otherwise the
// header itself, so nothing is dropped. It fails when a key column is
// missing or two headers land on the same column.
func (s Spec) MapHeader(file string, headers []string) (names []string, warnings []string, err error) {
	exact := map[string]string{} // configured header → canonical
	for canon, src := range s.Columns {
		exact[src] = canon
	}
	byNorm := map[string]string{}
	for _, c := range s.Object.Columns {
		for _, a := range append([]string{c.Name}, c.Aliases...) {
			if _, taken := byNorm[normHeader(a)]; !taken {
				byNorm[normHeader(a)] = c.Name
			}
		}
	}
	for canon, src := range s.Columns {
		byNorm[normHeader(src)] = canon
	}
	names = make([]string, len(headers))
	seen := map[string]int{}
	for i, h := range headers {
		h = strings.TrimSpace(h)
		name := h
		if c, ok := exact[h]; ok {
			name = c
		} else if c, ok := byNorm[normHeader(h)]; ok && normHeader(h) != "" {
			name = c
		}
		if name == "" {
			name = fmt.Sprintf("column%d", i+1)
		}
		if strings.HasPrefix(name, "_") {
			// Provenance columns start with an underscore; keep source
			// columns out of their way.
			name = "src" + name
		}
		low := strings.ToLower(name)
		if j, dup := seen[low]; dup {
			return nil, nil, &HeaderError{File: file, Column: headers[i],
				Msg: fmt.Sprintf("fields %d (%q) and %d (%q) both map to column %q; rename one in axium2crm.yaml objects.%s.columns",
					j+1, headers[j], i+1, headers[i], name, s.Object.Name)}
		}
		seen[low] = i
		names[i] = name
	}
	for _, k := range s.Object.Key {
		if _, ok := seen[strings.ToLower(k)]; !ok {
			hint := k
			if src, ok := s.Columns[k]; ok {
				hint = src
			}
			return nil, nil, &HeaderError{File: file, Column: k,
				Msg: fmt.Sprintf("key column missing (looked for header %q or an alias); map it in axium2crm.yaml objects.%s.columns", hint, s.Object.Name)}
		}
	}
	for canon, src := range s.Columns {
		if _, ok := seen[strings.ToLower(canon)]; !ok {
			warnings = append(warnings, fmt.Sprintf("%s: configured header %q for column %s is not in the file", file, src, canon))
		}
	}
	return names, warnings, nil
}

// Encoding is a text encoding of an export file.
type Encoding string

// Encodings the loader reads.
const (
	EncAuto        Encoding = "auto"
	EncUTF8        Encoding = "utf-8"
	EncUTF16       Encoding = "utf-16"
	EncWindows1252 Encoding = "windows-1252"
	EncLatin1      Encoding = "latin-1"
)

// ParseEncoding accepts the usual spellings of the supported encodings.
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return EncAuto, nil
	case "utf-8", "utf8":
		return EncUTF8, nil
	case "utf-16", "utf16", "ucs-2":
		return EncUTF16, nil
	case "windows-1252", "cp1252", "win1252", "windows1252":
		return EncWindows1252, nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return EncLatin1, nil
	}
	return "", fmt.Errorf("encoding %q is not supported (use auto, utf-8, utf-16, windows-1252 or latin-1)", s)
}

// ParseDelimiter accepts "auto" or a single delimiter (also "tab", "pipe").
func ParseDelimiter(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return "", nil
	case "tab", `\t`, "\t":
		return "\t", nil
	case "pipe", "|":
		return "|", nil
	case ",", ";":
		return s, nil
	}
	return "", fmt.Errorf("delimiter %q is not supported (use auto, \",\", \";\", tab or pipe)", s)
}
