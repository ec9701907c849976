package twentytest

import (
	"fmt"
	"sort"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
)

// TestUniqueFilterAnswersAsAScan: a filter on a unique composite sub-field
// (emails.primaryEmail) goes through the unique index, as Twenty's does,
// and matches exactly the records a scan of every record matches: values
// compared as stored (the index's lower case only finds the candidates),
// soft-deleted records included, a blank value by the scan.
func TestUniqueFilterAnswersAsAScan(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			tb := s.newTable(s.objectByName("person"))
			tb.compact = compact
			if compact {
				tb.at, tb.plain = map[[16]byte]uint64{}, nil
			} else {
				tb.plain = map[string]map[string]any{}
			}
			emails := []string{"ada@x.org", "ADA@x.org", " bob@x.org", "", "cy@x.org", "dee@x.org"}
			for i, e := range emails {
				rec := person(uuid.NewString(), e)
				rec["deletedAt"] = nil
				if i == 4 {
					rec["deletedAt"] = "2020-01-01T00:00:00.000Z"
				}
				tb.put(rec["id"].(string), rec)
			}
			scan := func(values map[string]bool) []string {
				var ids []string
				tb.each(func(id string, rec map[string]any) bool {
					if values[filterValue(rec, "emails.primaryEmail")] {
						ids = append(ids, id)
					}
					return true
				})
				sort.Strings(ids)
				return ids
			}
			for _, values := range []map[string]bool{
				{"ada@x.org": true},
				{"ADA@x.org": true, "ada@x.org": true},
				{"bob@x.org": true},
				{" bob@x.org": true},
				{"cy@x.org": true, "nobody@x.org": true},
				{"": true},
				{"dee@x.org": true, "": true},
			} {
				_, indexed := tb.uniqueIndexOf("emails.primaryEmail", values)
				var got []string
				tb.match("emails.primaryEmail", values, func(id string, _ map[string]any) bool {
					got = append(got, id)
					return true
				})
				sort.Strings(got)
				assert.Equal(t, scan(values), got, "%v (indexed %v)", values, indexed)
			}
			assert.Len(t, scan(map[string]bool{"ada@x.org": true, "ADA@x.org": true}), 2, "values compared as stored")
			_, indexed := tb.uniqueIndexOf("emails.primaryEmail", map[string]bool{"ada@x.org": true})
			assert.True(t, indexed, "a unique sub-field is indexed")
			_, indexed = tb.uniqueIndexOf("jobTitle", map[string]bool{"x": true})
			assert.False(t, indexed, "another field is scanned")
		})
	}
}
