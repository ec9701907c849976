package odoo

import (
	"context"
	"fmt"
	"maps"

	"github.com/axium2crm/axium2crm/exporters"
)

// Most of what Odoo 17 spends on a new invoice or credit note is three
// look-ups it makes for every move, whatever else the move holds
// (cProfile of 500 draft invoices created in one call against a real
// Odoo 17):
//
//   - its journal: _compute_journal_id searches account.journal once a
//     move for the company's first journal of the move's type (sale for
//     invoices and credit notes), about a fifth of the create;
//   - its name: a draft without one looks up the journal's last sequence
//     number (_get_last_sequence, two queries a move), about two fifths;
//     a draft gets "/" unless it is the first of its period, which gets
//     the period's first number;
//   - its fiscal position: _get_fiscal_position for the partner, about a
//     tenth.
//
// A move created with these three values skips the three look-ups: 2.1 to
// 2.5 times as many draft invoices a second (128-137 a second plain,
// 268-280 with them, 500 a call, one process). The push does not guess
// them. The first few new moves go as they are (moveCanary), and the push
// reads back what Odoo made of them: the journal of each journal type
// (every move of a type must have the same one) and whether Odoo names a
// draft without a number "/". The moves after them carry that journal
// and that name (427 invoices a second against 129-148 before, pushed to
// a real Odoo 17 with two workers at 200 patients). The fiscal position is sent empty only when the database holds
// no fiscal position at all, archived or not: Odoo's own choice is then
// empty too. Updates, dry runs and a table that sends its own journal,
// name, state or fiscal position are left as they are.
//
// What differs from moves Odoo names itself: the first draft of each
// period is "/" like the others, not numbered before it is posted. Odoo
// numbers a draft when it is posted, so posted moves get the same
// numbers.

// moveModel is the model whose new records carry what the push learned.
const moveModel = "account.move"

// moveJournalType is the journal type Odoo's _get_valid_journal_types
// gives a move type (Odoo 17; account.move).
func moveJournalType(moveType string) string {
	switch moveType {
	case "out_invoice", "out_refund", "out_receipt":
		return "sale"
	case "in_invoice", "in_refund", "in_receipt":
		return "purchase"
	}
	return ""
}

// moveBooks is what the push learned of the moves Odoo makes.
type moveBooks struct {
	done     bool
	learning chan struct{} // closed when the worker learning is done
	journals map[string]int64
	slash    bool // Odoo names a draft without a number "/"
	noFiscal bool // the database holds no fiscal position
	says     string
}

// loadExtra is columns a load sends after the table's own.
type loadExtra struct {
	fields []string
	values func(r *rec) []any
}

// writeMoves sends a batch of moves: the updates as they are, the new
// moves with what the push learned (the first batch of new moves is what
// it learns from).
func (p *pusher) writeMoves(ctx context.Context, t *tableData, b exporters.Batch, recs []*rec, res *exporters.WriteResult) error {
	creates, updates := splitByAction(b, recs)
	for len(creates) > 0 {
		books, learner, err := p.moveBooks(ctx)
		if err != nil {
			return err
		}
		if !learner {
			if err := p.loadMoves(ctx, t, creates, books, res); err != nil {
				return err
			}
			break
		}
		// This worker learns: the moves to learn from go as they are,
		// then the rest of the batch with what was learned (or, when
		// none of them was made, the rest teaches in turn).
		first, rest := moveCanary(t, creates)
		err = p.load(ctx, t, first, false, nil, res)
		p.learnMoves(ctx, t, first, res.Done)
		if err != nil {
			return err
		}
		creates = rest
	}
	if len(updates) == 0 {
		return nil
	}
	return p.load(ctx, t, updates, false, nil, res)
}

// canaryMoves is at most how many new moves go as they are for the push
// to learn from.
const canaryMoves = 50

// moveCanary splits the first batch of new moves: the ones to learn from
// go first, the rest after with what is learned. Odoo names "/" only a
// draft that is not the first of its period, so the moves to learn from
// are those of the batch's busiest month (at most canaryMoves); when no
// month holds two, the whole batch.
func moveCanary(t *tableData, creates []*rec) (first, rest []*rec) {
	col := moveCol(t, "date")
	if col < 0 {
		return creates, nil
	}
	byMonth := map[string]int{}
	best := ""
	for _, r := range creates {
		if d := r.texts[col]; len(d) >= 7 {
			m := d[:7]
			byMonth[m]++
			if byMonth[m] > byMonth[best] || byMonth[m] == byMonth[best] && m < best {
				best = m
			}
		}
	}
	if byMonth[best] < 2 {
		return creates, nil
	}
	for _, r := range creates {
		if d := r.texts[col]; len(first) < canaryMoves && len(d) >= 7 && d[:7] == best {
			first = append(first, r)
		} else {
			rest = append(rest, r)
		}
	}
	return first, rest
}

// moveBooks returns what is learned, or makes the caller the learner
// (learner true: it must call learnMoves). A worker that finds another
// learning waits for it.
func (p *pusher) moveBooks(ctx context.Context) (moveBooks, bool, error) {
	for {
		p.mu.Lock()
		if p.moves.done {
			b := p.moves
			p.mu.Unlock()
			return b, false, nil
		}
		ch := p.moves.learning
		if ch == nil {
			p.moves.learning = make(chan struct{})
			p.mu.Unlock()
			return moveBooks{}, true, nil
		}
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return moveBooks{}, false, ctx.Err()
		}
	}
}

