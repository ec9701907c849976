// Package sourcemap proposes how an export's files and columns map onto
// the loader's catalog (the source map), for a person to review, edit and
// confirm before anything loads: every file → an object, every column →
// a canonical field, carried (a custom field on the destination record),
// or ignored (only a person chooses that), each with a confidence and the
// reason, and the layouts that need reshaping (a perio chart with a
// column per site, a date with its time in another column, guarantors
// given as patient numbers, code letters). The proposal reads the
// headers and a sample of each column's values; it is offline and
// deterministic.
package sourcemap

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/axium2crm/axium2crm/loaders"
)

// Actions a column can have.
const (
	Map    = "map"
	Carry  = "carry"
	Ignore = "ignore"
)

// Map is a source map: what each file of an export is and how its columns
// land.
type SourceMap struct {
	Version int    `yaml:"version"`
	Files   []File `yaml:"files"`
}

// File is one file of the export.
type File struct {
	// Path is relative to the export directory, with forward slashes.
	Path string `yaml:"path"`
	// Object is the catalog object the file holds; empty when none fits
	// (the file is not loaded).
	Object     string    `yaml:"object"`
	Confidence float64   `yaml:"confidence"`
	Reason     string    `yaml:"reason"`
	Encoding   string    `yaml:"encoding"`
	Delimiter  string    `yaml:"delimiter"`
	Rows       int       `yaml:"sampled_rows"`
	Columns    []Column  `yaml:"columns"`
	Reshape    []Reshape `yaml:"reshape,omitempty"`
}

// Column is one column of a file.
type Column struct {
	Header string `yaml:"header"`
	// Action is map, carry or ignore.
	Action string `yaml:"action"`
	// Field is the canonical column (map).
	Field      string  `yaml:"field,omitempty"`
	Confidence float64 `yaml:"confidence"`
	Reason     string  `yaml:"reason"`
	// Profile is what the sampled values look like.
	Profile string `yaml:"profile,omitempty"`
}

// Reshape is a layout the staging step turns into the canonical one.
type Reshape struct {
	// Kind: perio_wide (one column per site → a row per site), date_time
	// (a date and a time column → one timestamp), code_table (codes →
	// canonical values), patient_reference (a patient number in place of
	// another object's key).
	Kind string `yaml:"kind"`
	// Columns are the headers it reads.
	Columns []string `yaml:"columns"`
	// Into is the canonical column it fills.
	Into string `yaml:"into,omitempty"`
	// Sites maps a header to its (measure, site) for perio_wide.
	Sites map[string][2]string `yaml:"sites,omitempty"`
	// Codes maps each code seen to a canonical value (code_table); a code
	// with no proposal maps to "" for a person to fill in.
	Codes map[string]string `yaml:"codes,omitempty"`
	// Via is where a patient_reference looks its numbers up (none: they
	// are all the patients' own numbers).
	Via    *Via   `yaml:"via,omitempty"`
	Reason string `yaml:"reason"`
}

// sampleRows is how many records of each file are profiled.
const sampleRows = 2000

// maxSampleBytes bounds what is read of a file to profile it.
const maxSampleBytes = 8 << 20

// Vocabulary lists, by object and canonical column, the values the models
// accept (a patient's Status: Active, Inactive, ...): a column holding
// other values (letters) gets a code table proposed.
type Vocabulary map[string]map[string][]string

// Options configure a proposal.
type Options struct {
	// Catalog is the loader's objects (loaders.Catalog() and the project's
	// own objects).
	Catalog    []loaders.Object
	Vocabulary Vocabulary
}

// Propose reads every delimited file under dir and proposes its map.
func Propose(dir string, opt Options) (*SourceMap, error) {
	catalog := opt.Catalog
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".csv", ".txt", ".tsv", ".json", ".ndjson", ".jsonl":
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read export %s: %w", dir, err)
	}
	sort.Strings(paths)
	m := &SourceMap{Version: 1}
	samples := map[string]*sample{}
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		read := readSample
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".ndjson", ".jsonl":
			read = readJSONSample
		}
		s, err := read(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		s.rel = filepath.ToSlash(rel)
		samples[s.rel] = s
		m.Files = append(m.Files, proposeFile(s, catalog, opt.Vocabulary))
	}
	linkReferences(m, samples, catalog)
	return m, nil
}

// sample is a file's header and the first records.
type sample struct {
	rel       string
	encoding  string
	delimiter string
	headers   []string
	rows      [][]string
}

func (s *sample) column(i int) []string {
	out := make([]string, 0, len(s.rows))
	for _, r := range s.rows {
		if i < len(r) {
			out = append(out, r[i])
		}
	}
	return out
}

