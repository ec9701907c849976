package sourcemap

import (
	"fmt"
	"sort"
	"strings"

	"github.com/axium2crm/axium2crm/loaders"
)

// Reshape is the fourth action of a column: it is read by one of the
// file's reshapings, not mapped on its own.
const ReshapeAction = "reshape"

// Reshaping kinds.
const (
	PerioWide        = "perio_wide"
	DateTime         = "date_time"
	CodeTable        = "code_table"
	PatientReference = "patient_reference"
	NameSplit        = "name_split"
)

// perio sites as charts name them.
var siteNames = map[string]string{"mb": "MB", "b": "B", "db": "DB", "ml": "ML", "l": "L", "dl": "DL",
	"f": "B", "mf": "MB", "df": "DB", "li": "L", "ling": "L", "buc": "B", "fac": "B"}

// perioMeasures are the perio_measure columns measured per site.
var perioMeasures = []string{"ProbingDepth", "GingivalMargin", "Bleeding", "Suppuration", "Furcation"}

// wideSites finds the headers of a perio chart with one column per site
// ("PD MB", "BOP_DL", "Recession B"): by header index, the measure and the
// site. Fewer than six such headers is not a chart.
func wideSites(headers []string) map[int][2]string {
	out := map[int][2]string{}
	for i, h := range headers {
		raw := strings.FieldsFunc(strings.ToLower(h), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
		site, rest := "", []string{}
		for _, w := range raw {
			if s, ok := siteNames[w]; ok && site == "" {
				site = s
				continue
			}
			rest = append(rest, w)
		}
		if site == "" || len(rest) == 0 {
			continue
		}
		rw := words(strings.Join(rest, " "))
		best, bestScore := "", 0.0
		for _, m := range perioMeasures {
			if sc := similarity(rw, words(m)); sc > bestScore {
				best, bestScore = m, sc
			}
		}
		if bestScore >= 0.66 {
			out[i] = [2]string{best, site}
		}
	}
	if len(out) < 6 {
		return nil
	}
	return out
}

// reshapes proposes the reshapings a file of object o needs, and marks the
// columns they read.
func reshapes(s *sample, o loaders.Object, f *File, profiles []Profile, vocab Vocabulary) []Reshape {
	var out []Reshape
	if o.Name == "perio_measure" {
		if sites := wideSites(s.headers); sites != nil {
			r := Reshape{Kind: PerioWide, Into: "Site", Sites: map[string][2]string{},
				Reason: fmt.Sprintf("%d columns name a measure and a site (e.g. %q): one row per exam and tooth becomes a row per site", len(sites), s.headers[firstKey(sites)])}
			for i := range s.headers {
				if ms, ok := sites[i]; ok {
					r.Columns = append(r.Columns, s.headers[i])
					r.Sites[s.headers[i]] = ms
					c := &f.Columns[i]
					c.Action, c.Field, c.Confidence = ReshapeAction, ms[0], 0.9
					c.Reason = fmt.Sprintf("%s at site %s of a perio chart with one column per site", ms[0], ms[1])
				}
			}
			out = append(out, r)
		}
	}
	// A date column and a time column of the same thing: one timestamp.
	for i, c := range f.Columns {
		if c.Action != Map || !strings.HasSuffix(c.Field, "Date") || profiles[i].Kind != KindDate {
			continue
		}
		dw := words(strings.TrimSuffix(c.Header, "Date"))
		bestJ, bestScore := -1, -1.0
		for j, t := range f.Columns {
			if j == i || profiles[j].Kind != KindTime || t.Action == Map && t.Field != "" && !strings.HasSuffix(t.Field, "Time") {
				continue
			}
			sc := similarity(dw, words(t.Header))
			if sc > bestScore {
				bestJ, bestScore = j, sc
			}
		}
		if bestJ < 0 {
			continue
		}
		t := &f.Columns[bestJ]
		t.Action, t.Field, t.Confidence = ReshapeAction, c.Field, 0.85
		t.Reason = fmt.Sprintf("the time of %s (%s), which is a date alone (%s)", c.Field, profiles[bestJ].String(), profiles[i].String())
		out = append(out, Reshape{Kind: DateTime, Columns: []string{c.Header, t.Header}, Into: c.Field,
			Reason: fmt.Sprintf("%q holds dates without a time and %q times without a date: together they are %s", c.Header, t.Header, c.Field)})
	}
	// One name column "Last, First Middle" where the object has name parts.
	if hasColumn(o, "LastName") && hasColumn(o, "FirstName") && !mapsTo(f, "FirstName") {
		for i := range f.Columns {
			c := &f.Columns[i]
			if c.Action == ReshapeAction || c.Action == Map && c.Field != "LastName" || !contains(words(c.Header), "name") {
				continue
			}
			vals := s.column(i)
			n, comma := 0, 0
			for _, v := range vals {
				if v = strings.TrimSpace(v); v != "" {
					n++
					if strings.Count(v, ",") == 1 {
						comma++
					}
				}
			}
			if n == 0 || float64(comma) < 0.9*float64(n) {
				continue
			}
			c.Action, c.Field, c.Confidence = ReshapeAction, "LastName", 0.85
			c.Reason = fmt.Sprintf("%d of %d sampled values are \"Last, First\": split into the name parts", comma, n)
			out = append(out, Reshape{Kind: NameSplit, Columns: []string{c.Header}, Into: "LastName",
				Reason: fmt.Sprintf("%q holds whole names as \"Last, First Middle\" (%d of %d sampled): LastName, FirstName and MiddleName are split from it", c.Header, comma, n)})
			break
		}
	}
	// Codes in place of a column's canonical values: a code table.
	for i, c := range f.Columns {
		if c.Action != Map {
			continue
		}
		want := vocab[o.Name][c.Field]
		p := profiles[i]
		if p.Distinct == nil {
			continue
		}
		if len(want) == 0 {
			// No list of the values the models take: letters in a status
			// or type column are still codes a person must spell out.
			if looksCoded(c.Field, p) {
				codes := map[string]string{}
				for _, v := range p.Distinct {
					codes[v] = ""
				}
				out = append(out, Reshape{Kind: CodeTable, Columns: []string{c.Header}, Into: c.Field, Codes: codes,
					Reason: fmt.Sprintf("%s holds one- and two-letter codes (%s) where %s is usually spelled out: give each code its value, or remove this reshaping to keep them",
						c.Header, strings.Join(p.Distinct, ", "), c.Field)})
			}
			continue
		}
		known := map[string]bool{}
		for _, w := range want {
			known[strings.ToLower(w)] = true
		}
		var odd []string
		for _, v := range p.Distinct {
			if !known[strings.ToLower(v)] {
				odd = append(odd, v)
			}
		}
		if len(odd) == 0 {
			continue
		}
		codes := map[string]string{}
		for _, v := range p.Distinct {
			codes[v] = guessCode(v, want)
		}
		var unmapped []string
		for _, v := range p.Distinct {
			if codes[v] == "" {
				unmapped = append(unmapped, v)
			}
		}
		reason := fmt.Sprintf("%s holds %s, not %s's values (%s)", c.Header, strings.Join(odd, ", "), c.Field, strings.Join(want, ", "))
		if len(unmapped) > 0 {
			reason += fmt.Sprintf("; no proposal for %s: fill them in", strings.Join(unmapped, ", "))
		}
		out = append(out, Reshape{Kind: CodeTable, Columns: []string{c.Header}, Into: c.Field, Codes: codes, Reason: reason})
	}
	return out
}

// mapsTo: a column of the file maps to field.
func mapsTo(f *File, field string) bool {
	for _, c := range f.Columns {
		if c.Action == Map && c.Field == field {
			return true
		}
	}
	return false
}

// looksCoded: a status- or type-like column whose values are all one or
// two letters.
func looksCoded(field string, p Profile) bool {
	f := strings.ToLower(field)
	if !strings.HasSuffix(f, "status") && !strings.HasSuffix(f, "type") && !strings.HasSuffix(f, "relationship") {
		return false
	}
	for _, v := range p.Distinct {
		if len(v) > 2 || strings.ToUpper(v) != v {
			return false
		}
		for _, r := range v {
			if r < 'A' || r > 'Z' {
				return false
			}
		}
	}
	return len(p.Distinct) > 0
}

func firstKey(m map[int][2]string) int {
	k := -1
	for i := range m {
		if k < 0 || i < k {
			k = i
		}
	}
	return k
}

// guessCode proposes the canonical value a code stands for: the value it
// equals, the only one it abbreviates (its first letters), or "".
func guessCode(code string, want []string) string {
	c := strings.ToLower(strings.TrimSpace(code))
	var hits []string
	for _, w := range want {
		lw := strings.ToLower(w)
		switch {
		case lw == c:
			return w
		case strings.HasPrefix(strings.ReplaceAll(lw, " ", ""), c):
			hits = append(hits, w)
		}
	}
	if len(hits) == 1 {
		return hits[0]
	}
	// Initials: "NS" for "No Show".
	hits = hits[:0]
	for _, w := range want {
		var ini strings.Builder
		for _, p := range strings.Fields(w) {
			ini.WriteByte(p[0])
		}
		if strings.EqualFold(ini.String(), c) {
			hits = append(hits, w)
		}
	}
	if len(hits) == 1 {
		return hits[0]
	}
	return ""
}

// linkReferences finds a patient file's guarantor column holding patient
// numbers: each value is the patient's own number (the patient is their
// own guarantor) or a number another file keys its guarantors by (a
// guarantor file's column holding the guarantor's patient number). The
// reshaping links each to that guarantor's key (patient_reference).
func linkReferences(m *SourceMap, samples map[string]*sample, catalog []loaders.Object) {
	for fi := range m.Files {
		f := &m.Files[fi]
		if f.Object != "patient" {
			continue
		}
		s := samples[f.Path]
		own := -1
		for i, c := range f.Columns {
			if c.Action == Map && c.Field == "Patient" {
				own = i
			}
		}
		if own < 0 {
			continue
		}
		for i := range f.Columns {
			c := &f.Columns[i]
			lh := strings.ToLower(c.Header)
			if c.Field != "Guarantor" && !strings.Contains(lh, "guar") && !strings.Contains(lh, "resp") {
				continue
			}
			if c.Action == Map && c.Field != "Guarantor" {
				continue // GuarantorRelationship and the like
			}
			ownNumbers := map[string]bool{}
			for _, v := range s.column(own) {
				ownNumbers[strings.TrimSpace(v)] = true
			}
			var values []string
			self, n := 0, 0
			for r, row := range s.rows {
				if i >= len(row) || own >= len(row) {
					continue
				}
				v := strings.TrimSpace(row[i])
				if v == "" {
					continue
				}
				n++
				if v == strings.TrimSpace(row[own]) {
					self++
					continue
				}
				_ = r
				values = append(values, v)
			}
			if n == 0 {
				continue
			}
			inPatients := 0
			for _, v := range values {
				if ownNumbers[v] {
					inPatients++
				}
			}
			// The guarantor file's column holding these numbers, if any.
			via := referenceVia(m, samples, values)
			if via == nil && float64(inPatients+self) < 0.95*float64(n) {
				continue
			}
			r := Reshape{Kind: PatientReference, Columns: []string{c.Header}, Into: "Guarantor"}
			reason := fmt.Sprintf("the guarantor is given as a patient number: %d of %d sampled patients are their own guarantor (no guarantor record)", self, n)
			if via != nil {
				r.Via = via
				reason += fmt.Sprintf("; the others are %s's %q, whose %s is the guarantor", via.File, via.Match, via.Key)
			}
			r.Reason = reason
			c.Action, c.Field, c.Confidence = ReshapeAction, "Guarantor", 0.9
			c.Reason = "a patient number standing for the guarantor: see the patient_reference reshaping"
			f.Reshape = append(f.Reshape, r)
			break
		}
	}
	for fi := range m.Files {
		sort.SliceStable(m.Files[fi].Reshape, func(a, b int) bool { return m.Files[fi].Reshape[a].Kind < m.Files[fi].Reshape[b].Kind })
	}
}

// Via says where a reference's numbers are looked up: in the file of
// object Object, the column Match holds them, and Key (a canonical column)
// is what they stand for.
type Via struct {
	File   string `yaml:"file"`
	Object string `yaml:"object"`
	Match  string `yaml:"match"`
	Key    string `yaml:"key"`
}

// referenceVia finds the guarantor file column holding (nearly) all of
// values, with the guarantor's key column.
func referenceVia(m *SourceMap, samples map[string]*sample, values []string) *Via {
	if len(values) == 0 {
		return nil
	}
	for _, f := range m.Files {
		if f.Object != "guarantor" {
			continue
		}
		s := samples[f.Path]
		key := ""
		for _, c := range f.Columns {
			if c.Action == Map && c.Field == "Guarantor" {
				key = c.Field
			}
		}
		if key == "" {
			continue
		}
		for i, c := range f.Columns {
			if c.Action == Map {
				continue
			}
			set := map[string]bool{}
			for _, v := range s.column(i) {
				set[strings.TrimSpace(v)] = true
			}
			hit := 0
			for _, v := range values {
				if set[v] {
					hit++
				}
			}
			if float64(hit) >= 0.95*float64(len(values)) {
				col := &m.Files[indexOfFile(m, f.Path)].Columns[i]
				col.Action, col.Confidence = ReshapeAction, 0.9
				col.Reason = "the patient number the patient file's guarantor column gives for this guarantor"
				return &Via{File: f.Path, Object: f.Object, Match: c.Header, Key: key}
			}
		}
	}
	return nil
}

func indexOfFile(m *SourceMap, p string) int {
	for i, f := range m.Files {
		if f.Path == p {
			return i
		}
	}
	return -1
}

func indexOf(cols []Column, header string) int {
	for i, c := range cols {
		if c.Header == header {
			return i
		}
	}
	return -1
}

func objectOf(catalog []loaders.Object, name string) (loaders.Object, bool) {
	for _, o := range catalog {
		if o.Name == name {
			return o, true
		}
	}
	return loaders.Object{}, false
}
