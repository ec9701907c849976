package odoo

import (
	"sync"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// Odoo 17 gives a new draft journal entry a number only when it is the
// first of its journal and period (INV/2014/00001; "/" for the others),
// found by looking for the journal's last number in the period. Two
// creates in flight together on two connections each see no number in a
// period that has none yet, and both give their first entry of it the
// same number. Drafts may share a number, but posting the second fails:
// against a real Odoo 17 a 30-patient push on two connections left two
// draft payments named PBNK1/2014/00001, and posting both failed on
// account_move_unique_name ("duplicate key value violates unique
// constraint"). So a batch of new entries with a date in a month no
// earlier batch of this push has written goes alone: it waits for the
// other such batches and is waited for, and once Odoo has taken it the
// months are known to hold a number. Batches whose months are all known go
// together as before. A month is finer than Odoo's periods (a year by
// default, a month where the journal's numbers restart monthly), so every
// period is covered; only the first batches of a push, which bring the
// months, go alone.

// numberedModels are the models whose new records are journal entries
// Odoo numbers: invoices and credit notes, and payments (_inherits
// account.move).
var numberedModels = map[string]bool{moveModel: true, paymentModel: true}

// periodGate keeps batches that bring new months from going together.
type periodGate struct {
	mu    sync.Mutex // held by the batch that brings new months
	known sync.Map   // "model|YYYY-MM" → true once written
}

// periodsOf are the months of a batch's new records no batch has
// written yet.
func (g *periodGate) periodsOf(model string, dates []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range dates {
		if len(d) < 7 {
			continue
		}
		k := model + "|" + d[:7]
		if _, ok := g.known.Load(k); ok || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

// enter waits while another batch brings new months, when this one
// does too; leave(ok) lets the next one go, and when Odoo took the batch
// (ok) its months are known.
func (g *periodGate) enter(model string, dates []string) (leave func(ok bool)) {
	if len(g.periodsOf(model, dates)) == 0 {
		return func(bool) {}
	}
	g.mu.Lock()
	// Another batch may have brought them while this one waited.
	fresh := g.periodsOf(model, dates)
	if len(fresh) == 0 {
		g.mu.Unlock()
		return func(bool) {}
	}
	return func(ok bool) {
		if ok {
			for _, k := range fresh {
				g.known.Store(k, true)
			}
		}
		g.mu.Unlock()
	}
}

// dateCol is the column of a numbered model's dates in records' texts, or
// -1: other models, dry runs, tables without a date, and moves that
// carry the draft name "/" (never numbered when made: moves.go).
func (p *pusher) dateCol(t *tableData, b exporters.Batch) int {
	if !numberedModels[t.obj.Model] || b.DryRun {
		return -1
	}
	if t.obj.Model == moveModel {
		p.mu.Lock()
		slash := p.moves.done && p.moves.slash && moveCol(t, "name") < 0 && moveCol(t, "state") < 0
		p.mu.Unlock()
		if slash {
			return -1
		}
	}
	return moveCol(t, "date")
}

// batchDates are the dates of a batch's new records of a numbered model
// (nil when dateCol has none).
func (p *pusher) batchDates(t *tableData, b exporters.Batch) []string {
	col := p.dateCol(t, b)
	if col < 0 {
		return nil
	}
	var out []string
	for _, it := range b.Items {
		if it.Action == audit.Create {
			out = append(out, recOf(it).texts[col])
		}
	}
	return out
}

// pioneers splits a batch that brings new months: its first new entry of
// each such month goes first, through the gate (alone among batches that
// bring months), and once Odoo has numbered them the rest of the batch
// goes with the other batches. Only one entry a period is ever numbered
// when made, so only those wait: at 1,000 patients most payment batches
// bring a month no earlier batch wrote, and went one at a time whole.
// first is empty when the batch brings no new month, or when every new
// record is the first of its month (the batch goes through the gate as
// it is).
func (p *pusher) pioneers(t *tableData, b exporters.Batch) (first, rest exporters.Batch) {
	first, rest = b, b
	first.Items, rest.Items = nil, nil
	col := p.dateCol(t, b)
	if col < 0 {
		return first, b
	}
	if t.obj.Model == moveModel {
		// The first new moves teach what Odoo names a draft that is not
		// the first of its period (moveCanary): they go whole.
		p.mu.Lock()
		learned := p.moves.done
		p.mu.Unlock()
		if !learned {
			return first, b
		}
	}
	picked := map[string]bool{}
	creates := 0
	for _, it := range b.Items {
		if it.Action != audit.Create {
			rest.Items = append(rest.Items, it)
			continue
		}
		creates++
		d := recOf(it).texts[col]
		if fresh := p.periods.periodsOf(t.obj.Model, []string{d}); len(fresh) == 1 && !picked[fresh[0]] {
			picked[fresh[0]] = true
			first.Items = append(first.Items, it)
			continue
		}
		rest.Items = append(rest.Items, it)
	}
	if len(first.Items) == creates {
		first.Items = nil
		return first, b
	}
	return first, rest
}

// mergeResults adds what a second write of a batch did to the first's.
func mergeResults(a, b exporters.WriteResult) exporters.WriteResult {
	for k, v := range b.Done {
		a.Done[k] = v
	}
	a.Rejected = append(a.Rejected, b.Rejected...)
	a.Calls += b.Calls
	return a
}
