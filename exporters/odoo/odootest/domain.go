package odootest

import (
	"fmt"
	"slices"
	"strings"
)

// search evaluates an Odoo domain (Polish notation with '&', '|', '!'
// and [field, operator, value] leaves) and returns matching ids in id order,
// the first limit of them when limit > 0.
func (st *store) search(m *Model, dv any, limit int) ([]int64, error) {
	var domain []any
	switch d := dv.(type) {
	case nil, bool:
	case []any:
		domain = d
	default:
		return nil, serverError("ValueError: Invalid domain %v", dv)
	}
	for _, t := range domain {
		if l, ok := t.([]any); ok {
			if len(l) != 3 {
				return nil, serverError("ValueError: Invalid leaf %v", l)
			}
			f, _ := l[0].(string)
			if _, ok := m.Fields[strings.Split(f, ".")[0]]; !ok {
				return nil, serverError("ValueError: Invalid field %s.%s in leaf %v", m.Name, f, l)
			}
		}
	}
	d := normalize(domain)
	// A malformed domain or an unknown operator fails whatever records
	// the narrowing below leaves.
	if _, rest, err := st.evalDomain(m, Record{}, d); err != nil {
		return nil, err
	} else if len(rest) != 0 {
		return nil, serverError("ValueError: Invalid domain %v", domain)
	}
	t := st.tables[m.Name]
	fields := []string{"id"}
	for _, x := range d {
		if l, ok := x.([]any); ok {
			f, _ := l[0].(string)
			fields = append(fields, f)
		}
	}
	var out []int64
	for _, id := range st.candidates(t, d) {
		ok, _, err := st.evalDomain(m, t.rowFields(id, fields), d)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// candidates are the ids, ascending, of the records a domain may match:
// for a conjunction with an equality or in leaf, the records its field's
// index (or the ids it names) gives, the fewest of any such leaf, else
// every id; with an id > n leaf, only those from n on. Every candidate is
// still checked against the whole domain. Only the narrowest leaf's ids
// are copied (a leaf such as module = 'axium' on ir.model.data matches
// every external id), and the table's ids in order are read only when no
// leaf narrows (after a delete they are sorted anew on the next read).
func (st *store) candidates(t *table, d []any) []int64 {
	var leaves [][]any
	for _, x := range d {
		switch x {
		case "&":
		case "|", "!":
			return t.ids()
		default:
			if l, ok := x.([]any); ok {
				leaves = append(leaves, l)
			}
		}
	}
	// The narrowest equality or in leaf: its field, values and ids.
	var bestField string
	var bestVals []any
	bestN := -1
	for _, l := range leaves {
		f, _ := l[0].(string)
		op, _ := l[1].(string)
		if op != "=" && op != "==" && op != "in" {
			continue
		}
		vals := []any{l[2]}
		if list, ok := l[2].([]any); ok && op == "in" {
			vals = list
		}
		n := len(vals)
		if f != "id" {
			ix := t.indexOf(f)
			if ix == nil || !indexable(vals) {
				continue
			}
			n = 0
			for _, v := range vals {
				n += len(ix.get(v))
			}
		}
		if bestN < 0 || n < bestN {
			bestField, bestVals, bestN = f, vals, n
		}
	}
	var ids []int64
	if bestN < 0 {
		ids = t.ids()
	} else {
		ids = make([]int64, 0, bestN)
		if bestField == "id" {
			for _, v := range bestVals {
				if id, ok := v.(int64); ok && t.has(id) {
					ids = append(ids, id)
				}
			}
		} else {
			ix := t.indexOf(bestField)
			for _, v := range bestVals {
				ids = append(ids, ix.get(v)...)
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
	}
	// With an id > n leaf too, the ids up to n are not candidates (a
	// keyset page reads from where the last ended, as PostgreSQL's
	// primary key index does).
	for _, l := range leaves {
		op, _ := l[1].(string)
		if after, ok := l[2].(int64); ok && l[0] == "id" && (op == ">" || op == ">=") {
			i, _ := slices.BinarySearch(ids, after)
			ids = ids[i:]
		}
	}
	return ids
}

// indexable says whether every value can be looked up in an index: a
// value Go cannot use as a map key is compared by the domain instead.
func indexable(vals []any) bool {
	for _, v := range vals {
		switch v.(type) {
		case nil, string, bool, int64:
		default:
			return false
		}
	}
	return true
}

// normalize adds the implicit '&' between consecutive terms.
func normalize(d []any) []any {
	if len(d) == 0 {
		return []any{[]any{"id", "!=", false}}
	}
	var out []any
	expected := 1
	for _, t := range d {
		if expected == 0 {
			out = append([]any{"&"}, out...)
			expected = 1
		}
		switch t {
		case "&", "|":
			expected++
		case "!":
		default:
			expected--
		}
		out = append(out, t)
	}
	return out
}

func (st *store) evalDomain(m *Model, r Record, d []any) (bool, []any, error) {
	if len(d) == 0 {
		return false, nil, serverError("ValueError: malformed domain")
	}
	switch d[0] {
	case "!":
		v, rest, err := st.evalDomain(m, r, d[1:])
		return !v, rest, err
	case "&", "|":
		a, rest, err := st.evalDomain(m, r, d[1:])
		if err != nil {
			return false, nil, err
		}
		b, rest, err := st.evalDomain(m, r, rest)
		if err != nil {
			return false, nil, err
		}
		if d[0] == "&" {
			return a && b, rest, nil
		}
		return a || b, rest, nil
	}
	leaf, _ := d[0].([]any)
	ok, err := st.leaf(m, r, leaf)
	return ok, d[1:], err
}

func (st *store) leaf(m *Model, r Record, l []any) (bool, error) {
	field, _ := l[0].(string)
	op, _ := l[1].(string)
	want := l[2]
	var got any = r[field]
	if field == "id" {
		got = r["id"]
	}
	if fl := m.Fields[field]; fl != nil && (fl.Type == "many2one") {
		if got == int64(0) {
			got = false
		}
	}
	switch op {
	case "=", "==":
		return equal(got, want), nil
	case "!=", "<>":
		return !equal(got, want), nil
	case "in", "not in":
		list, ok := want.([]any)
		if !ok {
			list = []any{want}
		}
		in := false
		if many, ok := got.([]int64); ok {
			for _, g := range many {
				for _, w := range list {
					in = in || equal(g, w)
				}
			}
		} else {
			for _, w := range list {
				in = in || equal(got, w)
			}
		}
		return in == (op == "in"), nil
	case "like", "ilike", "not like", "not ilike", "=like", "=ilike":
		gs, _ := got.(string)
		ws := fmt.Sprint(want)
		if strings.HasSuffix(op, "ilike") {
			gs, ws = strings.ToLower(gs), strings.ToLower(ws)
		}
		var hit bool
		if strings.HasPrefix(op, "=") {
			hit = likeMatch(gs, ws)
		} else {
			hit = strings.Contains(gs, ws)
		}
		return hit != strings.HasPrefix(op, "not"), nil
	case ">", ">=", "<", "<=":
		c, ok := compare(got, want)
		if !ok {
			return false, nil
		}
		switch op {
		case ">":
			return c > 0, nil
		case ">=":
			return c >= 0, nil
		case "<":
			return c < 0, nil
		}
		return c <= 0, nil
	}
	return false, serverError("ValueError: Invalid leaf operator %s", pyRepr(op))
}

func equal(a, b any) bool {
	if af, ok := a.(float64); ok {
		if bi, ok := b.(int64); ok {
			return af == float64(bi)
		}
	}
	if many, ok := a.([]int64); ok {
		if b == false {
			return len(many) == 0
		}
		for _, x := range many {
			if x == b {
				return true
			}
		}
		return false
	}
	return a == b
}

func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp3(float64(x), float64(y)), true
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmp3(x, y), true
		case int64:
			return cmp3(x, float64(y)), true
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	}
	return 0, false
}

func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// likeMatch is SQL LIKE with % and _.
func likeMatch(s, p string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if likeMatch(s[i:], p[1:]) {
				return true
			}
		}
		return false
	case '_':
		return s != "" && likeMatch(s[1:], p[1:])
	}
	return s != "" && s[0] == p[0] && likeMatch(s[1:], p[1:])
}
