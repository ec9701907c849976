package odootest

import (
	"maps"
	"math"
	"slices"
)

// Journal entries as Odoo 17's account module makes them (checked against
// a real Odoo 17.0-20240709):
//
//   - account.payment _inherits account.move: a new payment gets the
//     journal (the first bank journal), its currency (the journal's, else
//     the company's), the outstanding account (the company's outstanding
//     receipts account for inbound payments, outstanding payments for
//     outbound) and the destination account (the partner's receivable),
//     and its move gets the two lines _prepare_move_line_default_vals
//     makes: the liquidity line and the counterpart, both labelled with
//     the payment reference.
//   - A payment created with line_ids ((0, 0, vals) commands) gets those
//     lines instead, as sent: Odoo does not check their accounts (a
//     payment with both lines on the receivable account is accepted).
//   - A move whose lines do not balance is refused: "The move (...) is
//     not balanced." (UserError), and nothing of the call is kept.
//   - Unlinking a move removes its lines.
//
// Not modelled: payment method lines with their own accounts, other
// currencies, posting and reconciliation, invoices' dynamic lines.

// journalModels are the models whose line_ids are a move's journal items.
var journalModels = map[string]bool{"account.move": true, "account.payment": true}

// takeLines removes line_ids from the create values of a journal entry and
// returns the items to create, each (0, 0, vals).
func takeLines(m *Model, vals map[string]any) ([]map[string]any, bool, error) {
	v, ok := vals["line_ids"]
	if !ok || !journalModels[m.Name] {
		return nil, false, nil
	}
	delete(vals, "line_ids")
	l, ok := v.([]any)
	if !ok {
		return nil, false, serverError("ValueError: Wrong value for %s.line_ids: %v", m.Name, v)
	}
	var out []map[string]any
	for _, c := range l {
		t, _ := c.([]any)
		if len(t) != 3 || num(t[0]) != 0 {
			return nil, false, serverError("ValueError: only (0, 0, values) commands create journal items in this test server")
		}
		lv, ok := t[2].(map[string]any)
		if !ok {
			return nil, false, serverError("TypeError: a journal item is a dict, got %T", t[2])
		}
		out = append(out, lv)
	}
	return out, true, nil
}

// journalItems gives a new payment its computed fields and its move's
// lines (the given ones or Odoo's two), and a move the lines it was
// created with; then the move must balance.
func (st *store) journalItems(m *Model, id int64, lines []map[string]any, given bool) error {
	move := id
	if m.Name == "account.payment" {
		r := maps.Clone(st.tables[m.Name].row(id))
		move = num(r["move_id"])
		st.paymentFields(r)
		st.put(m.Name, r)
		if !given {
			lines = st.paymentLines(r)
		}
	} else if !given {
		return nil
	}
	// The move is new: its lines are the ones made here.
	ml := st.models["account.move.line"]
	var debit, credit float64
	for _, lv := range lines {
		lv["move_id"] = move
		made, err := st.create(ml, []any{lv})
		if err != nil {
			return err
		}
		l := st.tables["account.move.line"].row(made[0])
		debit += flt(l["debit"])
		credit += flt(l["credit"])
	}
	if math.Round(debit*100) != math.Round(credit*100) {
		return userError("The move (Draft Entry (* %d)) is not balanced.\nThe total of debits equals $\u00a0%.2f and the total of credits equals $\u00a0%.2f.\nYou might want to specify a default account on journal \"Bank\" to automatically balance each move.", move, debit, credit)
	}
	return nil
}

func flt(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	}
	return 0
}

// defaultJournal is the journal Odoo 17 gives a new invoice, credit note
// or bill that names none (_compute_journal_id): the company's first
// journal of the move type's journal type. Other moves get none here.
func (st *store) defaultJournal(moveType any) int64 {
	want := ""
	switch moveType {
	case "out_invoice", "out_refund", "out_receipt":
		want = "sale"
	case "in_invoice", "in_refund", "in_receipt":
		want = "purchase"
	default:
		return 0
	}
	for _, jid := range st.ids("account.journal") {
		if j := st.tables["account.journal"].row(jid); j["type"] == want {
			return jid
		}
	}
	return 0
}

// paymentFields sets what Odoo computes on a new payment.
func (st *store) paymentFields(r Record) {
	company := st.tables["res.company"].row(st.firstID("res.company"))
	var journal Record
	for _, jid := range st.ids("account.journal") {
		if j := st.tables["account.journal"].row(jid); j["type"] == "bank" {
			journal = j
			break
		}
	}
	r["journal_id"] = num(journal["id"])
	r["currency_id"] = num(journal["currency_id"])
	if r["currency_id"] == int64(0) {
		r["currency_id"] = num(company["currency_id"])
	}
	if r["payment_type"] == "outbound" {
		r["outstanding_account_id"] = num(company["account_journal_payment_credit_account_id"])
	} else {
		r["outstanding_account_id"] = num(company["account_journal_payment_debit_account_id"])
	}
	r["destination_account_id"] = st.receivable(num(r["partner_id"]))
}

// receivable is a partner's receivable account: its own, else the
// company's default (Odoo's ir.property).
func (st *store) receivable(partner int64) int64 {
	if p, ok := st.tables["res.partner"].lookup(partner); ok && num(p["property_account_receivable_id"]) != 0 {
		return num(p["property_account_receivable_id"])
	}
	return st.defaultReceivable
}

// linesOf are a move's lines, in id order: the journal items' move_id
// index, which put and del keep (and a failed call's undo restores), so
// no second structure of lines by move is kept. A pointer-holding map per
// move cost some 200 bytes for each of a school's ten million moves, and
// the garbage collector marked them all again on every cycle.
func (st *store) linesOf(move int64) []int64 {
	t := st.tables["account.move.line"]
	var out []int64
	if ix := t.indexOf("move_id"); ix != nil {
		out = slices.Clone(ix.get(move))
	} else {
		t.each(func(id int64, r Record) bool {
			if num(r["move_id"]) == move {
				out = append(out, id)
			}
			return true
		})
	}
	slices.Sort(out)
	return out
}

// paymentLines are _prepare_move_line_default_vals's two lines.
func (st *store) paymentLines(r Record) []map[string]any {
	amt := math.Round(flt(r["amount"])*100) / 100
	if r["payment_type"] == "outbound" {
		amt = -amt
	}
	name := r["payment_reference"]
	if s, _ := name.(string); s == "" {
		name = "Customer Payment" // Odoo's default label, simplified
	}
	line := func(account int64, a float64) map[string]any {
		return map[string]any{"name": name, "date_maturity": r["date"], "amount_currency": a, "currency_id": r["currency_id"],
			"debit": max(a, 0), "credit": max(-a, 0), "partner_id": r["partner_id"], "account_id": account}
	}
	return []map[string]any{line(num(r["outstanding_account_id"]), amt), line(num(r["destination_account_id"]), -amt)}
}

func (st *store) firstID(model string) int64 {
	if ids := st.ids(model); len(ids) > 0 {
		return ids[0] // ids are in ascending order
	}
	return 0
}
