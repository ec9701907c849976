package odootest

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestExternalIDsWhoseHashesCollideStayApart: with every name hashed to
// one value, each external id still names its own record, through sets,
// deletes and sets again.
func TestExternalIDsWhoseHashesCollideStayApart(t *testing.T) {
	x := newXIDMap()
	x.hash = func(string) uint64 { return 7 }
	x.set("axium.a", 1)
	x.set("axium.b", 2)
	x.set("axium.c", 3)
	for k, want := range map[string]int64{"axium.a": 1, "axium.b": 2, "axium.c": 3} {
		got, ok := x.get(k)
		require.True(t, ok, k)
		require.Equal(t, want, got, k)
	}
	_, ok := x.get("axium.d")
	require.False(t, ok)
	x.del("axium.a")
	_, ok = x.get("axium.a")
	require.False(t, ok, "deleted")
	got, _ := x.get("axium.b")
	require.Equal(t, int64(2), got, "a neighbour's delete leaves it")
	x.set("axium.b", 20)
	x.set("axium.a", 10)
	got, _ = x.get("axium.a")
	require.Equal(t, int64(10), got)
	got, _ = x.get("axium.b")
	require.Equal(t, int64(20), got)
	x.del("axium.b")
	x.del("axium.c")
	_, ok = x.get("axium.c")
	require.False(t, ok)
	got, _ = x.get("axium.a")
	require.Equal(t, int64(10), got)
}

// TestAFieldIndexGivesEveryIDOfAValue: ids added and dropped under int,
// string and other keys come back as added; strings whose hashes collide
// share a key (a search re-checks its candidates) and lose nothing.
func TestAFieldIndexGivesEveryIDOfAValue(t *testing.T) {
	ix := newFieldIndex()
	ix.add(int64(5), 1)
	ix.add(int64(5), 2)
	ix.add(int64(6), 3)
	ix.add(false, 4)
	ix.add(nil, 5)
	require.ElementsMatch(t, []int64{1, 2}, ix.get(int64(5)))
	require.Equal(t, []int64{3}, ix.get(int64(6)))
	require.Equal(t, []int64{4}, ix.get(false))
	require.Equal(t, []int64{5}, ix.get(nil))
	require.Empty(t, ix.get(int64(7)))
	ix.drop(int64(5), 1)
	require.Equal(t, []int64{2}, ix.get(int64(5)))
	ix.drop(int64(5), 2)
	require.Empty(t, ix.get(int64(5)))
	ix.drop(int64(6), 99) // not there: nothing changes
	require.Equal(t, []int64{3}, ix.get(int64(6)))

	ix.hash = func(string) uint64 { return 7 }
	ix.add("a", 10)
	ix.add("b", 11)
	require.ElementsMatch(t, []int64{10, 11}, ix.get("a"), "a collision reads more, never less")
	ix.drop("b", 11)
	require.Equal(t, []int64{10}, ix.get("a"))
	require.Equal(t, []int64{10}, ix.get("b"), "the candidates of b; the search's check drops them")
}

// BenchmarkIndexGC holds the external ids and a string index of N
// records (AXIUM2CRM_BENCH_ROWS, default 2,000,000) as the store used to
// (map[string]int64, map[any][]int64) and as it does now (xidMap,
// fieldIndex), and times a full garbage collection with each live: what
// the collector pays on every cycle for a store of that size.
//
//	AXIUM2CRM_BENCH_ROWS=10000000 go test -run '^$' -bench BenchmarkIndexGC -benchtime 1x ./exporters/odoo/odootest
func BenchmarkIndexGC(b *testing.B) {
	n := 2_000_000
	if v := os.Getenv("AXIUM2CRM_BENCH_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("AXIUM2CRM_BENCH_ROWS: %q is not a positive number", v)
		}
	}
	name := func(i int) string { return "axium.odoo_x_perio_record_" + strconv.Itoa(i) }
	gc := func() (time.Duration, uint64) {
		runtime.GC()
		start := time.Now()
		const cycles = 3
		for range cycles {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return time.Since(start) / cycles, ms.HeapObjects
	}
	for b.Loop() {
		base, baseObjects := gc()
		old := map[string]int64{}
		oldIndex := map[any][]int64{}
		for i := range n {
			k := name(i)
			old[k] = int64(i)
			oldIndex[k] = append(oldIndex[k], int64(i))
		}
		before, beforeObjects := gc()
		runtime.KeepAlive(old)
		runtime.KeepAlive(oldIndex)
		old, oldIndex = nil, nil
		x, ix := newXIDMap(), newFieldIndex()
		for i := range n {
			k := name(i)
			x.set(k, int64(i))
			ix.add(k, int64(i))
		}
		now, nowObjects := gc()
		runtime.KeepAlive(x)
		runtime.KeepAlive(ix)
		fmt.Printf("%d records: a garbage collection %v with neither, %v with maps of strings (%d heap objects), %v with the pointer-free maps (%d heap objects): %.1fx\n",
			n, base.Round(time.Microsecond), before.Round(time.Microsecond), beforeObjects-baseObjects, now.Round(time.Microsecond),
			nowObjects-baseObjects, float64(before-base)/float64(max(now-base, time.Microsecond)))
		b.ReportMetric(float64(before.Microseconds()), "µs/gc-before")
		b.ReportMetric(float64(now.Microseconds()), "µs/gc-now")
	}
}