// moveCol is the index in a record's texts of the table's column that
// sets field, or -1.
func moveCol(t *tableData, field string) int {
	for j, i := range importColumns(t) {
		if c := t.cols[i]; c.field == field || c.name == field {
			return j
		}
	}
	return -1
}

// loadMoves sends new moves: those whose journal is learned with the
// learned columns, the others as they are.
func (p *pusher) loadMoves(ctx context.Context, t *tableData, creates []*rec, books moveBooks, res *exporters.WriteResult) error {
	extra := moveExtra(t, books)
	if extra == nil {
		return p.load(ctx, t, creates, false, nil, res)
	}
	var with, without []*rec
	for _, r := range creates {
		if extra.values(r) == nil {
			without = append(without, r)
		} else {
			with = append(with, r)
		}
	}
	if len(with) > 0 {
		if err := p.load(ctx, t, with, false, extra, res); err != nil {
			return err
		}
	}
	if len(without) > 0 {
		return p.load(ctx, t, without, false, nil, res)
	}
	return nil
}

// moveExtra is the columns new moves of t are sent with, nil when there
// are none; its values are nil for a move that must go as it is.
func moveExtra(t *tableData, books moveBooks) *loadExtra {
	typ := moveCol(t, "move_type")
	var fields []string
	sendJournal := len(books.journals) > 0 && typ >= 0 && moveCol(t, "journal_id") < 0
	if sendJournal {
		fields = append(fields, "journal_id/.id")
	}
	sendName := books.slash && moveCol(t, "name") < 0 && moveCol(t, "state") < 0
	if sendName {
		fields = append(fields, "name")
	}
	sendFiscal := books.noFiscal && moveCol(t, "fiscal_position_id") < 0
	if sendFiscal {
		fields = append(fields, "fiscal_position_id")
	}
	if len(fields) == 0 {
		return nil
	}
	return &loadExtra{fields: fields, values: func(r *rec) []any {
		var out []any
		if sendJournal {
			j := books.journals[moveJournalType(r.texts[typ])]
			if j == 0 {
				// An empty journal column would clear the journal, not
				// leave it to Odoo.
				return nil
			}
			out = append(out, fmt.Sprint(j))
		}
		if sendName {
			out = append(out, "/")
		}
		if sendFiscal {
			out = append(out, "")
		}
		return out
	}}
}

// learnMoves reads back the moves Odoo made of the first batch (done
// holds their database ids) and learns from them; the workers waiting
// for it then go on. When no move of the batch was made, the next batch
// of new moves learns instead.
func (p *pusher) learnMoves(ctx context.Context, t *tableData, sent []*rec, done map[string]int64) {
	var ids []int64
	for _, r := range sent {
		if id := done[r.xid]; id != 0 {
			ids = append(ids, id)
		}
	}
	var b moveBooks
	why := ""
	if len(ids) > 0 {
		var err error
		if b, err = p.readMoves(ctx, ids); err != nil {
			why = err.Error()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := p.moves.learning
	p.moves.learning = nil
	defer close(ch)
	if len(ids) == 0 {
		return
	}
	b.done = true
	p.moves = b
	switch {
	case why != "":
		p.say("odoo: new moves go as they are, Odoo looking up each one's journal, name and fiscal position (" + why + ")")
	case len(b.journals) > 0 || b.slash || b.noFiscal:
		p.say("odoo: new moves now carry " + b.says + " (what Odoo gave the first ones)")
	}
}

// readMoves learns from moves Odoo made.
func (p *pusher) readMoves(ctx context.Context, ids []int64) (moveBooks, error) {
	var b moveBooks
	f, err := p.fieldsOf(ctx, moveModel)
	if err != nil {
		return b, fmt.Errorf("read %s's fields: %w", moveModel, err)
	}
	want := []any{"move_type"}
	for _, k := range []string{"journal_id", "name"} {
		if f[k] != nil {
			want = append(want, k)
		}
	}
	v, err := p.c.Execute(ctx, moveModel, "read", []any{anyList64(ids)}, map[string]any{"fields": want})
	if err != nil {
		return b, fmt.Errorf("read back the first moves: %w", err)
	}
	journals, mixed := map[string]int64{}, map[string]bool{}
	for _, r := range records(v) {
		jt, j := moveJournalType(str(r["move_type"])), refID(r["journal_id"])
		if jt == "" || j == 0 {
			continue
		}
		if prev, ok := journals[jt]; ok && prev != j {
			mixed[jt] = true
		}
		journals[jt] = j
		b.slash = b.slash || r["name"] == "/"
	}
	for jt := range mixed {
		delete(journals, jt)
	}
	var says []string
	if len(journals) > 0 {
		b.journals = maps.Clone(journals)
		for _, jt := range sortedKeys(journals) {
			says = append(says, fmt.Sprintf("the %s journal (%d)", jt, journals[jt]))
		}
	}
	if b.slash {
		says = append(says, `the draft name "/"`)
	}
	if f["fiscal_position_id"] != nil {
		n, err := p.c.Execute(ctx, "account.fiscal.position", "search_count", []any{[]any{}},
			map[string]any{"context": map[string]any{"active_test": false}})
		if err == nil && num(n) == 0 {
			b.noFiscal = true
			says = append(says, "no fiscal position (the database has none)")
		}
	}
	b.says = joinAnd(says)
	return b, nil
}

// joinAnd joins phrases as a sentence's list.
func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := ""
	for i, x := range s[:len(s)-1] {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out + " and " + s[len(s)-1]
}
