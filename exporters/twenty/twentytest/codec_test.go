package twentytest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCodecRoundTrip: a compact table's record decodes to what a JSON round
// trip of the stored record gives (what every answer sends), for every kind
// of value a record holds, including text that only looks like a UUID, a
// timestamp or a date.
func TestCodecRoundTrip(t *testing.T) {
	id := uuid.NewString()
	recs := []map[string]any{
		{
			"id": id, "createdAt": "2019-03-04T05:06:07.089Z", "updatedAt": "1965-12-31T23:59:59.999Z", "deletedAt": nil,
			"birthday": "1970-01-01", "examDate": "1969-07-20", "before1900": "1850-02-28",
			"upper": "0F0E3B0A-8C6B-4B6C-9E77-4C2D1F9A1B2C", "notTime": "2019-03-04T05:06:07Z", "notDate": "2019-02-30",
			"text": "Fissure — 36 B", "empty": "", "yes": true, "no": false,
			"depth": json.Number("3"), "neg": json.Number("-12"), "frac": json.Number("2.50"), "big": json.Number("12345678901234567890"),
			"f": 0.1, "i": 7, "i64": int64(-1 << 40), "negZero": json.Number("-0"),
			"emails": map[string]any{"primaryEmail": "ada@x.org", "additionalEmails": []any{}},
			"bodyV2": map[string]any{"markdown": "# Perio\n\n6 mm at 36 DB", "blocknote": nil},
			"tags":   []any{"A", json.Number("1"), nil, map[string]any{"k": []any{true}}},
			"odd":    []string{"a", "b"},
		},
		{},
	}
	c := newCodec()
	var all []byte
	for _, r := range recs {
		all = append(all, c.encode(r)...)
	}
	for _, r := range recs {
		got, n := c.decode(all)
		require.Positive(t, n)
		all = all[n:]
		assert.Equal(t, cloneRecord(r), got)
	}
	assert.Empty(t, all, "each record takes exactly its bytes")
}

// TestCompactTable: a compact table keeps records as a plain one does
// through puts, edits, soft and hard deletes: the live count, the unique
// index, the ids in order and the records read back agree, across chunks.
func TestCompactTable(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	o := s.objectByName("person")
	plain, compact := &table{obj: o, plain: map[string]map[string]any{}}, &table{obj: o, compact: true, codec: newCodec(), at: map[[16]byte]uint64{}}
	var ids []string
	for i := range 50 {
		id := uuid.NewString()
		ids = append(ids, id)
		rec := map[string]any{"id": id, "deletedAt": nil, "jobTitle": json.Number("1"), "note": strings.Repeat("x", 5000+i),
			"emails": map[string]any{"primaryEmail": "p" + string(rune('a'+i%26)) + "@x.org"}}
		for _, tb := range []*table{plain, compact} {
			tb.put(id, cloneRecord(rec))
		}
	}
	for _, tb := range []*table{plain, compact} {
		tb.uniques()
		r, _ := tb.edit(ids[0])
		r["emails"] = map[string]any{"primaryEmail": "moved@x.org"}
		tb.put(ids[0], r)
		r, _ = tb.edit(ids[1])
		r["deletedAt"] = "2020-01-01T00:00:00.000Z"
		tb.put(ids[1], r)
		tb.del(ids[2])
	}
	for _, tb := range []*table{plain, compact} {
		assert.Equal(t, 48, tb.live, "compact %v", tb.compact)
		assert.Equal(t, 49, tb.len())
		assert.Equal(t, []string{ids[0]}, tb.uniques()["emails"]["moved@x.org"])
		assert.Len(t, tb.uniques()["emails"]["pa@x.org"], 1, "the old e-mail left the index (ids[0] had pa@, as did ids[26])")
		assert.False(t, tb.has(ids[2]))
	}
	var po, co []string
	plain.after("", func(id string) bool { po = append(po, id); return true })
	compact.after("", func(id string) bool { co = append(co, id); return true })
	assert.Equal(t, po, co, "the same ids in the same order")
	assert.IsIncreasing(t, co)
	var tail []string
	compact.after(co[10], func(id string) bool { tail = append(tail, id); return len(tail) < 5 })
	assert.Equal(t, co[11:16], tail, "a cursor starts after its id")
	assert.Greater(t, compact.chunks.Len(), 2, "the records span chunks")
	for _, id := range co {
		p, _ := plain.get(id)
		c, _ := compact.get(id)
		assert.Equal(t, cloneRecord(p), c)
	}
}

// TestCloneRecordIsAJSONRoundTrip: cloneRecord gives what a JSON round
// trip gives, for the values a decoded payload holds and for those it
// leaves to the round trip, and shares nothing with the record.
func TestCloneRecordIsAJSONRoundTrip(t *testing.T) {
	roundTrip := func(r map[string]any) map[string]any {
		b, _ := json.Marshal(r)
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out
	}
	nested := map[string]any{"primaryEmail": "a@b.c", "additionalEmails": []any{"x", json.Number("1e3")}}
	for _, r := range []map[string]any{
		{"name": "Ada <&>", "n": json.Number("12"), "f": 1.5, "ok": true, "none": nil, "emails": nested,
			"list": []any{map[string]any{"k": json.Number("-0.25")}, nil, false}},
		{"bad": "a\xff\xfeb"}, // invalid UTF-8: each byte replaced
		{"i": 3, "t": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, // not JSON types
		{"s": []string{"a"}, "m": map[string]string{"k": "v"}},
		{"big": json.Number("123456789012345678901234567890")},
	} {
		assert.Equal(t, roundTrip(r), cloneRecord(r))
	}
	c := cloneRecord(map[string]any{"emails": nested})
	c["emails"].(map[string]any)["primaryEmail"] = "changed"
	c["emails"].(map[string]any)["additionalEmails"].([]any)[0] = "changed"
	assert.Equal(t, "a@b.c", nested["primaryEmail"])
	assert.Equal(t, "x", nested["additionalEmails"].([]any)[0])
}
