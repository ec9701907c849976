package odoo

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/axium2crm/axium2crm/exporters"
)

// In Odoo 17 an account.payment is a journal entry (_inherits
// account.move): its create makes the move, then writes the move's two
// lines (outstanding receipts or payments, and the partner's receivable)
// payment by payment, each write recomputing the move. A payment created
// with its lines in line_ids skips that write: 1.7 times as fast against a
// real Odoo 17 for the same records (300 payments: 29 records/s without,
// 49 with, the lines read back identical). The lines are what Odoo's
// _prepare_move_line_default_vals makes: the liquidity line on the
// payment method's outstanding account, the counterpart on the partner's
// receivable account, both labelled with the payment reference, in the
// company's currency.
//
// The push does not guess Odoo's choices of journal and accounts: it
// learns them from payments Odoo made itself. The first canarySize
// payments of a type (inbound, outbound) go without lines, in a create of
// their own (another worker's batch of that type waits for it); Odoo's
// own lines for them are then read back and compared, field by field,
// with what the push would have sent. When every one matches, the type's
// journal, currency and outstanding account are learned and the rest of
// the payments of that type carry their lines; the receivable account is
// the partner's, read for each batch. When one does not match (another
// currency, a payment method with its own account, a customized Odoo),
// payments keep going without lines for the rest of the push, and the push
// says why. Odoo 18 makes a draft payment's journal entry only when it
// is posted: without line_ids on account.payment, or without lines to
// read back, nothing is learned and payments go as Odoo takes them.

// paymentModel is the model whose creates carry their journal lines.
const paymentModel = "account.payment"

// payKind is what Odoo put on the payments of one payment type.
type payKind struct{ journal, currency, outstanding int64 }

// payBooks is what the push learned of Odoo's payment entries.
type payBooks struct {
	checked bool   // the server's account.payment was looked at
	off     string // why payments go without lines ("" while they may carry them)
	kinds   map[string]payKind
	// learning holds, by payment type, a channel closed when the worker
	// learning that type is done.
	learning map[string]chan struct{}
}

// canarySize is how many payments of a type go without lines for the push
// to learn from.
const canarySize = 10

// paymentVals is one payment's create values the lines are built from.
type paymentVals struct {
	kind      string // payment_type
	partner   int64
	amount    float64
	date, ref string
}

func paymentOf(v map[string]any) (paymentVals, bool) {
	pv := paymentVals{kind: str(v["payment_type"]), partner: num(v["partner_id"]), date: str(v["date"]), ref: str(v["payment_reference"])}
	a, ok := v["amount"].(float64)
	pv.amount = a
	// Odoo names the lines otherwise without a reference, and a supplier
	// payment goes to the payable account: those keep Odoo's own lines.
	return pv, ok && a > 0 && pv.partner != 0 && pv.ref != "" && pv.date != "" &&
		str(v["partner_type"]) == "customer" && (pv.kind == "inbound" || pv.kind == "outbound")
}

// journalLine is one line of a payment's journal entry, as the push would
// create it and as it compares Odoo's.
type journalLine struct {
	account, partner, currency int64
	name, maturity             string
	debit, credit, amountCur   float64
}

// lines are the payment's liquidity and counterpart lines.
func (pv paymentVals) lines(k payKind, receivable int64) [2]journalLine {
	amt := math.Round(pv.amount*100) / 100
	if pv.kind == "outbound" {
		amt = -amt
	}
	side := func(account int64, a float64) journalLine {
		return journalLine{account: account, partner: pv.partner, currency: k.currency, name: pv.ref, maturity: pv.date,
			amountCur: a, debit: max(a, 0), credit: max(-a, 0)}
	}
	return [2]journalLine{side(k.outstanding, amt), side(receivable, -amt)}
}

func (l journalLine) vals() map[string]any {
	return map[string]any{"name": l.name, "date_maturity": l.maturity, "amount_currency": l.amountCur, "currency_id": l.currency,
		"debit": l.debit, "credit": l.credit, "partner_id": l.partner, "account_id": l.account}
}

func (l journalLine) same(o journalLine) bool {
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.005 }
	return l.account == o.account && l.partner == o.partner && l.currency == o.currency && l.name == o.name &&
		l.maturity == o.maturity && near(l.debit, o.debit) && near(l.credit, o.credit) && near(l.amountCur, o.amountCur)
}

// refID is a many2one value as read returns it ([id, name] or false).
func refID(v any) int64 {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return num(l[0])
	}
	return 0
}

