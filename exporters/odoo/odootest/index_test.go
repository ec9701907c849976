package odootest

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchByIndexMatchesScan: a search narrowed by a field's index (or
// by the ids a domain names, or by an id > n leaf) finds exactly what
// reading every record finds, in the same order, through creates,
// writes that move a record from one value to another, unlinks and a
// call rolled back; a limit keeps the first matches.
func TestSearchByIndexMatchesScan(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) { searchByIndexMatchesScan(t, compact) })
	}
}

func searchByIndexMatchesScan(t *testing.T, compact bool) {
	st := newStore(nil, compact, nil)
	m := st.models["res.partner"]
	call := partnerCall(t, st)
	parent := call("create", map[string]any{"name": "Clinic"}).(int64)
	var vals []any
	for i := range 300 {
		v := map[string]any{"name": fmt.Sprintf("p%d", i%7), "ref": fmt.Sprintf("r%d", i)}
		if i%3 == 0 {
			v["parent_id"] = parent
		}
		vals = append(vals, v)
	}
	ids := call("create", vals).([]any)
	domains := [][]any{
		{[]any{"name", "=", "p3"}},
		{[]any{"name", "in", []any{"p1", "p2", "nobody"}}},
		{[]any{"ref", "=", "r10"}, []any{"name", "=", "p3"}},
		{[]any{"parent_id", "=", false}},
		{[]any{"parent_id", "=", parent}, []any{"name", "!=", "p0"}},
		{[]any{"id", "in", []any{ids[5], ids[7], int64(999999)}}},
		{[]any{"id", ">", ids[150]}, []any{"name", "=", "p4"}},
		{[]any{"id", ">", ids[250]}},
		{"|", []any{"name", "=", "p1"}, []any{"ref", "=", "r2"}},
		{[]any{"name", "in", []any{}}},
		{[]any{"name", "ilike", "P6"}},
	}
	scan := func(d []any) []int64 {
		var out []int64
		for _, id := range st.ids(m.Name) {
			ok, _, err := st.evalDomain(m, st.tables[m.Name].row(id), normalize(d))
			require.NoError(t, err)
			if ok {
				out = append(out, id)
			}
		}
		return out
	}
	check := func(when string) {
		t.Helper()
		for _, d := range domains {
			got, err := st.search(m, d, 0)
			require.NoError(t, err)
			want := scan(d)
			assert.Equal(t, want, got, "%s: %v", when, d)
			first, err := st.search(m, d, 3)
			require.NoError(t, err)
			assert.Equal(t, want[:min(3, len(want))], first, "%s, limit 3: %v", when, d)
		}
	}
	check("after the creates")
	require.Contains(t, st.tables[m.Name].index, "name", "the name leaves went by the index")
	require.Contains(t, st.tables[m.Name].index, "parent_id")

	call("write", []any{ids[3], ids[10], ids[17]}, map[string]any{"name": "p4", "parent_id": false})
	call("write", []any{ids[1]}, map[string]any{"parent_id": parent})
	call("unlink", []any{ids[4], ids[11], ids[251]})
	check("after writes and unlinks")

	st.begin()
	_, err := st.execute("res.partner", "write", []any{[]any{ids[20]}, map[string]any{"name": "p5"}}, map[string]any{})
	require.NoError(t, err)
	_, err = st.execute("res.partner", "create", []any{map[string]any{"name": "p3"}}, map[string]any{})
	require.NoError(t, err)
	_, err = st.execute("res.partner", "unlink", []any{[]any{ids[30]}}, map[string]any{})
	require.NoError(t, err)
	st.rollback()
	check("after a rolled-back call")
	got, err := st.search(m, []any{[]any{"name", "=", "p5"}}, 0)
	require.NoError(t, err)
	assert.NotContains(t, got, ids[20], "the rolled-back write left the index")
}

// TestASearchNarrowedByAnIndexReadsOnlyItsCandidates: on a table whose
// ids must be sorted again (a record was deleted), a search that an
// index narrows to one record neither sorts the table's ids nor copies
// the ids of a leaf that matches every record: the cost of a search
// during a push follows what it finds, not the table's size (at
// millions of external ids each look-up copied them all).
func TestASearchNarrowedByAnIndexReadsOnlyItsCandidates(t *testing.T) {
	st := newStore(nil, false, nil)
	m := st.models["res.partner"]
	call := partnerCall(t, st)
	const n = 20000
	vals := make([]any, n)
	for i := range vals {
		vals[i] = map[string]any{"name": "same", "ref": fmt.Sprintf("r%d", i)}
	}
	ids := call("create", vals).([]any)
	domain := []any{[]any{"name", "=", "same"}, []any{"ref", "=", "r5"}}
	_, err := st.search(m, domain, 0) // builds both indexes
	require.NoError(t, err)
	call("create", map[string]any{"name": "same", "ref": "last"})
	call("unlink", []any{ids[9]})
	tab := st.tables[m.Name]
	stale := func() bool { return tab.unsorted || len(tab.sorted) != tab.len() }
	require.True(t, stale(), "an unlink leaves the table's sorted ids to be rebuilt")

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := st.search(m, domain, 0)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, []int64{ids[5].(int64)}, got)
	assert.True(t, stale(), "the search sorted every id of the table")
	copied := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, copied, uint64(n*8/4), "bytes allocated by one search narrowed to one record (a copy of the name leaf's ids is %d)", n*8)

	// Without a leaf an index narrows, every id is a candidate.
	got, err = st.search(m, []any{"|", []any{"ref", "=", "r7"}, []any{"ref", "=", "last"}}, 0)
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.False(t, stale(), "a disjunction reads the table's ids in order")
}

// storeCall runs one method of a model in a transaction of its own.
func storeCall(t *testing.T, st *store) func(model, method string, args ...any) any {
	return func(model, method string, args ...any) any {
		t.Helper()
		st.begin()
		v, err := st.execute(model, method, args, map[string]any{})
		require.NoError(t, err, "%s %s", model, method)
		st.commit()
		return v
	}
}

// partnerCall runs one res.partner method in a transaction of its own.
func partnerCall(t *testing.T, st *store) func(method string, args ...any) any {
	call := storeCall(t, st)
	return func(method string, args ...any) any {
		t.Helper()
		return call("res.partner", method, args...)
	}
}