// readSample reads the head of a file: its encoding (UTF-8 when valid, or
// when it has a byte-order mark; Windows-1252 otherwise), its delimiter
// (the most frequent of , ; tab | in the header line) and up to
// sampleRows records.
func readSample(p string) (*sample, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSampleBytes))
	if err != nil {
		return nil, err
	}
	s := &sample{encoding: "utf-8"}
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return nil, errors.New("UTF-16 files are proposed by name only: set the encoding and columns by hand")
	case !utf8.Valid(trimPartialRune(b)):
		s.encoding = "windows-1252"
		if b, err = charmap.Windows1252.NewDecoder().Bytes(b); err != nil {
			return nil, err
		}
	case isASCII(b) && len(b) == maxSampleBytes:
		// Plain ASCII as far as the sample goes: the loader decides from
		// the whole file.
		s.encoding = "auto"
	}
	if len(b) == maxSampleBytes {
		// Drop the last, probably cut, line.
		if i := bytes.LastIndexByte(b, '\n'); i > 0 {
			b = b[:i+1]
		}
	}
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	s.delimiter = delimiterOf(line)
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = rune(s.delimiter[0])
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	s.headers, err = r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty (no header row)")
	}
	if err != nil {
		return nil, err
	}
	for len(s.rows) < sampleRows {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			continue // a broken record: the loader rejects it; the sample skips it
		}
		s.rows = append(s.rows, rec)
	}
	return s, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// trimPartialRune drops a multi-byte sequence cut at the end of a sample.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

func delimiterOf(line []byte) string {
	best, bestN := byte(','), 0
	for _, c := range []byte{',', ';', '\t', '|'} {
		n, in := 0, false
		for _, x := range line {
			switch {
			case x == '"':
				in = !in
			case !in && x == c:
				n++
			}
		}
		if n > bestN {
			best, bestN = c, n
		}
	}
	return string(best)
}

// match is a header's best canonical column.
type match struct {
	field  string
	score  float64
	reason string
}

