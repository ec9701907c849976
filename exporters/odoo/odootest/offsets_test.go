package odootest

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOffsetsHoldWhatAMapHolds: ids set in order, by hand far beyond the
// sequence (later reached by it), replaced and deleted answer as a map
// does.
func TestOffsetsHoldWhatAMapHolds(t *testing.T) {
	var o offsets
	want := map[int64]uint64{}
	r := rand.New(rand.NewPCG(1, 2))
	set := func(id int64, off uint64) { o.set(id, off); want[id] = off }
	del := func(id int64) { o.del(id); delete(want, id) }
	set(0, 0)
	set(3*denseGap, 7) // far beyond the slice: kept aside
	set(-5, 9)
	for id := int64(1); id < 4*denseGap; id++ {
		if id != 3*denseGap {
			set(id, uint64(id)*10)
		}
		if r.IntN(10) == 0 {
			del(r.Int64N(id + 1))
		}
		if r.IntN(10) == 0 {
			set(r.Int64N(id+1), uint64(r.IntN(1000)))
		}
	}
	for id := range o.sparse {
		require.Contains(t, []int64{-5, 3 * denseGap}, id, "only the hand-set ids are kept aside")
	}
	require.Less(t, len(o.dense), 4*denseGap+1, "the slice is as long as the ids")
	check := func() {
		t.Helper()
		assert.Equal(t, len(want), o.len())
		for id := int64(-10); id < 4*denseGap+10; id++ {
			off, ok := o.get(id)
			w, wok := want[id]
			if ok != wok || off != w {
				t.Fatalf("id %d: got %d %v, want %d %v", id, off, ok, w, wok)
			}
		}
		ids := o.appendIDs(nil)
		slices.Sort(ids)
		wantIDs := make([]int64, 0, len(want))
		for id := range want {
			wantIDs = append(wantIDs, id)
		}
		slices.Sort(wantIDs)
		assert.Equal(t, wantIDs, ids)
	}
	check()
	set(3*denseGap, 11) // replaced where it is held
	del(-5)
	check()
	del(3 * denseGap)
	check()
}
