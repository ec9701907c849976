package sourcemap

import (
	"sort"
	"strings"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// The reshapings are applied in SQL when the staging models read an
// object (the raw table keeps the text as exported): SourceSQL wraps the
// object's raw rows in a query that gives the canonical layout for the
// rows of the files the map reshapes, and leaves other files' rows as
// they are.

// SourceSQL returns the query that reads object's raw rows (from the
// relation raw) reshaped as the map says, and whether the map reshapes
// the object at all. relation gives another object's raw relation (a
// guarantor's, for a patient_reference).
//
// have are the raw table's columns (lower case): a raw table only has the
// columns its files had.
func (m *SourceMap) SourceSQL(object, raw string, have map[string]bool, relation func(object string) string) (string, bool) {
	q, _, ok := m.Reshaped(object, raw, have, relation)
	return q, ok
}

// Reshaped is SourceSQL with the columns the query gives (lower case).
func (m *SourceMap) Reshaped(object, raw string, have map[string]bool, relation func(object string) string) (string, map[string]bool, bool) {
	q := raw
	reshaped := false
	cols := map[string]bool{}
	for c := range have {
		cols[c] = true
	}
	for _, f := range m.Files {
		if f.Object != object || len(f.Reshape) == 0 {
			continue
		}
		for _, r := range f.Reshape {
			next, ok := reshapeSQL(f, r, q, cols, relation)
			if ok {
				q, reshaped = next, true
			}
		}
	}
	return q, cols, reshaped
}

func lit(s string) string { return warehouse.QuoteLiteral(s) }
func id(s string) string  { return warehouse.QuoteIdent(s) }

// reshapeSQL applies one reshaping to the rows of file f in the relation
// from (a table or a parenthesised query).
func reshapeSQL(f File, r Reshape, from string, have map[string]bool, relation func(string) string) (string, bool) {
	mine := `"_source_file" = ` + lit(f.Path)
	colOrNull := func(c string) string {
		if have[strings.ToLower(c)] {
			return "CAST(" + id(c) + " AS VARCHAR)"
		}
		return "NULL::VARCHAR"
	}
	switch r.Kind {
	case PerioWide:
		if len(r.Sites) == 0 {
			return "", false
		}
		// One SELECT per site: the site's columns under the measures'
		// names, every other column repeated (a tooth's mobility).
		bySite := map[string]map[string]string{} // site → measure → header
		var drop []string
		for h, ms := range r.Sites {
			if bySite[ms[1]] == nil {
				bySite[ms[1]] = map[string]string{}
			}
			bySite[ms[1]][ms[0]] = h
			drop = append(drop, h)
		}
		measures := map[string]bool{}
		for _, ms := range r.Sites {
			measures[ms[0]] = true
		}
		var ms []string
		for mname := range measures {
			ms = append(ms, mname)
			drop = append(drop, mname)
		}
		sort.Strings(ms)
		drop = append(drop, r.Into)
		sort.Strings(drop)
		keep := "COLUMNS(c -> c NOT IN (" + joinLit(drop) + "))"
		var parts []string
		for _, site := range orderedSites(bySite) {
			sel := []string{keep, lit(site) + " AS " + id(r.Into)}
			for _, mname := range ms {
				if h, ok := bySite[site][mname]; ok {
					sel = append(sel, "CAST("+id(h)+" AS VARCHAR) AS "+id(mname))
				} else {
					sel = append(sel, "NULL::VARCHAR AS "+id(mname))
				}
			}
			parts = append(parts, "SELECT "+strings.Join(sel, ", ")+" FROM "+from+" WHERE "+mine)
		}
		// The other files' rows are long already.
		others := "SELECT " + keep + ", " + colOrNull(r.Into) + " AS " + id(r.Into)
		for _, mname := range ms {
			others += ", " + colOrNull(mname) + " AS " + id(mname)
		}
		parts = append(parts, others+" FROM "+from+" WHERE NOT ("+mine+")")
		have[strings.ToLower(r.Into)] = true
		for _, mname := range ms {
			have[strings.ToLower(mname)] = true
		}
		return "(" + strings.Join(parts, "\nUNION ALL BY NAME\n") + ")", true
	case DateTime:
		if len(r.Columns) != 2 {
			return "", false
		}
		date, tm := id(r.Into), id(r.Columns[1])
		expr := "CASE WHEN " + mine + " AND nullif(trim(" + tm + "), '') IS NOT NULL AND nullif(trim(" + date + "), '') IS NOT NULL THEN trim(" +
			date + ") || ' ' || trim(" + tm + ") ELSE " + date + " END"
		return "(SELECT * REPLACE (" + expr + " AS " + date + ") FROM " + from + ")", true
	case CodeTable:
		if len(r.Codes) == 0 {
			return "", false
		}
		col := id(r.Into)
		var codes []string
		for c := range r.Codes {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		expr := "CASE WHEN " + mine + " THEN CASE trim(" + col + ")"
		n := 0
		for _, c := range codes {
			if v := r.Codes[c]; v != "" {
				expr += " WHEN " + lit(c) + " THEN " + lit(v)
				n++
			}
		}
		if n == 0 {
			return "", false
		}
		// A code with no value stays as exported: the data tests list it.
		expr += " ELSE " + col + " END ELSE " + col + " END"
		return "(SELECT * REPLACE (" + expr + " AS " + col + ") FROM " + from + ")", true
	case NameSplit:
		if len(r.Columns) != 1 {
			return "", false
		}
		col := r.Columns[0]
		if !have[strings.ToLower(col)] {
			return "", false
		}
		n := "trim(" + id(col) + ")"
		rest := "trim(substr(" + n + ", strpos(" + n + ", ',') + 1))"
		first := "split_part(" + rest + ", ' ', 1)"
		parts := map[string]string{
			"LastName":   "trim(split_part(" + n + ", ',', 1))",
			"FirstName":  first,
			"MiddleName": "trim(substr(" + rest + ", length(" + first + ") + 1))",
		}
		var sel []string
		for _, p := range []string{"LastName", "FirstName", "MiddleName"} {
			keep := "NULL::VARCHAR"
			if have[strings.ToLower(p)] {
				keep = "CAST(" + id(p) + " AS VARCHAR)"
			}
			sel = append(sel, "CASE WHEN "+mine+" AND strpos("+n+", ',') > 0 THEN nullif("+parts[p]+", '') ELSE "+keep+" END AS "+id(p))
			have[strings.ToLower(p)] = true
		}
		return "(SELECT COLUMNS(c -> c NOT IN ('LastName', 'FirstName', 'MiddleName')), " + strings.Join(sel, ", ") + " FROM " + from + ")", true
	case PatientReference:
		if len(r.Columns) != 1 {
			return "", false
		}
		// The loader lands a header that reads as a canonical name under
		// that name ("Guarantor #" as Guarantor).
		gcol := r.Columns[0]
		if !have[strings.ToLower(gcol)] {
			gcol = r.Into
		}
		// Qualified: inside the lookup, a bare name would be the guarantor
		// table's own column of that name.
		g := "p." + id(gcol)
		into := id(r.Into)
		mine := `p."_source_file" = ` + lit(f.Path)
		// A number the guarantor file holds: that guarantor, by its key
		// (a head of household is their own guarantor with a record).
		// Their own number otherwise: their own guarantor, with no
		// guarantor record (the default layout leaves it blank).
		own := "CASE WHEN trim(" + g + `) = trim(p."Patient") THEN NULL ELSE trim(` + g + ") END"
		expr := "CASE WHEN " + mine + " THEN CASE WHEN nullif(trim(" + g + "), '') IS NULL THEN NULL"
		if r.Via != nil && relation != nil {
			expr += " ELSE coalesce((SELECT min(v." + id(r.Via.Key) + ") FROM " + relation(r.Via.Object) + " v WHERE trim(v." + id(r.Via.Match) + ") = trim(" + g + ")), " + own + ")"
		} else {
			expr += " ELSE " + own
		}
		other := "NULL::VARCHAR"
		if have[strings.ToLower(r.Into)] {
			other = "CAST(p." + into + " AS VARCHAR)"
		}
		expr += " END ELSE " + other + " END"
		return "(SELECT COLUMNS(c -> c <> " + lit(r.Into) + "), " + expr + " AS " + into + " FROM " + from + " p)", true
	}
	return "", false
}

func joinLit(l []string) string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = lit(s)
	}
	return strings.Join(out, ", ")
}

// orderedSites are the sites in chart order.
func orderedSites(m map[string]map[string]string) []string {
	order := map[string]int{"DB": 0, "B": 1, "MB": 2, "DL": 3, "L": 4, "ML": 5}
	var out []string
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		oi, iok := order[out[i]]
		oj, jok := order[out[j]]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return out[i] < out[j]
	})
	return out
}