// matchHeader scores a header against each column of an object: the
// candidates, best first, one per column.
func matchHeader(h string, o loaders.Object) []match {
	hw := words(h)
	hn := norm(h)
	var out []match
	for _, c := range o.Columns {
		best := match{}
		consider := func(m match) {
			if m.score > best.score {
				best = m
			}
		}
		cw := words(c.Name)
		if hn == norm(c.Name) {
			// "Claim #" is the claim's number when the object has one,
			// not its key Claim: a number word the name lacks counts.
			sc := 1.0
			if contains(hw, "number") && !contains(cw, "number") && hasNumberColumn(o, c.Name) {
				sc = 0.8
			}
			consider(match{c.Name, sc, fmt.Sprintf("header %q is the canonical name %s", h, c.Name)})
		}
		for _, a := range c.Aliases {
			if hn == norm(a) {
				consider(match{c.Name, 0.97, fmt.Sprintf("header %q is a known spelling of %s (%q)", h, c.Name, a)})
			}
		}
		spellings := append([]string{c.Name}, c.Aliases...)
		for _, syn := range synonyms[c.Name] {
			if syn == "Description" && hasColumn(o, "Description") {
				continue // the object has its own description
			}
			spellings = append(spellings, syn)
		}
		// The object's own name in a header says nothing ("Claim Status"
		// in the claim file is its Status).
		own := words(o.Name)
		for _, n := range spellings {
			nw := words(n)
			for _, cand := range [][]string{hw, without(hw, own)} {
				if sc := similarity(cand, nw); sc >= 0.6 {
					if cand[0] != hw[0] || len(cand) != len(hw) {
						sc *= 0.95
					}
					consider(match{c.Name, 0.9 * sc, fmt.Sprintf("header %q reads as %s (words %s ~ %s)", h, c.Name,
						strings.Join(cand, " "), strings.Join(nw, " "))})
				}
			}
		}
		// The object's own name stands for its key ("Patient #" in the
		// patient file is the Patient key).
		if len(o.Key) == 1 && c.Name == o.Key[0] {
			ow := words(o.Name)
			sc := max(similarity(hw, append(ow, "number")), similarity(hw, ow))
			if sc >= 0.66 {
				consider(match{c.Name, 0.85 * sc, fmt.Sprintf("header %q names the %s itself: its key %s", h, o.Name, c.Name)})
			}
		}
		if best.field != "" {
			out = append(out, best)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

func contains(l []string, w string) bool {
	for _, x := range l {
		if x == w {
			return true
		}
	}
	return false
}

// without drops the words of drop from l (nil when nothing is left).
func without(l, drop []string) []string {
	var out []string
	for _, w := range l {
		if !contains(drop, w) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return l
	}
	return out
}

func hasColumn(o loaders.Object, name string) bool {
	for _, c := range o.Columns {
		if c.Name == name {
			return true
		}
	}
	return false
}

// hasNumberColumn: the object has a column other than name whose words
// include "number" (Claim and ClaimNumber).
func hasNumberColumn(o loaders.Object, name string) bool {
	for _, c := range o.Columns {
		if c.Name != name && contains(words(c.Name), "number") {
			return true
		}
	}
	return false
}

// fits says whether a profile agrees with a canonical column, by the
// column's name: a date column holds dates, a phone column phones...
func fits(field string, p Profile) (ok bool, known bool) {
	f := strings.ToLower(field)
	switch {
	case p.Kind == KindEmpty:
		return true, false
	case strings.HasSuffix(f, "date"):
		return p.Kind == KindDate || p.Kind == KindDateTime, true
	case strings.Contains(f, "phone"):
		return p.Kind == KindPhone || p.Kind == KindText, true
	case f == "email":
		return p.Kind == KindEmail, true
	case f == "zip":
		return p.Kind == KindZip || p.Kind == KindInteger, true
	case f == "tooth":
		return p.Kind == KindTooth || p.Kind == KindInteger || p.Kind == KindCode, true
	case f == "site":
		return p.Kind == KindSite || p.Kind == KindCode, true
	}
	return true, false
}

// proposeFile picks the object whose columns the headers match best
// (helped by the file's name), then maps each column.
func proposeFile(s *sample, catalog []loaders.Object, vocab Vocabulary) File {
	f := File{Path: s.rel, Encoding: s.encoding, Delimiter: delimiterName(s.delimiter), Rows: len(s.rows)}
	profiles := make([]Profile, len(s.headers))
	for i := range s.headers {
		profiles[i] = profileOf(s.column(i))
	}
	type scored struct {
		o       loaders.Object
		score   float64
		matched []match
		reason  string
	}
	var best *scored
	base := strings.TrimSuffix(filepath.Base(s.rel), filepath.Ext(s.rel))
	sites := wideSites(s.headers)
	for _, o := range catalog {
		sc := &scored{o: o, matched: make([]match, len(s.headers))}
		hits, keys := 0.0, 0
		// Every (header, column) candidate, best first, assigned greedily:
		// each header and each column at most once.
		type pair struct {
			i int
			m match
		}
		var pairs []pair
		for i, h := range s.headers {
			if _, ok := sites[i]; ok && o.Name == "perio_measure" {
				// A chart's site column: the reshaping reads it.
				hits += 0.9
				continue
			}
			for _, m := range matchHeader(h, o) {
				if ok, _ := fits(m.field, profiles[i]); !ok {
					m.score *= 0.5
				}
				pairs = append(pairs, pair{i, m})
			}
		}
		sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].m.score > pairs[b].m.score })
		used := map[string]bool{}
		for _, p := range pairs {
			if used[p.m.field] || sc.matched[p.i].field != "" {
				continue
			}
			used[p.m.field] = true
			sc.matched[p.i] = p.m
			hits += p.m.score
			for _, k := range o.Key {
				if k == p.m.field {
					keys++
				}
			}
		}
		if sites != nil && o.Name == "perio_measure" {
			for _, k := range o.Key {
				if k == "Site" {
					keys++ // the chart's columns are the sites
				}
			}
		}
		// Most of the headers should be the object's, and its key must be
		// there.
		sc.score = hits / float64(max(len(s.headers), 1))
		if keys < len(o.Key) {
			sc.score *= 0.5
		}
		if nameScore := similarity(words(base), words(o.Name)); nameScore > 0 {
			sc.score += 0.15 * nameScore
			sc.reason = fmt.Sprintf("; the file name %q reads as %s", filepath.Base(s.rel), o.Name)
		}
		if best == nil || sc.score > best.score+1e-9 {
			best = sc
		}
	}
	if best == nil || best.score < 0.2 {
		f.Reason = "no object's columns match the headers: set object by hand, or leave it empty to skip the file"
		for i, h := range s.headers {
			f.Columns = append(f.Columns, Column{Header: h, Action: Carry, Reason: "the file is not mapped", Profile: profiles[i].String()})
		}
		return f
	}
	f.Object, f.Confidence = best.o.Name, round(min(best.score, 1))
	n := 0
	for _, m := range best.matched {
		if m.field != "" {
			n++
		}
	}
	f.Reason = fmt.Sprintf("%d of %d headers match %s's columns%s", n, len(s.headers), best.o.Name, best.reason)
	for i, h := range s.headers {
		m := best.matched[i]
		c := Column{Header: h, Profile: profiles[i].String()}
		switch {
		case m.field != "":
			c.Action, c.Field, c.Confidence, c.Reason = Map, m.field, round(m.score), m.reason
			if ok, known := fits(m.field, profiles[i]); known && ok {
				c.Confidence = round(min(1, c.Confidence+0.05))
				c.Reason += "; the values agree (" + profiles[i].String() + ")"
			} else if !ok {
				c.Reason += "; but the values look like " + profiles[i].String() + ": check it"
			}
		default:
			c.Action, c.Confidence = Carry, 0.5
			c.Reason = fmt.Sprintf("no %s column matches %q: carried as a custom field (%s)", best.o.Name, h, profiles[i].String())
		}
		f.Columns = append(f.Columns, c)
	}
	f.Reshape = append(f.Reshape, reshapes(s, best.o, &f, profiles, vocab)...)
	return f
}

func delimiterName(d string) string {
	switch d {
	case "\t":
		return "tab"
	}
	return d
}

func round(x float64) float64 { return float64(int(x*100+0.5)) / 100 }
