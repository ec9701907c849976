package sourcemap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
)

// altRight says whether the proposal for one column of the alt layout is
// the one fixtures.AltLayout documents.
func altRight(want fixtures.AltColumn, got Column) bool {
	switch want.Reshape {
	case fixtures.ReshapeExtra:
		return got.Action == Carry
	case fixtures.ReshapeGuarantorKey:
		return got.Action == Carry || got.Action == ReshapeAction
	case fixtures.ReshapeTime, fixtures.ReshapeSite:
		return got.Action == ReshapeAction && got.Field == want.Column
	case fixtures.ReshapeGuarantorNumber:
		return (got.Action == Map || got.Action == ReshapeAction) && got.Field == want.Column
	}
	return got.Action == Map && got.Field == want.Column
}

// TestProposalOfTheAltLayout: another school's export of the same data
// (other headers and order, Windows-1252, a wide perio chart, date and
// time apart, status letters, guarantors as patient numbers, its own
// columns) is proposed right for at least 95% of its columns without a
// hand edit, and its reshapings are found.
func TestProposalOfTheAltLayout(t *testing.T) {
	dir := t.TempDir()
	_, err := fixtures.Generate(context.Background(), fixtures.Options{Out: dir, Patients: 60, Seed: 11, Layout: fixtures.LayoutAlt})
	require.NoError(t, err)
	m, err := Propose(dir, Options{Catalog: loaders.Catalog(), Vocabulary: testVocabulary})
	require.NoError(t, err)
	byPath := map[string]File{}
	for _, f := range m.Files {
		byPath[f.Path] = f
	}
	total, right := 0, 0
	var wrong []string
	for _, af := range fixtures.AltLayout() {
		f, ok := byPath[af.Name]
		if !assert.True(t, ok, "%s was not proposed", af.Name) {
			continue
		}
		if f.Encoding != "utf-8" || hasNonASCII(t, dir, af.Name) {
			assert.Equal(t, fixtures.AltEncoding, f.Encoding, af.Name)
		}
		for _, want := range af.Columns {
			total++
			c := Column{}
			for _, x := range f.Columns {
				if x.Header == want.Header {
					c = x
				}
			}
			if f.Object == af.Object && altRight(want, c) {
				right++
				continue
			}
			wrong = append(wrong, fmt.Sprintf("%s %q: proposed %s %s.%s (%.2f: %s); documented %s.%s %s", af.Name, want.Header,
				c.Action, f.Object, c.Field, c.Confidence, c.Reason, af.Object, want.Column, want.Reshape))
		}
	}
	sort.Strings(wrong)
	acc := float64(right) / float64(total)
	t.Logf("alt layout: %d of %d columns (%.1f%%) proposed right; the others:\n%s", right, total, 100*acc, strings.Join(wrong, "\n"))
	assert.GreaterOrEqual(t, acc, 0.95)

	kinds := map[string]bool{}
	for _, f := range m.Files {
		for _, r := range f.Reshape {
			kinds[f.Path+" "+r.Kind] = true
		}
	}
	for _, k := range []string{"PerioChart.csv " + PerioWide, "Appointments.csv " + DateTime, "PatientRoster.csv " + CodeTable,
		"Appointments.csv " + CodeTable} {
		assert.True(t, kinds[k], "reshaping %s proposed", k)
	}
}

// hasNonASCII: the file holds a byte above 127 (plain ASCII is UTF-8 and
// Windows-1252 alike).
func hasNonASCII(t *testing.T, dir, name string) bool {
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return !isASCII(b)
}

// testVocabulary is the staging models' accepted values the alt layout
// codes (sql/models/defs/staging/*.yml).
var testVocabulary = Vocabulary{
	"patient":     {"Status": {"Active", "Inactive", "Deceased", "Archived"}, "Gender": {"F", "M", "U"}, "GuarantorRelationship": {"Self", "Spouse", "Child", "Other"}},
	"appointment": {"Status": {"Scheduled", "Confirmed", "Checked In", "Completed", "Broken", "Cancelled", "No Show"}},
	"policy":      {"Ordinal": {"1", "2"}, "SubscriberRelationship": {"Self", "Spouse", "Child", "Other"}},
	"claim":       {"Status": {"Submitted", "Accepted", "Paid", "Denied", "Pending"}},
}