// paymentsOn says whether payments may carry their lines on this server
// (read once).
func (p *pusher) paymentsOn(ctx context.Context) (bool, error) {
	p.mu.Lock()
	checked, off := p.books.checked, p.books.off
	p.mu.Unlock()
	if checked {
		return off == "", nil
	}
	f, err := p.fieldsOf(ctx, paymentModel)
	if err != nil {
		return false, fmt.Errorf("read %s's fields: %w", paymentModel, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.books.checked = true
	if lf, _ := f["line_ids"].(map[string]any); str(lf["type"]) != "one2many" || f["outstanding_account_id"] == nil || f["journal_id"] == nil {
		p.books.off = "this Odoo's payments carry no journal lines"
	}
	return p.books.off == "", nil
}

// paymentsFirst sends, for each payment type of the batch nobody has
// learned yet, its first canarySize payments without lines and learns
// from what Odoo made of them; a type another worker is learning is
// waited for. It returns the rest of the batch.
func (p *pusher) paymentsFirst(ctx context.Context, t *tableData, ok []*rec, vals []map[string]any, res *exporters.WriteResult) ([]*rec, []map[string]any, error) {
	if on, err := p.paymentsOn(ctx); err != nil || !on {
		return ok, vals, err
	}
	var mine []string
	for {
		var wait chan struct{}
		mine = nil
		p.mu.Lock()
		if p.books.learning == nil {
			p.books.learning = map[string]chan struct{}{}
		}
		for _, v := range vals {
			pv, eligible := paymentOf(v)
			if _, known := p.books.kinds[pv.kind]; !eligible || known || slices.Contains(mine, pv.kind) {
				continue
			}
			if ch := p.books.learning[pv.kind]; ch != nil {
				wait = ch
				break
			}
			mine = append(mine, pv.kind)
		}
		if wait == nil || p.books.off != "" {
			if p.books.off != "" {
				mine = nil
			}
			for _, k := range mine {
				p.books.learning[k] = make(chan struct{})
			}
			p.mu.Unlock()
			break
		}
		p.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	if len(mine) == 0 {
		return ok, vals, nil
	}
	defer func() {
		p.mu.Lock()
		for _, k := range mine {
			close(p.books.learning[k])
			delete(p.books.learning, k)
		}
		p.mu.Unlock()
	}()
	var firstRecs, restRecs []*rec
	var firstVals, restVals []map[string]any
	taken := map[string]int{}
	for j, v := range vals {
		pv, eligible := paymentOf(v)
		if eligible && slices.Contains(mine, pv.kind) && taken[pv.kind] < canarySize {
			taken[pv.kind]++
			firstRecs, firstVals = append(firstRecs, ok[j]), append(firstVals, v)
			continue
		}
		restRecs, restVals = append(restRecs, ok[j]), append(restVals, v)
	}
	ids, err := p.sendCreate(ctx, t, firstRecs, firstVals, res)
	if err != nil {
		return nil, nil, err
	}
	all := make([]int, len(firstVals))
	for j := range all {
		all[j] = j
	}
	// The payments are made whatever the learning finds.
	p.learnPayments(ctx, firstVals, ids, all)
	return restRecs, restVals, nil
}

// paymentLines adds journal_id and line_ids to the payments of a batch
// whose type is learned.
func (p *pusher) paymentLines(ctx context.Context, vals []map[string]any) error {
	p.mu.Lock()
	off, kinds := p.books.off, maps.Clone(p.books.kinds)
	p.mu.Unlock()
	if off != "" || len(kinds) == 0 {
		return nil
	}
	var partners []int64
	with := map[int]paymentVals{}
	for i, v := range vals {
		pv, ok := paymentOf(v)
		if _, known := kinds[pv.kind]; !ok || !known {
			continue
		}
		with[i] = pv
		partners = append(partners, pv.partner)
	}
	if len(with) == 0 {
		return nil
	}
	recv, err := p.receivables(ctx, partners)
	if err != nil {
		return err
	}
	for i, pv := range with {
		r := recv[pv.partner]
		if r == 0 {
			continue // Odoo will say what is missing
		}
		k := kinds[pv.kind]
		ls := pv.lines(k, r)
		vals[i]["journal_id"] = k.journal
		vals[i]["line_ids"] = []any{[]any{int64(0), int64(0), ls[0].vals()}, []any{int64(0), int64(0), ls[1].vals()}}
	}
	return nil
}

// receivables reads the partners' receivable accounts.
func (p *pusher) receivables(ctx context.Context, partners []int64) (map[int64]int64, error) {
	sort.Slice(partners, func(i, j int) bool { return partners[i] < partners[j] })
	var uniq []int64
	for i, id := range partners {
		if i == 0 || id != partners[i-1] {
			uniq = append(uniq, id)
		}
	}
	v, err := p.c.Execute(ctx, "res.partner", "read", []any{anyList64(uniq)}, map[string]any{"fields": []any{"property_account_receivable_id"}})
	if err != nil {
		return nil, fmt.Errorf("read the payments' partners' receivable accounts: %w", err)
	}
	out := map[int64]int64{}
	for _, r := range records(v) {
		out[num(r["id"])] = refID(r["property_account_receivable_id"])
	}
	return out, nil
}

// learnPayments reads back the journal entries Odoo made for payments
// created without lines (vals[i] made ids[i], for i in learn) and learns
// each payment type whose every entry is what the push would have sent.
// When it cannot, payments go without lines from then on.
func (p *pusher) learnPayments(ctx context.Context, vals []map[string]any, ids []int64, learn []int) {
	why := ""
	if err := p.learn(ctx, vals, ids, learn); err != nil {
		why = err.Error()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if why != "" && p.books.off == "" {
		p.books.off = why
		p.say("odoo: payments are sent without their journal items from now on (" + why + "): slower, and the same records")
	}
}

func (p *pusher) learn(ctx context.Context, vals []map[string]any, ids []int64, learn []int) error {
	var pids, partners []int64
	for _, i := range learn {
		pids = append(pids, ids[i])
		partners = append(partners, num(vals[i]["partner_id"]))
	}
	v, err := p.c.Execute(ctx, paymentModel, "read", []any{anyList64(pids)},
		map[string]any{"fields": []any{"journal_id", "currency_id", "outstanding_account_id", "move_id"}})
	if err != nil {
		return fmt.Errorf("read back the payments' journal entries: %w", err)
	}
	pays := map[int64]map[string]any{}
	var moves []int64
	for _, r := range records(v) {
		pays[num(r["id"])] = r
		moves = append(moves, refID(r["move_id"]))
	}
	v, err = p.c.Execute(ctx, "account.move.line", "search_read", []any{[]any{[]any{"move_id", "in", anyList64(moves)}}},
		map[string]any{"fields": []any{"move_id", "account_id", "partner_id", "currency_id", "name", "date_maturity", "debit", "credit", "amount_currency"}, "order": "id"})
	if err != nil {
		return fmt.Errorf("read back the payments' journal items: %w", err)
	}
	byMove := map[int64][]journalLine{}
	for _, r := range records(v) {
		f := func(k string) float64 { x, _ := r[k].(float64); return x }
		byMove[refID(r["move_id"])] = append(byMove[refID(r["move_id"])], journalLine{account: refID(r["account_id"]), partner: refID(r["partner_id"]),
			currency: refID(r["currency_id"]), name: str(r["name"]), maturity: str(r["date_maturity"]), debit: f("debit"), credit: f("credit"), amountCur: f("amount_currency")})
	}
	recv, err := p.receivables(ctx, partners)
	if err != nil {
		return err
	}
	learned := map[string]payKind{}
	for _, i := range learn {
		pv, _ := paymentOf(vals[i])
		r := pays[ids[i]]
		k := payKind{journal: refID(r["journal_id"]), currency: refID(r["currency_id"]), outstanding: refID(r["outstanding_account_id"])}
		got := byMove[refID(r["move_id"])]
		want := pv.lines(k, recv[pv.partner])
		if prev, seen := learned[pv.kind]; seen && prev != k {
			return fmt.Errorf("%s payments went to more than one journal or account", pv.kind)
		}
		if len(got) != 2 || !got[0].same(want[0]) || !got[1].same(want[1]) {
			return fmt.Errorf("Odoo's journal items for payment %d are not the ones the push would send", ids[i])
		}
		learned[pv.kind] = k
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.books.kinds == nil {
		p.books.kinds = map[string]payKind{}
	}
	for _, kind := range sortedKeys(learned) {
		k := learned[kind]
		prev, ok := p.books.kinds[kind]
		if ok && prev != k {
			return fmt.Errorf("%s payments went to more than one journal or account", kind)
		}
		if !ok {
			p.books.kinds[kind] = k
			p.say(fmt.Sprintf("odoo: %s payments now go with their journal items (Odoo's own for the first ones matched them)", kind))
		}
	}
	return nil
}
