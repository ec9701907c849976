package odootest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCompactRecordRoundTrip: a compact table's record decodes to the
// values it was stored with, of the same Go types.
func TestCompactRecordRoundTrip(t *testing.T) {
	c := newCodec()
	r := Record{"id": int64(7), "name": "Ada — DDS", "empty": "", "active": true, "flag": false, "none": nil,
		"amount": 12.5, "whole": float64(3), "neg": int64(-1 << 40), "tags": []int64{3, 1, 2}, "no_tags": []int64{},
		"list": []any{int64(1), "x", nil, []int64{4}}, "ctx": map[string]any{"tz": "UTC", "n": int64(2)},
		"sub": Record{"k": 1.0}}
	got := c.decode(c.encode(r))
	assert.Equal(t, r, got)
	for k, v := range r {
		assert.IsType(t, v, got[k], k)
	}

	// Decoding some fields passes over the others, whatever they hold,
	// and reads the wanted ones as a whole decode does.
	enc := c.encode(r)
	for k := range r {
		assert.Equal(t, Record{k: r[k]}, c.decodeFields(enc, []string{k}), k)
		assert.Equal(t, Record{k: r[k], "sub": r["sub"]}, c.decodeFields(enc, []string{"sub", k, "unknown"}), k)
	}
	assert.Equal(t, Record{}, c.decodeFields(enc, []string{"never_stored"}))
}
