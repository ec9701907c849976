package main

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReopenWhenTheProcessHoldsMoreThanDuckDBsLimit: a run reopens the
// warehouse between models when the process's resident size is over
// DuckDB's limit; where it cannot be read, before models built in passes.
func TestReopenWhenTheProcessHoldsMoreThanDuckDBsLimit(t *testing.T) {
	const gb = 1_000_000_000
	for _, c := range []struct {
		rss     uint64
		known   bool
		limit   string
		batched bool
		want    bool
	}{
		{rss: 1_200_000_000, known: true, limit: "1000000000B", want: true},
		{rss: 900_000_000, known: true, limit: "1000000000B", batched: true, want: false},
		{rss: 3 * gb, known: true, limit: "", want: false}, // no budget: DuckDB's own default
		{known: false, limit: "1000000000B", batched: true, want: true},
		{known: false, limit: "1000000000B", batched: false, want: false},
	} {
		assert.Equal(t, c.want, reopenNow(c.rss, c.known, c.limit, c.batched), "%+v", c)
	}
	if runtime.GOOS == "linux" {
		rss, ok := residentBytes()
		if assert.True(t, ok, "/proc/self/statm") {
			assert.Greater(t, rss, uint64(1<<20))
		}
	}
}
