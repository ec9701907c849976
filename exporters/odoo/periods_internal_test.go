package odoo

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// entering starts a batch of these dates into the gate; the channel gets
// its leave function once it is in.
func entering(g *periodGate, model string, dates []string) chan func(bool) {
	in := make(chan func(bool), 1)
	go func() { in <- g.enter(model, dates) }()
	return in
}

// inWithin is the batch's leave function if it got in within d, else nil.
func inWithin(in chan func(bool), d time.Duration) func(bool) {
	select {
	case leave := <-in:
		return leave
	case <-time.After(d):
		return nil
	}
}

func TestNewMonthsGoAlone(t *testing.T) {
	var g periodGate
	// A batch that must wait is given wait to get in anyway; one that may
	// go is given soon, and gets in as soon as it is scheduled.
	const wait, soon = 100 * time.Millisecond, 10 * time.Second
	first := g.enter(paymentModel, []string{"2014-06-13", "2015-01-02"})
	// A second batch bringing a month of its own waits for the first.
	second := entering(&g, paymentModel, []string{"2014-01-06"})
	assert.Nil(t, inWithin(second, wait), "a second batch of new months waits")
	// Only new months wait: a batch without dates goes.
	require.NotNil(t, inWithin(entering(&g, paymentModel, nil), soon))
	first(true)
	leave2 := inWithin(second, soon)
	require.NotNil(t, leave2, "the second batch goes once the first is taken")
	// The first batch's months are known now: a batch of them goes at
	// once, even while the second batch brings a new month.
	known := inWithin(entering(&g, paymentModel, []string{"2014-06-30", "2015-01-31"}), soon)
	require.NotNil(t, known, "known months go together")
	known(true)
	// The second batch is not taken (Odoo refused it): its month is
	// still new, and the next batch of it goes alone.
	leave2(false)
	third := g.enter(paymentModel, []string{"2014-01-20"})
	fourth := entering(&g, paymentModel, []string{"2014-01-21"})
	assert.Nil(t, inWithin(fourth, wait))
	third(true)
	leave4 := inWithin(fourth, soon)
	require.NotNil(t, leave4)
	leave4(true)
	assert.Empty(t, g.periodsOf(paymentModel, []string{"2014-01-01", "2014-06-01", "2015-01-15"}))
	// Months are known per model.
	assert.Equal(t, []string{moveModel + "|2014-01"}, g.periodsOf(moveModel, []string{"2014-01-01", "2014-01-09"}))
}

func TestMoveCanary(t *testing.T) {
	tbl := &tableData{cols: []column{{name: "id"}, {name: "move_type", field: "move_type"}, {name: "date", field: "date"}}}
	mv := func(id, date string) *rec { return &rec{xid: id, texts: []string{id, "out_invoice", date}} }
	ids := func(rs []*rec) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.xid)
		}
		return out
	}
	batch := []*rec{mv("a", "2014-06-13"), mv("b", "2015-01-02"), mv("c", "2014-06-30"), mv("d", "2015-01-31"), mv("e", "2015-01-05"), mv("f", "")}
	first, rest := moveCanary(tbl, batch)
	// The busiest month (January 2015: three moves) teaches: Odoo numbers
	// its first and names the others "/".
	assert.Equal(t, []string{"b", "d", "e"}, ids(first))
	assert.Equal(t, []string{"a", "c", "f"}, ids(rest))
	// No month with two moves: the whole batch teaches.
	first, rest = moveCanary(tbl, []*rec{mv("a", "2014-06-13"), mv("b", "2015-01-02")})
	assert.Equal(t, []string{"a", "b"}, ids(first))
	assert.Empty(t, rest)
	// At most canaryMoves.
	var many []*rec
	for i := range canaryMoves + 10 {
		many = append(many, mv(fmt.Sprint(i), "2020-02-01"))
	}
	first, rest = moveCanary(tbl, many)
	assert.Len(t, first, canaryMoves)
	assert.Len(t, rest, 10)
}

func TestFirstEntryOfEachNewMonthGoesFirst(t *testing.T) {
	tbl := &tableData{obj: Object{Model: paymentModel}, cols: []column{{name: "id"}, {name: "payment_type", field: "payment_type"},
		{name: "date", field: "date"}}}
	p := &pusher{}
	item := func(id, date, action string) *exporters.Item {
		return &exporters.Item{ID: id, Action: action, Data: &rec{xid: id, texts: []string{id, "inbound", date}}}
	}
	ids := func(b exporters.Batch) []string {
		var out []string
		for _, it := range b.Items {
			out = append(out, it.ID)
		}
		return out
	}
	b := exporters.Batch{Items: []*exporters.Item{item("a", "2014-06-13", audit.Create), item("b", "2014-06-20", audit.Create),
		item("c", "2015-01-02", audit.Create), item("u", "2014-02-01", audit.Update), item("d", "2015-01-31", audit.Create),
		item("e", "2014-06-30", audit.Create)}}
	first, rest := p.pioneers(tbl, b)
	// The first new entry of each month goes first; updates and the
	// other entries after it.
	assert.Equal(t, []string{"a", "c"}, ids(first))
	assert.Equal(t, []string{"b", "u", "d", "e"}, ids(rest))
	// Once Odoo took them, their months are known: the rest goes as it is.
	leave := p.periods.enter(paymentModel, p.batchDates(tbl, first))
	leave(true)
	first, rest = p.pioneers(tbl, rest)
	assert.Empty(t, first.Items)
	assert.Equal(t, []string{"b", "u", "d", "e"}, ids(rest))
	// A batch whose every new entry is the first of its month goes whole.
	b = exporters.Batch{Items: []*exporters.Item{item("f", "2016-01-02", audit.Create), item("g", "2016-02-02", audit.Create)}}
	first, rest = p.pioneers(tbl, b)
	assert.Empty(t, first.Items)
	assert.Equal(t, []string{"f", "g"}, ids(rest))
	// A dry run sends nothing: no split.
	first, _ = p.pioneers(tbl, exporters.Batch{DryRun: true, Items: []*exporters.Item{item("h", "2017-01-01", audit.Create), item("i", "2017-01-02", audit.Create)}})
	assert.Empty(t, first.Items)
}
