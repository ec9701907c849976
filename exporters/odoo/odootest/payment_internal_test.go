package odootest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAMovesLinesFollowCreatesUnlinksAndRollbacks: a payment's line_ids
// are its move's two journal items; a call that fails keeps none of the
// lines it made; unlinking a move removes its lines and no other move's.
func TestAMovesLinesFollowCreatesUnlinksAndRollbacks(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			st := newStore(nil, compact, nil)
			call := storeCall(t, st)
			partner := call("res.partner", "create", map[string]any{"name": "Patient"}).(int64)
			pay := func(amount float64) (payment, move int64, lines []int64) {
				t.Helper()
				payment = call("account.payment", "create", map[string]any{
					"partner_id": partner, "amount": amount, "payment_type": "inbound", "partner_type": "customer",
				}).(int64)
				r := st.tables["account.payment"].row(payment)
				move = num(r["move_id"])
				require.NotZero(t, move)
				return payment, move, st.lineIDsOf(t, "account.payment", payment)
			}
			linesByMove := func(move int64) []int64 {
				t.Helper()
				got, err := st.search(st.models["account.move.line"], []any{[]any{"move_id", "=", move}}, 0)
				require.NoError(t, err)
				return got
			}

			_, move1, lines1 := pay(120)
			require.Len(t, lines1, 2)
			assert.Equal(t, lines1, linesByMove(move1))
			assert.Equal(t, lines1, st.lineIDsOf(t, "account.move", move1), "the move reads the payment's lines")
			_, move2, lines2 := pay(75)
			require.Len(t, lines2, 2)
			assert.NotEqual(t, lines1, lines2)

			// A call that fails after making a payment keeps nothing of it.
			st.begin()
			_, err := st.execute("account.payment", "create", []any{map[string]any{
				"partner_id": partner, "amount": 10.0, "payment_type": "inbound", "partner_type": "customer",
				"line_ids": []any{[]any{int64(0), int64(0), map[string]any{"name": "one-sided", "debit": 10.0, "credit": 0.0}}},
			}}, map[string]any{})
			require.ErrorContains(t, err, "is not balanced")
			st.rollback()
			assert.Len(t, st.ids("account.payment"), 2, "the failed call's payment is undone")
			assert.Len(t, st.ids("account.move.line"), 4, "the failed call's line is undone")
			assert.Equal(t, lines2, st.lineIDsOf(t, "account.move", move2))

			call("account.move", "unlink", []any{move1})
			assert.Empty(t, linesByMove(move1), "unlinking a move removes its lines")
			assert.Empty(t, st.lineIDsOf(t, "account.move", move1))
			assert.Equal(t, lines2, st.lineIDsOf(t, "account.move", move2), "another move keeps its lines")
			assert.ElementsMatch(t, lines2, st.ids("account.move.line"))
		})
	}
}

// lineIDsOf is record id's line_ids as a read answers them (none when
// the record is gone).
func (st *store) lineIDsOf(t *testing.T, model string, id int64) []int64 {
	t.Helper()
	recs := storeCall(t, st)(model, "read", []any{id}, []any{"line_ids"}).([]any)
	if len(recs) == 0 {
		return nil
	}
	var out []int64
	for _, l := range recs[0].(map[string]any)["line_ids"].([]any) {
		out = append(out, l.(int64))
	}
	return out
}
